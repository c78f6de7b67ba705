//! Ctrl-C and SIGTERM, turned into a graceful shutdown.
//!
//! On Unix, Ctrl-C in a terminal sends SIGINT to the program; service
//! managers (systemd, Docker, Kubernetes) stop a program with SIGTERM. On
//! Windows there are no signals: Ctrl-C and closing the console window are
//! console events. The `ctrlc` crate (with its `termination` feature)
//! covers all of these with one handler, which it runs on an ordinary
//! thread of its own: a real signal handler may call only the few
//! async-signal-safe functions, and ours prints and may exit, which it
//! could not. It also keeps our crate free of `unsafe` code.
//! Chapter 6's server catches signals with this function too.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::Shutdown;

// ANCHOR: stop_on_signals
/// Turns Ctrl-C and SIGTERM into `shutdown.trigger()`, and a second one
/// into an immediate exit. Call it once per program: the signals have one
/// handler per process, so a second call is an error.
pub fn stop_on_signals(shutdown: Shutdown) -> Result<(), String> {
    let asked_before = AtomicBool::new(false);
    ctrlc::set_handler(move || {
        if asked_before.swap(true, Ordering::SeqCst) {
            // Asked twice: someone does not want to wait for a handler
            // that takes its time. std cannot stop a running thread, but
            // the process can end. 130 = 128 + SIGINT, the shell's code
            // for "stopped by Ctrl-C".
            eprintln!("stopping now, without waiting");
            std::process::exit(130);
        }
        eprintln!("shutting down: finishing the requests in flight (again to stop at once)");
        shutdown.trigger();
    })
    .map_err(|e| format!("cannot catch Ctrl-C: {e}"))
}
// ANCHOR_END: stop_on_signals

//! The request log: one line per request on stderr, written in batches by a
//! task of its own.
//!
//! Chapter 3 writes each line with one `eprint!`, which is one system call
//! per request, made by the thread that serves it. Measured on this
//! chapter's server, that one call cost a tenth of the requests per second
//! under load. Sending each line over a channel to a writer task costs
//! less, but still a wake-up of the writer per line when it is idle. So a
//! connection only appends its line to a shared buffer, under a lock held
//! for the time of a copy, and a writer task writes whatever has piled up,
//! in one call, every [`FLUSH_EVERY`]: under load, one system call for
//! hundreds of lines; when the server is quiet, a line shows up within a
//! twentieth of a second.
//!
//! ```text
//!  connection ─┐
//!  connection ─┼─ append(line) ─▶ Mutex<String> ◀─ every 50 ms: take it all, one write
//!  connection ─┘                                   (writer task)
//! ```
//!
//! Chapter 8 writes its request log with this too.

use std::sync::{Arc, Mutex, PoisonError};

use tokio::task::JoinHandle;
use tokio::time::{self, Duration, MissedTickBehavior};

// ANCHOR: request_log
/// How often the writer task writes what has piled up.
pub const FLUSH_EVERY: Duration = Duration::from_millis(50);

/// Where connections put their log lines. Cheap to clone: every clone
/// appends to the same buffer.
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    /// The lines not written yet; `None` writes each line directly, for a
    /// connection served on its own (as the tests do).
    pending: Option<Arc<Mutex<String>>>,
}

impl RequestLog {
    /// Starts the writer task, on the current runtime. It ends once every
    /// clone of the returned log is dropped and every line is written, so
    /// awaiting its handle at the end of the server flushes the log.
    pub fn start() -> (RequestLog, JoinHandle<()>) {
        let pending = Arc::new(Mutex::new(String::new()));
        let writer = tokio::spawn(write_lines(Arc::clone(&pending)));
        let log = RequestLog {
            pending: Some(pending),
        };
        (log, writer)
    }

    /// Logs one line (ending in `\n`).
    pub fn write(&self, line: &str) {
        match &self.pending {
            // A std mutex, not tokio's: it is held for a copy, never across
            // an await. A panic while it was held left a line half copied
            // at worst, so a poisoned lock is used as it is.
            Some(pending) => pending
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push_str(line),
            None => eprint!("{line}"),
        }
    }
}

/// The writer task: every [`FLUSH_EVERY`], takes every line waiting and
/// writes them with one `eprint!`; ends, after a last write, once it holds
/// the only handle on the buffer.
async fn write_lines(pending: Arc<Mutex<String>>) {
    let mut ticks = time::interval(FLUSH_EVERY);
    // A tick missed while the runtime was busy is simply late: one write
    // catches up with everything.
    ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let last = Arc::strong_count(&pending) == 1;
        // Taken under the lock, written after it: a connection never waits
        // for stderr.
        let lines = std::mem::take(&mut *pending.lock().unwrap_or_else(PoisonError::into_inner));
        if !lines.is_empty() {
            // A blocking write on a runtime thread, which async code
            // should avoid; one batch of lines to stderr is quick, and it
            // happens once per tick, not once per request.
            eprint!("{lines}");
        }
        if last {
            return;
        }
    }
}
// ANCHOR_END: request_log

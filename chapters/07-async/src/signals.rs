//! Ctrl-C and SIGTERM, turned into a cancelled token.
//!
//! Chapter 5 caught them with the `ctrlc` crate, whose handler runs on a
//! thread of its own. With a runtime, `tokio::signal` turns a signal into
//! a future, so waiting for one is an ordinary task. Chapter 8's server
//! stops on the same function.

use tokio_util::sync::CancellationToken;

// ANCHOR: signals
/// Cancels `shutdown` on the first Ctrl-C (or SIGTERM on Unix), and exits
/// at once on the second. Spawn it as a task of its own: the server only
/// ever sees the token.
pub async fn stop_on_signals(shutdown: CancellationToken) {
    if let Err(error) = termination().await {
        // Without signals the server still serves; it just cannot be
        // stopped gracefully.
        eprintln!("cannot catch Ctrl-C: {error}");
        return;
    }
    eprintln!("shutting down: finishing the requests in flight (again to stop at once)");
    shutdown.cancel();
    if termination().await.is_ok() {
        eprintln!("stopping now, without waiting");
        // 130 = 128 + SIGINT, the shell's code for "stopped by Ctrl-C".
        std::process::exit(130);
    }
}

/// Waits for Ctrl-C (SIGINT) or SIGTERM, what service managers send.
#[cfg(unix)]
async fn termination() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut terminate = signal(SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = terminate.recv() => Ok(()),
    }
}

/// Waits for Ctrl-C. Windows has no SIGTERM; `tokio::signal::windows`
/// could add Ctrl-Break and closing the console, which we leave out.
#[cfg(not(unix))]
async fn termination() -> std::io::Result<()> {
    tokio::signal::ctrl_c().await
}
// ANCHOR_END: signals

//! The command line: read `--addr` and `--max-connections`, bind, turn
//! Ctrl-C and SIGTERM into a graceful shutdown, and call the library.
//!
//! ```text
//! chapter07-solution [--addr HOST:PORT] [--max-connections N]
//! ```
//!
//! Chapters 1 to 6 read their options with chapter 1's small `cli` module,
//! to stay with std. From here on the chapters use crates anyway, and clap
//! derives the same parsing, the `--help` text and the usage errors (exit
//! code 2) from the struct below.

use std::num::NonZeroUsize;
use std::process::ExitCode;
use std::sync::Arc;

use chapter07::server::configure;
use chapter07::signals::stop_on_signals;
use chapter07::{CancellationToken, Stats, serve_with, site};
use clap::Parser;
use tokio::net::TcpListener;

/// Serves chapter 3's site, plus /sleep?ms=N (a slow request), with a tokio
/// task per connection. Ctrl-C (or SIGTERM) stops it gracefully: requests
/// in flight finish first. A second Ctrl-C stops it at once.
#[derive(Parser)]
#[command(name = "chapter07-solution")]
struct Cli {
    /// Where to listen
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7878")]
    addr: String,
    /// Connections served at once; more get 503 [default: 10000, or fewer
    /// if file descriptors are short]
    #[arg(long, value_name = "N")]
    max_connections: Option<NonZeroUsize>,
}

// ANCHOR: main
// `#[tokio::main]` turns `async fn main` into a plain `main` that builds a
// multi-threaded runtime (a thread per CPU) and runs this future on it.
#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), String> {
    // A failed bind ends the program: there is nothing to serve.
    let listener = TcpListener::bind(&cli.addr)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", cli.addr))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let shutdown = CancellationToken::new();
    // The signals are waited for in a task of their own, which cancels the
    // token: the server only ever sees the token.
    tokio::spawn(stop_on_signals(shutdown.clone()));
    println!("listening on http://{bound}");
    // Every connection costs a file descriptor: take as many as the system
    // lets us, and fit the limits under what we got.
    let config = configure(cli.max_connections.map(NonZeroUsize::get));
    let stats = Arc::new(Stats::default());
    serve_with(listener, shutdown, &config, site::Site, stats)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("stopped: every connection has finished");
    Ok(())
}
// ANCHOR_END: main

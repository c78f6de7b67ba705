//! The command line: read `--addr`, `--data` and `--static`, set up the
//! log, bind, and serve until Ctrl-C.
//!
//! ```text
//! chapter08-solution [--addr HOST:PORT] [--data FOLDER] [--static FOLDER]
//! ```
//!
//! The log goes to stderr: one line per request, and tracing's lines for
//! the rest, whose detail `RUST_LOG` sets (`RUST_LOG=debug` adds a line
//! for each connection that ended with an error).

use std::path::PathBuf;
use std::process::ExitCode;

use chapter07::CancellationToken;
use chapter07::signals::stop_on_signals;
use chapter08::{Folders, serve};
use clap::Parser;

/// Serves chapter 6's app on axum: a home page, /time, /hello/NAME, a
/// guestbook (in FOLDER/guestbook.db) and static files. Ctrl-C stops it
/// gracefully.
#[derive(Parser)]
#[command(name = "chapter08-solution")]
struct Cli {
    /// Where to listen
    #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7878")]
    addr: String,
    /// Where the guestbook database is kept
    #[arg(long, value_name = "FOLDER", default_value = Folders::DEFAULT_DATA)]
    data: PathBuf,
    /// The files served under /static/ [default: chapter 6's static folder]
    #[arg(long = "static", value_name = "FOLDER")]
    static_files: Option<PathBuf>,
}

// ANCHOR: main
#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let folders = Folders {
        data: cli.data,
        static_files: cli.static_files.unwrap_or_else(Folders::default_static),
    };
    // The log: to stderr, so stdout keeps the one line tools wait for.
    chapter08::log_to_stderr("chapter08=info");
    let listener = match tokio::net::TcpListener::bind(&cli.addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {}: {error}", cli.addr);
            return ExitCode::FAILURE;
        }
    };
    let bound = listener.local_addr().map_or(cli.addr, |a| a.to_string());
    tracing::info!(
        data = %folders.data.display(),
        static_files = %folders.static_files.display(),
        "guestbook and static folders"
    );
    // Chapter 7's signal task: the first Ctrl-C cancels the token, a
    // second one stops at once.
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signals(shutdown.clone()));
    println!("listening on http://{bound}");
    // The graceful stop, its grace period and the deadline for request
    // heads are the library's (see server.rs).
    match serve(listener, shutdown.cancelled_owned(), &folders).await {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}
// ANCHOR_END: main

//! The command line: read `--addr`, `--data` and `--static`, set up the
//! log, bind, and serve until Ctrl-C.
//!
//! ```text
//! chapter08 [--addr HOST:PORT] [--data FOLDER] [--static FOLDER]
//! ```
//!
//! The log goes to stderr: one line per request, and tracing's lines for
//! the rest, whose detail `RUST_LOG` sets (`RUST_LOG=debug` adds a line
//! for each connection that ended with an error).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use chapter08::{Folders, serve};
use tracing_subscriber::EnvFilter;

const USAGE: &str = "\
usage: chapter08 [--addr HOST:PORT] [--data FOLDER] [--static FOLDER]

Serves chapter 6's app on axum: a home page, /time, /hello/NAME, a guestbook
(in FOLDER/guestbook.db) and static files. Open http://127.0.0.1:7878 once it
says it is listening. Ctrl-C stops it gracefully.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  --data FOLDER     where the guestbook database is kept [default: ./data]
  --static FOLDER   the files served under /static/ [default: chapter 6's static folder]
  -h, --help        print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

// ANCHOR: main
#[tokio::main]
async fn main() -> ExitCode {
    let (addr, folders) = match parse_args(std::env::args().skip(1)) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(problem) => {
            eprintln!("error: {problem}\n\n{USAGE}");
            // 2 is the conventional exit status for a usage error.
            return ExitCode::from(2);
        }
    };
    // The log: to stderr, so stdout keeps the one line tools wait for.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        // Colours for a terminal, plain text for a file or a pipe.
        .with_ansi(std::io::stderr().is_terminal())
        .with_env_filter(
            EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| EnvFilter::new("chapter08=info,tower_http=info")),
        )
        .init();
    let listener = match tokio::net::TcpListener::bind(&addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let bound = listener.local_addr().map_or(addr, |a| a.to_string());
    tracing::info!(
        data = %folders.data.display(),
        static_files = %folders.static_files.display(),
        "guestbook and static folders"
    );
    println!("listening on http://{bound}");
    // The graceful stop, its grace period and the deadline for request
    // heads are the library's (see server.rs).
    let result = serve(listener, shutdown_signal(), &folders).await;
    match result {
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

/// Completes when the program is asked to stop: Ctrl-C everywhere, and on
/// Unix also SIGTERM (what `kill` and service managers send). Windows has
/// no SIGTERM; closing the console window or Ctrl-Break are not caught
/// here and end the program at once.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(error) = tokio::signal::ctrl_c().await {
            // Without a handler we cannot stop gracefully; never complete,
            // and let the default action (exit) happen.
            tracing::error!(%error, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(error) => {
                tracing::error!(%error, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing the requests in flight");
}
// ANCHOR_END: main

/// The address and folders the arguments ask for, `None` for `--help`, or
/// what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<(String, Folders)>, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    let mut folders = Folders {
        data: PathBuf::from("data"),
        static_files: Folders::default_static(),
    };
    while let Some(arg) = args.next() {
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        if name == "-h" || name == "--help" {
            return Ok(None);
        }
        if !["--addr", "--data", "--static"].contains(&name.as_str()) {
            return Err(format!("unexpected argument {arg:?}"));
        }
        let Some(value) = inline_value.or_else(|| args.next()) else {
            return Err(format!("{name} needs a value"));
        };
        match name.as_str() {
            "--addr" => addr = value,
            "--data" => folders.data = PathBuf::from(value),
            _ => folders.static_files = PathBuf::from(value),
        }
    }
    Ok(Some((addr, folders)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<(String, Folders)>, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_the_address_and_the_folders() {
        let (addr, folders) = parse(&[]).unwrap().unwrap();
        assert_eq!(addr, DEFAULT_ADDR);
        assert_eq!(folders.data, PathBuf::from("data"));
        assert!(folders.static_files.join("style.css").is_file());
        let (addr, folders) = parse(&["--addr", "0.0.0.0:8080", "--data=/tmp/gb", "--static", "s"])
            .unwrap()
            .unwrap();
        assert_eq!(addr, "0.0.0.0:8080");
        assert_eq!(folders.data, PathBuf::from("/tmp/gb"));
        assert_eq!(folders.static_files, PathBuf::from("s"));
        assert_eq!(parse(&["--help"]), Ok(None));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(
            parse(&["--data"])
                .unwrap_err()
                .contains("--data needs a value")
        );
        assert!(parse(&["--port", "1"]).unwrap_err().contains("--port"));
    }
}

//! The command line: read `--addr` and `--max-connections`, bind, turn
//! Ctrl-C and SIGTERM into a graceful shutdown, and call the library.
//!
//! ```text
//! chapter07 [--addr HOST:PORT] [--max-connections N]
//! ```

use std::process::ExitCode;
use std::sync::Arc;

use chapter07::server::raise_descriptor_limit;
use chapter07::{CancellationToken, Config, Stats, serve_with, site};
use tokio::net::TcpListener;

const USAGE: &str = "\
usage: chapter07 [--addr HOST:PORT] [--max-connections N]

Serves chapter 3's site, plus /sleep?ms=N (a slow request), with a tokio
task per connection. Ctrl-C (or SIGTERM) stops it gracefully: requests in
flight finish first. A second Ctrl-C stops it at once.

options:
  --addr HOST:PORT       where to listen [default: 127.0.0.1:7878]
  --max-connections N    connections served at once; more get 503
                         [default: 10000, or fewer if file descriptors are short]
  -h, --help             print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve {
        addr: String,
        /// `None`: as many as the descriptors allow.
        max_connections: Option<usize>,
    },
    Help,
}

// ANCHOR: main
// `#[tokio::main]` turns `async fn main` into a plain `main` that builds a
// multi-threaded runtime (a thread per CPU) and runs this future on it.
#[tokio::main]
async fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("error: {problem}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match run(command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command) -> Result<(), String> {
    let (addr, max_connections) = match command {
        Command::Serve {
            addr,
            max_connections,
        } => (addr, max_connections),
        Command::Help => {
            println!("{USAGE}");
            return Ok(());
        }
    };
    // A failed bind ends the program: there is nothing to serve.
    let listener = TcpListener::bind(&addr)
        .await
        .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let shutdown = CancellationToken::new();
    // The signals are waited for in a task of their own, which cancels the
    // token: the server only ever sees the token.
    tokio::spawn(stop_on_signals(shutdown.clone()));
    println!("listening on http://{bound}");
    // Every connection costs a file descriptor: take as many as the system
    // lets us, and fit the limits under what we got.
    let descriptors = raise_descriptor_limit();
    let mut config = Config::fitting(descriptors);
    match max_connections {
        Some(asked) if asked > config.max_connections => eprintln!(
            "--max-connections {asked} is more than {descriptors} file descriptors allow: serving {} at once",
            config.max_connections
        ),
        Some(asked) => config.max_connections = asked,
        None => {}
    }
    eprintln!(
        "file descriptors: {descriptors}; serving up to {} connections at once",
        config.max_connections
    );
    let stats = Arc::new(Stats::default());
    serve_with(listener, shutdown, &config, site::Site, stats)
        .await
        .map_err(|e| e.to_string())?;
    eprintln!("stopped: every connection has finished");
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: signals
/// Cancels `shutdown` on the first Ctrl-C (or SIGTERM on Unix), and exits
/// at once on the second.
async fn stop_on_signals(shutdown: CancellationToken) {
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

/// Turns the arguments (without the program name) into a [`Command`], or
/// says what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    let mut max_connections = None;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" | "--max-connections" => {
                let Some(value) = inline.or_else(|| args.next()) else {
                    return Err(format!("{name} needs a value"));
                };
                if name == "--addr" {
                    addr = value;
                } else {
                    max_connections = match value.parse::<usize>() {
                        Ok(n) if n > 0 => Some(n),
                        _ => {
                            return Err(format!(
                                "--max-connections needs a whole number above 0, not {value:?}"
                            ));
                        }
                    };
                }
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Command::Serve {
        addr,
        max_connections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_the_address_and_the_limit() {
        let serve = |addr: &str, max_connections| {
            Ok(Command::Serve {
                addr: addr.to_string(),
                max_connections,
            })
        };
        assert_eq!(parse(&[]), serve(DEFAULT_ADDR, None));
        assert_eq!(
            parse(&["--addr", "0.0.0.0:8080"]),
            serve("0.0.0.0:8080", None)
        );
        assert_eq!(
            parse(&["--addr=127.0.0.1:0", "--max-connections", "4"]),
            serve("127.0.0.1:0", Some(4))
        );
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(parse(&["--addr"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["--max-connections", "0"])
                .unwrap_err()
                .contains("above 0")
        );
        assert!(parse(&["--port", "1"]).unwrap_err().contains("--port"));
    }
}

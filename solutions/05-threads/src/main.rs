//! The command line: read `--addr` and `--workers`, bind, connect Ctrl-C
//! and SIGTERM to a graceful shutdown, and call the library.
//!
//! ```text
//! chapter05-solution [--addr HOST:PORT] [--workers N]
//! ```
//!
//! Arguments are parsed by hand to keep the chapter's one crate for what
//! std cannot do: catching signals.

use std::net::TcpListener;
use std::process::ExitCode;

use chapter05::server::WORKERS;
use chapter05::signals::stop_on_signals;
use chapter05::{Config, Shutdown, serve_with, site};

const USAGE: &str = "\
usage: chapter05-solution [--addr HOST:PORT] [--workers N]

Serves chapter 3's site, plus /sleep?ms=N (a slow request) and /panic (a
handler that panics), from a pool of worker threads. Ctrl-C (or SIGTERM)
stops it gracefully: requests in flight finish first. A second Ctrl-C
stops it at once.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  --workers N       how many worker threads [default: 32]
  -h, --help        print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve { addr: String, workers: usize },
    Help,
}

fn main() -> ExitCode {
    let command = match parse_args(std::env::args().skip(1)) {
        Ok(command) => command,
        Err(problem) => {
            eprintln!("error: {problem}\n\n{USAGE}");
            // 2 is the conventional exit status for a usage error.
            return ExitCode::from(2);
        }
    };
    match run(command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(problem) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

// ANCHOR: run
fn run(command: Command) -> Result<(), String> {
    let (addr, workers) = match command {
        Command::Serve { addr, workers } => (addr, workers),
        Command::Help => {
            println!("{USAGE}");
            return Ok(());
        }
    };
    // A failed bind ends the program: there is nothing to serve.
    let listener = TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    let shutdown = Shutdown::new(&listener).map_err(|e| e.to_string())?;
    stop_on_signals(shutdown.clone())?;
    println!("listening on http://{bound}");
    let config = Config {
        workers,
        ..Config::default()
    };
    serve_with(listener, shutdown, &config, site::Site).map_err(|e| e.to_string())?;
    eprintln!("stopped: every worker has finished");
    Ok(())
}
// ANCHOR_END: run

/// Turns the arguments (without the program name) into a [`Command`], or
/// says what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    let mut workers = WORKERS;
    while let Some(arg) = args.next() {
        let (name, inline) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" | "--workers" => {
                let Some(value) = inline.or_else(|| args.next()) else {
                    return Err(format!("{name} needs a value"));
                };
                if name == "--addr" {
                    addr = value;
                } else {
                    workers = match value.parse::<usize>() {
                        Ok(n) if n > 0 => n,
                        _ => {
                            return Err(format!(
                                "--workers needs a whole number above 0, not {value:?}"
                            ));
                        }
                    };
                }
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Command::Serve { addr, workers })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_the_address_and_the_workers() {
        let serve = |addr: &str, workers| {
            Ok(Command::Serve {
                addr: addr.to_string(),
                workers,
            })
        };
        assert_eq!(parse(&[]), serve(DEFAULT_ADDR, WORKERS));
        assert_eq!(
            parse(&["--addr", "0.0.0.0:8080"]),
            serve("0.0.0.0:8080", WORKERS)
        );
        assert_eq!(
            parse(&["--addr=127.0.0.1:0", "--workers", "4"]),
            serve("127.0.0.1:0", 4)
        );
        assert_eq!(parse(&["--workers=1"]), serve(DEFAULT_ADDR, 1));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(parse(&["--addr"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--workers", "0"]).unwrap_err().contains("above 0"));
        assert!(parse(&["--workers", "many"]).unwrap_err().contains("many"));
        assert!(parse(&["--port", "1"]).unwrap_err().contains("--port"));
    }
}

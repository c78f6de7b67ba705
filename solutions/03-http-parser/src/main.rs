//! The command line: read `--addr`, bind, and call the library.
//!
//! ```text
//! chapter03-solution [--addr HOST:PORT]
//! ```
//!
//! Arguments are parsed by hand because this chapter uses std only; a real
//! program would use a crate such as clap, as the `course` tool does.

use std::net::TcpListener;
use std::process::ExitCode;

use chapter03::Shutdown;
use chapter03::serve;

const USAGE: &str = "\
usage: chapter03-solution [--addr HOST:PORT]

Serves chapter 2's small web site (a page, a picture and a form) over a
real HTTP/1.1 parser, with persistent connections, to one client at a time.
Open http://127.0.0.1:7878 once it says it is listening.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  -h, --help        print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve { addr: String },
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
    let addr = match command {
        Command::Serve { addr } => addr,
        Command::Help => {
            println!("{USAGE}");
            return Ok(());
        }
    };
    // A failed bind (the port is taken, or the address is not one of ours)
    // ends the program: there is nothing to serve.
    let listener = TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    // Print the address the OS actually gave us: with port 0 it picks a free
    // one, and whoever started us needs to know which. Rust's stdout flushes
    // at every newline, so this line is out before the first client arrives.
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on http://{bound}");
    // Nothing triggers this shutdown yet: Ctrl-C simply ends the process.
    // Chapter 5 connects it to Ctrl-C.
    let shutdown = Shutdown::new(&listener).map_err(|e| e.to_string())?;
    serve(listener, shutdown).map_err(|e| e.to_string())
}
// ANCHOR_END: run

/// Turns the arguments (without the program name) into a [`Command`], or
/// says what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" => match args.next() {
                Some(value) => addr = value,
                None => return Err("--addr needs a value, like --addr 127.0.0.1:7878".to_string()),
            },
            _ => match arg.strip_prefix("--addr=") {
                Some(value) => addr = value.to_string(),
                None => return Err(format!("unexpected argument {arg:?}")),
            },
        }
    }
    Ok(Command::Serve { addr })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_the_address() {
        let serve = |addr: &str| {
            Ok(Command::Serve {
                addr: addr.to_string(),
            })
        };
        assert_eq!(parse(&[]), serve(DEFAULT_ADDR));
        assert_eq!(parse(&["--addr", "0.0.0.0:8080"]), serve("0.0.0.0:8080"));
        assert_eq!(parse(&["--addr=127.0.0.1:0"]), serve("127.0.0.1:0"));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(parse(&["--addr"]).unwrap_err().contains("needs a value"));
        assert!(parse(&["--port", "1"]).unwrap_err().contains("--port"));
        assert!(parse(&["serve"]).unwrap_err().contains("serve"));
    }
}

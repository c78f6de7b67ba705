//! The command line: read the arguments, bind, and call the library.
//!
//! ```text
//! chapter01-solution server      [--addr HOST:PORT]
//! chapter01-solution client      [--addr HOST:PORT] MESSAGE...
//! chapter01-solution time-server [--addr HOST:PORT]
//! ```
//!
//! Arguments are parsed by hand because this chapter uses std only; a real
//! program would use a crate such as clap, as the `course` tool does.

use std::io::{self, Write};
use std::net::TcpListener;
use std::process::ExitCode;

use chapter01::client::exchange;
use chapter01::server::serve;
use chapter01::shutdown::Shutdown;
use chapter01::time::serve_time;

// ANCHOR: usage
const USAGE: &str = "\
usage: chapter01-solution <command> [--addr HOST:PORT] [MESSAGE...]

commands:
  server       echo every byte back to each client, one client at a time
  client       send MESSAGE (the words joined by spaces, plus a newline)
               and print what comes back
  time-server  answer each line TIME with the current time in UTC

options:
  --addr HOST:PORT  where to listen or connect [default: 127.0.0.1:7878]
  -h, --help        print this help";
// ANCHOR_END: usage

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Server { addr: String },
    Client { addr: String, message: String },
    TimeServer { addr: String },
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
    match command {
        Command::Server { addr } => {
            let listener = listen(&addr)?;
            // Nothing triggers this shutdown yet: Ctrl-C simply ends the
            // process. Chapter 5 connects it to Ctrl-C.
            let shutdown = Shutdown::new(&listener).map_err(|e| e.to_string())?;
            serve(listener, shutdown).map_err(|e| e.to_string())
        }
        Command::TimeServer { addr } => {
            let listener = listen(&addr)?;
            let shutdown = Shutdown::new(&listener).map_err(|e| e.to_string())?;
            serve_time(listener, shutdown).map_err(|e| e.to_string())
        }
        Command::Client { addr, message } => {
            let reply = exchange(addr.as_str(), format!("{message}\n").as_bytes())
                .map_err(|e| format!("talking to {addr}: {e}"))?;
            // The reply is bytes, not necessarily UTF-8: pass them on as they are.
            io::stdout()
                .write_all(&reply)
                .map_err(|e| format!("printing the reply: {e}"))
        }
        Command::Help => {
            println!("{USAGE}");
            Ok(())
        }
    }
}

/// Binds `addr` and announces it. A failed bind (the port is taken, or the
/// address is not one of ours) ends the program: there is nothing to serve.
fn listen(addr: &str) -> Result<TcpListener, String> {
    let listener = TcpListener::bind(addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    // Print the address the OS actually gave us: with port 0 it picks a free
    // one, and whoever started us needs to know which. Rust's stdout flushes
    // at every newline, so this line is out before the first client arrives.
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    println!("listening on tcp://{bound}");
    Ok(listener)
}
// ANCHOR_END: run

/// Turns the arguments (without the program name) into a [`Command`], or
/// says what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let name = match args.next() {
        Some(name) => name,
        None => return Err("which command? server, client or time-server".to_string()),
    };
    let mut addr = DEFAULT_ADDR.to_string();
    let mut words = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" => match args.next() {
                Some(value) => addr = value,
                None => return Err("--addr needs a value, like --addr 127.0.0.1:7878".to_string()),
            },
            _ => match arg.strip_prefix("--addr=") {
                Some(value) => addr = value.to_string(),
                None if arg.starts_with("--") => return Err(format!("unknown option {arg}")),
                None => words.push(arg),
            },
        }
    }
    match name.as_str() {
        "-h" | "--help" | "help" => Ok(Command::Help),
        "server" | "time-server" if !words.is_empty() => Err(format!(
            "{name} takes no message, but got {:?}",
            words.join(" ")
        )),
        "server" => Ok(Command::Server { addr }),
        "time-server" => Ok(Command::TimeServer { addr }),
        "client" if words.is_empty() => {
            Err("client needs a MESSAGE to send, like: client hello there".to_string())
        }
        "client" => Ok(Command::Client {
            addr,
            message: words.join(" "),
        }),
        other => Err(format!(
            "unknown command {other:?}: try server, client or time-server"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    #[test]
    fn parses_each_command() {
        let default = DEFAULT_ADDR.to_string();
        assert_eq!(
            parse(&["server"]),
            Ok(Command::Server {
                addr: default.clone()
            })
        );
        assert_eq!(
            parse(&["time-server", "--addr", "0.0.0.0:9000"]),
            Ok(Command::TimeServer {
                addr: "0.0.0.0:9000".to_string()
            })
        );
        assert_eq!(
            parse(&["client", "hello", "--addr=127.0.0.1:1", "there"]),
            Ok(Command::Client {
                addr: "127.0.0.1:1".to_string(),
                message: "hello there".to_string()
            })
        );
        assert_eq!(parse(&["server", "--help"]), Ok(Command::Help));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["serve"]).unwrap_err().contains("unknown command"));
        assert!(
            parse(&["server", "--port", "1"])
                .unwrap_err()
                .contains("--port")
        );
        assert!(
            parse(&["server", "--addr"])
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            parse(&["server", "extra"])
                .unwrap_err()
                .contains("no message")
        );
        assert!(parse(&["client"]).unwrap_err().contains("MESSAGE"));
    }
}

//! The command line: read `--addr` and `--root`, bind, and call the library.
//!
//! ```text
//! chapter04-solution [--addr HOST:PORT] [--root FOLDER]
//! ```
//!
//! Arguments are parsed by hand because this chapter uses std only; a real
//! program would use a crate such as clap, as the `course` tool does.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use chapter04::Shutdown;
use chapter04::resolve::Root;
use chapter04::serve;

const USAGE: &str = "\
usage: chapter04-solution [--addr HOST:PORT] [--root FOLDER]

Serves the files under FOLDER, and nothing outside it, to one client at a
time. Open http://127.0.0.1:7878 once it says it is listening.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  --root FOLDER     the folder to serve [default: the current folder]
  -h, --help        print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve { addr: String, root: PathBuf },
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
    let (addr, root) = match command {
        Command::Serve { addr, root } => (addr, root),
        Command::Help => {
            println!("{USAGE}");
            return Ok(());
        }
    };
    // Check the folder before binding: a typo in --root should be an error
    // now, not a 404 for every request.
    let root = Root::new(&root).map_err(|e| format!("cannot serve {}: {e}", root.display()))?;
    // A failed bind (the port is taken, or the address is not one of ours)
    // ends the program: there is nothing to serve.
    let listener = TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    // Which folder, on stderr with the log; stdout gets the one line that
    // tools (and the stage tests) wait for.
    eprintln!("serving {}", root.path().display());
    println!("listening on http://{bound}");
    // Nothing triggers this shutdown yet: Ctrl-C simply ends the process.
    // Chapter 5 connects it to Ctrl-C.
    let shutdown = Shutdown::new(&listener).map_err(|e| e.to_string())?;
    serve(listener, shutdown, root.path()).map_err(|e| e.to_string())
}
// ANCHOR_END: run

/// Turns the arguments (without the program name) into a [`Command`], or
/// says what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    let mut root = PathBuf::from(".");
    while let Some(arg) = args.next() {
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" | "--root" => {
                let Some(value) = inline_value.or_else(|| args.next()) else {
                    return Err(format!(
                        "{name} needs a value, like {name} {}",
                        example(&name)
                    ));
                };
                if name == "--addr" {
                    addr = value;
                } else {
                    root = PathBuf::from(value);
                }
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Command::Serve { addr, root })
}

fn example(option: &str) -> &'static str {
    if option == "--addr" {
        DEFAULT_ADDR
    } else {
        "./public"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    fn serve(addr: &str, root: &str) -> Result<Command, String> {
        Ok(Command::Serve {
            addr: addr.to_string(),
            root: PathBuf::from(root),
        })
    }

    #[test]
    fn parses_the_address_and_the_root() {
        assert_eq!(parse(&[]), serve(DEFAULT_ADDR, "."));
        assert_eq!(
            parse(&["--addr", "0.0.0.0:8080"]),
            serve("0.0.0.0:8080", ".")
        );
        assert_eq!(
            parse(&["--root", "site", "--addr=127.0.0.1:0"]),
            serve("127.0.0.1:0", "site")
        );
        assert_eq!(parse(&["--root=a b"]), serve(DEFAULT_ADDR, "a b"));
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(parse(&["--addr"]).unwrap_err().contains("needs a value"));
        assert!(
            parse(&["--root"])
                .unwrap_err()
                .contains("--root needs a value")
        );
        assert!(parse(&["--port", "1"]).unwrap_err().contains("--port"));
        assert!(parse(&["site"]).unwrap_err().contains("site"));
    }
}

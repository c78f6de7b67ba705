//! The command line: read `--addr`, `--data` and `--static`, bind, and call
//! the library.
//!
//! ```text
//! chapter06 [--addr HOST:PORT] [--data FOLDER] [--static FOLDER]
//! ```
//!
//! Arguments are parsed by hand because this chapter uses std only; a real
//! program would use a crate such as clap, as the `course` tool does.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

use chapter05::signals::stop_on_signals;
use chapter06::{Folders, Shutdown, serve};

const USAGE: &str = "\
usage: chapter06 [--addr HOST:PORT] [--data FOLDER] [--static FOLDER]

Serves the chapter's app: a home page, /time, /hello/NAME, a guestbook and
static files. Open http://127.0.0.1:7878 once it says it is listening.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  --data FOLDER     where the guestbook is stored [default: ./data]
  --static FOLDER   the files served under /static/ [default: the chapter's static folder]
  -h, --help        print this help";

const DEFAULT_ADDR: &str = "127.0.0.1:7878";
const DEFAULT_DATA: &str = "data";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
enum Command {
    Serve { addr: String, folders: Folders },
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
    let (addr, folders) = match command {
        Command::Serve { addr, folders } => (addr, folders),
        Command::Help => {
            println!("{USAGE}");
            return Ok(());
        }
    };
    // A failed bind (the port is taken, or the address is not one of ours)
    // ends the program: there is nothing to serve.
    let listener = TcpListener::bind(&addr).map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    let bound = listener.local_addr().map_err(|e| e.to_string())?;
    // Which folders, on stderr with the log; stdout gets the one line that
    // tools (and the stage tests) wait for.
    eprintln!(
        "guestbook in {}, static files from {}",
        folders.data.display(),
        folders.static_files.display()
    );
    let shutdown = Shutdown::new(&listener).map_err(|e| e.to_string())?;
    // Ctrl-C lets the requests in flight finish (a guestbook entry being
    // written is completed, not cut) before the program ends.
    stop_on_signals(shutdown.clone())?;
    println!("listening on http://{bound}");
    serve(listener, shutdown, &folders).map_err(|e| e.to_string())
}
// ANCHOR_END: run

/// Turns the arguments (without the program name) into a [`Command`], or
/// says what is wrong with them.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut args = args.into_iter();
    let mut addr = DEFAULT_ADDR.to_string();
    let mut folders = Folders {
        data: PathBuf::from(DEFAULT_DATA),
        static_files: Folders::default_static(),
    };
    while let Some(arg) = args.next() {
        let (name, inline_value) = match arg.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(value.to_string()))
            }
            _ => (arg.clone(), None),
        };
        match name.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--addr" | "--data" | "--static" => {
                let Some(value) = inline_value.or_else(|| args.next()) else {
                    return Err(format!(
                        "{name} needs a value, like {name} {}",
                        example(&name)
                    ));
                };
                match name.as_str() {
                    "--addr" => addr = value,
                    "--data" => folders.data = PathBuf::from(value),
                    _ => folders.static_files = PathBuf::from(value),
                }
            }
            _ => return Err(format!("unexpected argument {arg:?}")),
        }
    }
    Ok(Command::Serve { addr, folders })
}

fn example(option: &str) -> &'static str {
    match option {
        "--addr" => DEFAULT_ADDR,
        "--data" => "./data",
        _ => "./static",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| a.to_string()))
    }

    fn serve(addr: &str, data: &str, static_files: Option<&str>) -> Result<Command, String> {
        Ok(Command::Serve {
            addr: addr.to_string(),
            folders: Folders {
                data: PathBuf::from(data),
                static_files: static_files.map_or_else(Folders::default_static, PathBuf::from),
            },
        })
    }

    #[test]
    fn parses_the_address_and_the_folders() {
        assert_eq!(parse(&[]), serve(DEFAULT_ADDR, "data", None));
        assert_eq!(
            parse(&["--addr", "0.0.0.0:8080", "--data=/tmp/gb"]),
            serve("0.0.0.0:8080", "/tmp/gb", None)
        );
        assert_eq!(
            parse(&["--static", "public", "--data", "d"]),
            serve(DEFAULT_ADDR, "d", Some("public"))
        );
        assert_eq!(parse(&["--help"]), Ok(Command::Help));
    }

    #[test]
    fn the_default_static_folder_has_the_stylesheet() {
        assert!(Folders::default_static().join("style.css").is_file());
    }

    #[test]
    fn rejects_what_it_does_not_understand() {
        assert!(
            parse(&["--data"])
                .unwrap_err()
                .contains("--data needs a value")
        );
        assert!(parse(&["--port", "1"]).unwrap_err().contains("--port"));
        assert!(parse(&["site"]).unwrap_err().contains("site"));
    }
}

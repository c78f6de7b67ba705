//! The command line of every std-only binary in the course (chapters 1 to
//! 6): options read by name, a help text, the exit codes a shell expects,
//! and the `listening on` line that tools and the stage tests wait for.
//!
//! A `main.rs` becomes a few lines:
//!
//! ```no_run
//! use chapter01::cli::{self, Args};
//!
//! const USAGE: &str = "usage: demo [--addr HOST:PORT]";
//!
//! fn main() -> std::process::ExitCode {
//!     cli::run(USAGE, |mut args: Args| {
//!         let addr = args.value_or("--addr", cli::DEFAULT_ADDR)?;
//!         args.no_more()?;
//!         let listener = cli::bind(&addr)?;
//!         cli::announce(&listener, "tcp")?;
//!         Ok(())
//!     })
//! }
//! ```
//!
//! It is written by hand because these chapters use std only. From
//! chapter 7 on, where the chapters use crates anyway, the binaries use
//! clap, which derives the same parsing and the help text from a struct.

use std::fmt;
use std::io;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;

/// Where every server listens unless `--addr` says otherwise.
pub const DEFAULT_ADDR: &str = "127.0.0.1:7878";

/// Why a program stopped early.
#[derive(Debug, PartialEq, Eq)]
pub enum Failure {
    /// The command line is wrong: say what, print the usage, exit with 2
    /// (the shells' convention for a usage error).
    Usage(String),
    /// Something went wrong while running: say what, exit with 1.
    Failed(String),
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Usage(problem) | Failure::Failed(problem) => f.write_str(problem),
        }
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Failure::Failed(error.to_string())
    }
}

impl From<String> for Failure {
    fn from(problem: String) -> Self {
        Failure::Failed(problem)
    }
}

// ANCHOR: run
/// Runs a program's `main`: `-h` or `--help` anywhere prints `usage` and
/// succeeds; otherwise `main` gets the arguments, and what it returns
/// becomes the exit code, with the problem on stderr.
pub fn run(usage: &str, main: impl FnOnce(Args) -> Result<(), Failure>) -> ExitCode {
    let args = Args::new(std::env::args().skip(1));
    if args.wants_help() {
        println!("{usage}");
        return ExitCode::SUCCESS;
    }
    match main(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(problem)) => {
            eprintln!("error: {problem}\n\n{usage}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(problem)) => {
            eprintln!("error: {problem}");
            ExitCode::FAILURE
        }
    }
}

/// Binds `addr`. A failed bind (the port is taken, or the address is not
/// one of ours) ends the program: there is nothing to serve.
pub fn bind(addr: &str) -> Result<TcpListener, Failure> {
    TcpListener::bind(addr).map_err(|e| Failure::Failed(format!("cannot listen on {addr}: {e}")))
}

/// For a program whose one option is `--addr`: reads it, checks nothing
/// else was given, binds and announces (see [`bind`] and [`announce`]).
pub fn listen(mut args: Args, scheme: &str) -> Result<TcpListener, Failure> {
    let addr = args.value_or("--addr", DEFAULT_ADDR)?;
    args.no_more()?;
    let listener = bind(&addr)?;
    announce(&listener, scheme)?;
    Ok(listener)
}

/// Prints `listening on SCHEME://ADDR` with the address the OS actually
/// gave: with port 0 it picks a free one, and whoever started us needs to
/// know which. Rust's stdout flushes at every newline, so the line is out
/// before the first client arrives.
pub fn announce(listener: &TcpListener, scheme: &str) -> Result<(), Failure> {
    println!("listening on {scheme}://{}", listener.local_addr()?);
    Ok(())
}
// ANCHOR_END: run

// ANCHOR: args
/// The arguments after the program's name, taken by name as the program
/// asks for them; what is left at the end is checked by [`Args::no_more`]
/// or [`Args::words`].
#[derive(Debug)]
pub struct Args {
    rest: Vec<String>,
}

impl Args {
    pub fn new(args: impl IntoIterator<Item = String>) -> Self {
        Args {
            rest: args.into_iter().collect(),
        }
    }

    /// Whether `-h` or `--help` is anywhere on the line (or `help` first).
    pub fn wants_help(&self) -> bool {
        self.rest.first().is_some_and(|first| first == "help")
            || self.rest.iter().any(|arg| arg == "-h" || arg == "--help")
    }

    /// Takes the first word if it is not an option: a subcommand's name.
    pub fn command(&mut self) -> Option<String> {
        match self.rest.first() {
            Some(first) if !first.starts_with('-') => Some(self.rest.remove(0)),
            _ => None,
        }
    }

    /// Takes `NAME VALUE` or `NAME=VALUE` out of the arguments; when it is
    /// given twice, the last one wins, as in most programs.
    pub fn value(&mut self, name: &str) -> Result<Option<String>, Failure> {
        let mut found = None;
        let mut i = 0;
        while i < self.rest.len() {
            let arg = &self.rest[i];
            if arg == name {
                if i + 1 == self.rest.len() {
                    return Err(Failure::Usage(format!("{name} needs a value")));
                }
                found = Some(self.rest.remove(i + 1));
                self.rest.remove(i);
            } else if let Some(value) = arg.strip_prefix(name).and_then(|v| v.strip_prefix('=')) {
                found = Some(value.to_string());
                self.rest.remove(i);
            } else {
                i += 1;
            }
        }
        Ok(found)
    }

    /// [`Args::value`], or `default` when the option is absent.
    pub fn value_or(&mut self, name: &str, default: &str) -> Result<String, Failure> {
        Ok(self.value(name)?.unwrap_or_else(|| default.to_string()))
    }

    /// [`Args::value`] as a folder or file name.
    pub fn path_or(&mut self, name: &str, default: impl Into<PathBuf>) -> Result<PathBuf, Failure> {
        Ok(self
            .value(name)?
            .map_or_else(|| default.into(), PathBuf::from))
    }

    /// [`Args::value`] as a whole number above 0: a count of something.
    pub fn count(&mut self, name: &str) -> Result<Option<usize>, Failure> {
        match self.value(name)? {
            None => Ok(None),
            Some(value) => match value.parse::<usize>() {
                Ok(n) if n > 0 => Ok(Some(n)),
                _ => Err(Failure::Usage(format!(
                    "{name} needs a whole number above 0, not {value:?}"
                ))),
            },
        }
    }

    /// The words that are left, once every known option has been taken; an
    /// option nobody took is a mistake (a typo, or one this program lacks).
    pub fn words(self) -> Result<Vec<String>, Failure> {
        match self.rest.iter().find(|arg| arg.starts_with('-')) {
            Some(option) => Err(Failure::Usage(format!("unknown option {option:?}"))),
            None => Ok(self.rest),
        }
    }

    /// Checks that nothing is left: every argument was one the program knows.
    pub fn no_more(self) -> Result<(), Failure> {
        match self.words()?.first() {
            Some(word) => Err(Failure::Usage(format!("unexpected argument {word:?}"))),
            None => Ok(()),
        }
    }
}
// ANCHOR_END: args

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> Args {
        Args::new(words.iter().map(|w| w.to_string()))
    }

    #[test]
    fn takes_options_in_both_spellings_and_in_any_order() {
        let mut line = args(&["client", "hello", "--addr=127.0.0.1:1", "there"]);
        assert_eq!(line.command().as_deref(), Some("client"));
        assert_eq!(line.value("--addr"), Ok(Some("127.0.0.1:1".to_string())));
        assert_eq!(line.words(), Ok(vec!["hello".into(), "there".into()]));

        let mut line = args(&["--workers", "4", "--addr", "0.0.0.0:8080"]);
        assert_eq!(
            line.value_or("--addr", DEFAULT_ADDR).unwrap(),
            "0.0.0.0:8080"
        );
        assert_eq!(line.count("--workers"), Ok(Some(4)));
        assert_eq!(line.no_more(), Ok(()));

        let mut line = args(&["--addr", "a", "--addr=b"]);
        assert_eq!(line.value("--addr"), Ok(Some("b".to_string())));
        assert_eq!(
            args(&[]).value_or("--addr", DEFAULT_ADDR).unwrap(),
            DEFAULT_ADDR
        );
    }

    #[test]
    fn finds_help_anywhere() {
        assert!(args(&["server", "--help"]).wants_help());
        assert!(args(&["-h"]).wants_help());
        assert!(args(&["help"]).wants_help());
        assert!(!args(&["client", "help"]).wants_help());
    }

    #[test]
    fn says_what_is_wrong() {
        let usage = |problem: &str| Failure::Usage(problem.to_string());
        assert_eq!(
            args(&["--addr"]).value("--addr"),
            Err(usage("--addr needs a value"))
        );
        assert_eq!(
            args(&["--workers", "0"]).count("--workers"),
            Err(usage("--workers needs a whole number above 0, not \"0\""))
        );
        assert_eq!(
            args(&["--port", "1"]).no_more(),
            Err(usage("unknown option \"--port\""))
        );
        assert_eq!(
            args(&["serve"]).no_more(),
            Err(usage("unexpected argument \"serve\""))
        );
        // --addrs is not --addr with a value glued on.
        assert_eq!(args(&["--addrs"]).value("--addr"), Ok(None));
    }
}

//! The command line: read `--addr` and `--root`, bind, and call the library.
//!
//! ```text
//! chapter04-solution [--addr HOST:PORT] [--root FOLDER]
//! ```

use std::process::ExitCode;

use chapter01::cli::{self, Args, Failure};
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

fn main() -> ExitCode {
    cli::run(USAGE, run)
}

// ANCHOR: run
fn run(mut args: Args) -> Result<(), Failure> {
    let addr = args.value_or("--addr", cli::DEFAULT_ADDR)?;
    let root = args.path_or("--root", ".")?;
    args.no_more()?;
    // Check the folder before binding: a typo in --root should be an error
    // now, not a 404 for every request.
    let root = Root::new(&root).map_err(|e| format!("cannot serve {}: {e}", root.display()))?;
    let listener = cli::bind(&addr)?;
    // Which folder, on stderr with the log; stdout gets the one line that
    // tools (and the stage tests) wait for.
    eprintln!("serving {}", root.path().display());
    cli::announce(&listener, "http")?;
    // Nothing triggers this shutdown yet: Ctrl-C simply ends the process.
    // Chapter 5 connects it to Ctrl-C.
    let shutdown = Shutdown::new(&listener)?;
    Ok(serve(listener, shutdown, root.path())?)
}
// ANCHOR_END: run

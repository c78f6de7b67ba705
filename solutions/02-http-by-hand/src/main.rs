//! The command line: read `--addr`, bind, and call the library.
//!
//! ```text
//! chapter02-solution [--addr HOST:PORT]
//! ```

use std::process::ExitCode;

use chapter01::cli::{self, Args, Failure};
use chapter02::Shutdown;
use chapter02::server::serve;

const USAGE: &str = "\
usage: chapter02-solution [--addr HOST:PORT]

Serves a small web site (a page, a picture and a form) to one browser at a
time. Open http://127.0.0.1:7878 once it says it is listening.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  -h, --help        print this help";

fn main() -> ExitCode {
    cli::run(USAGE, run)
}

// ANCHOR: run
fn run(args: Args) -> Result<(), Failure> {
    let listener = cli::listen(args, "http")?;
    // Nothing triggers this shutdown yet: Ctrl-C simply ends the process.
    // Chapter 5 connects it to Ctrl-C.
    let shutdown = Shutdown::new(&listener)?;
    Ok(serve(listener, shutdown)?)
}
// ANCHOR_END: run

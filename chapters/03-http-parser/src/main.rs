//! The command line: read `--addr`, bind, and call the library.
//!
//! ```text
//! chapter03 [--addr HOST:PORT]
//! ```

use std::process::ExitCode;

use chapter01::cli::{self, Args, Failure};
use chapter03::Shutdown;
use chapter03::serve;

const USAGE: &str = "\
usage: chapter03 [--addr HOST:PORT]

Serves chapter 2's small web site (a page, a picture and a form) over a
real HTTP/1.1 parser, with persistent connections, to one client at a time.
Open http://127.0.0.1:7878 once it says it is listening.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  -h, --help        print this help";

fn main() -> ExitCode {
    cli::run(USAGE, run)
}

// ANCHOR: run
fn run(args: Args) -> Result<(), Failure> {
    let listener = cli::listen(args, "http")?;
    let shutdown = Shutdown::new(&listener)?;
    Ok(serve(listener, shutdown)?)
}
// ANCHOR_END: run

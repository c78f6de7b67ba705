//! The command line: read `--addr`, `--data` and `--static`, bind, and call
//! the library.
//!
//! ```text
//! chapter06 [--addr HOST:PORT] [--data FOLDER] [--static FOLDER]
//! ```

use std::process::ExitCode;

use chapter01::cli::{self, Args, Failure};
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

fn main() -> ExitCode {
    cli::run(USAGE, run)
}

// ANCHOR: run
fn run(mut args: Args) -> Result<(), Failure> {
    let addr = args.value_or("--addr", cli::DEFAULT_ADDR)?;
    let folders = Folders {
        data: args.path_or("--data", Folders::DEFAULT_DATA)?,
        static_files: args.path_or("--static", Folders::default_static())?,
    };
    args.no_more()?;
    let listener = cli::bind(&addr)?;
    // Which folders, on stderr with the log; stdout gets the one line that
    // tools (and the stage tests) wait for.
    eprintln!(
        "guestbook in {}, static files from {}",
        folders.data.display(),
        folders.static_files.display()
    );
    let shutdown = Shutdown::new(&listener)?;
    // Ctrl-C lets the requests in flight finish (a guestbook entry being
    // written is completed, not cut) before the program ends.
    stop_on_signals(shutdown.clone())?;
    cli::announce(&listener, "http")?;
    Ok(serve(listener, shutdown, &folders)?)
}
// ANCHOR_END: run

//! The command line: read `--addr` and `--workers`, bind, connect Ctrl-C
//! and SIGTERM to a graceful shutdown, and call the library.
//!
//! ```text
//! chapter05 [--addr HOST:PORT] [--workers N]
//! ```

use std::process::ExitCode;

use chapter01::cli::{self, Args, Failure};
use chapter05::signals::stop_on_signals;
use chapter05::{Config, Shutdown, serve_with, site};

const USAGE: &str = "\
usage: chapter05 [--addr HOST:PORT] [--workers N]

Serves chapter 3's site, plus /sleep?ms=N (a slow request) and /panic (a
handler that panics), from a pool of worker threads. Ctrl-C (or SIGTERM)
stops it gracefully: requests in flight finish first. A second Ctrl-C
stops it at once.

options:
  --addr HOST:PORT  where to listen [default: 127.0.0.1:7878]
  --workers N       how many worker threads [default: 32]
  -h, --help        print this help";

fn main() -> ExitCode {
    cli::run(USAGE, run)
}

// ANCHOR: run
fn run(mut args: Args) -> Result<(), Failure> {
    let addr = args.value_or("--addr", cli::DEFAULT_ADDR)?;
    let mut config = Config::default();
    if let Some(workers) = args.count("--workers")? {
        config.workers = workers;
    }
    args.no_more()?;
    let listener = cli::bind(&addr)?;
    let shutdown = Shutdown::new(&listener)?;
    // Signals are caught before the `listening` line, so a client that
    // stops us the moment it sees the line is heard.
    stop_on_signals(shutdown.clone())?;
    cli::announce(&listener, "http")?;
    serve_with(listener, shutdown, &config, site::Site)?;
    eprintln!("stopped: every worker has finished");
    Ok(())
}
// ANCHOR_END: run

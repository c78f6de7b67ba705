//! The command line: read the arguments, bind, and call the library.
//!
//! ```text
//! chapter01-solution server      [--addr HOST:PORT]
//! chapter01-solution client      [--addr HOST:PORT] MESSAGE...
//! chapter01-solution time-server [--addr HOST:PORT]
//! ```

use std::io::{self, Write};
use std::process::ExitCode;

use chapter01::cli::{self, Args, Failure};
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

fn main() -> ExitCode {
    cli::run(USAGE, run)
}

// ANCHOR: run
fn run(mut args: Args) -> Result<(), Failure> {
    let command = args.command();
    let addr = args.value_or("--addr", cli::DEFAULT_ADDR)?;
    match command.as_deref() {
        Some(name @ ("server" | "time-server")) => {
            args.no_more()?;
            let listener = cli::bind(&addr)?;
            cli::announce(&listener, "tcp")?;
            // Nothing triggers this shutdown yet: Ctrl-C simply ends the
            // process. Chapter 5 connects it to Ctrl-C.
            let shutdown = Shutdown::new(&listener)?;
            if name == "server" {
                serve(listener, shutdown)?;
            } else {
                serve_time(listener, shutdown)?;
            }
            Ok(())
        }
        Some("client") => {
            let words = args.words()?;
            if words.is_empty() {
                return Err(Failure::Usage(
                    "client needs a MESSAGE to send, like: client hello there".into(),
                ));
            }
            let message = format!("{}\n", words.join(" "));
            let reply = exchange(addr.as_str(), message.as_bytes())
                .map_err(|e| format!("talking to {addr}: {e}"))?;
            // The reply is bytes, not necessarily UTF-8: pass them on as they are.
            io::stdout().write_all(&reply)?;
            Ok(())
        }
        Some(other) => Err(Failure::Usage(format!(
            "unknown command {other:?}: try server, client or time-server"
        ))),
        None => Err(Failure::Usage(
            "which command? server, client or time-server".into(),
        )),
    }
}
// ANCHOR_END: run

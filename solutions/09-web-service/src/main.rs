//! The command line: `server` serves both front ends; `client` makes one
//! call through either and prints it.
//!
//! ```text
//! chapter09-solution server [--addr HOST:PORT] [--data FOLDER]
//! chapter09-solution client [--addr HOST:PORT] soap|json time|list [--limit N]|get ID|add --name N --message M
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use chapter07::CancellationToken;
use chapter07::signals::stop_on_signals;
use chapter09::client::{self, Api, Operation};
use clap::{Parser, Subcommand, ValueEnum};

/// The guestbook as a web service: SOAP at /soap (WSDL at /soap?wsdl) and
/// JSON under /api (OpenAPI at /api/openapi.json).
#[derive(Parser)]
#[command(name = "chapter09-solution")]
enum Cli {
    /// Serve both front ends until Ctrl-C.
    Server {
        /// Where to listen
        #[arg(long, value_name = "HOST:PORT", default_value = chapter01::cli::DEFAULT_ADDR)]
        addr: String,
        /// Where the guestbook database is kept (chapter 8's guestbook.db)
        #[arg(long, value_name = "FOLDER", default_value = "data")]
        data: PathBuf,
    },
    /// Make one call and print the result.
    Client {
        /// The server
        #[arg(long, value_name = "HOST:PORT", default_value = chapter01::cli::DEFAULT_ADDR)]
        addr: String,
        /// Which front end to call
        api: Front,
        #[command(subcommand)]
        operation: Call,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Front {
    Soap,
    Json,
}

#[derive(Subcommand)]
enum Call {
    /// The server's time
    Time,
    /// The newest entries
    List {
        /// How many (1 to 100; 20 when left out)
        #[arg(long)]
        limit: Option<i64>,
    },
    /// One entry
    Get {
        /// Its id
        id: i64,
    },
    /// Store an entry
    Add {
        #[arg(long)]
        name: String,
        #[arg(long)]
        message: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    match Cli::parse() {
        Cli::Server { addr, data } => server(&addr, data).await,
        Cli::Client {
            addr,
            api,
            operation,
        } => {
            let api = match api {
                Front::Soap => Api::Soap,
                Front::Json => Api::Json,
            };
            let operation = match operation {
                Call::Time => Operation::Time,
                Call::List { limit } => Operation::List { limit },
                Call::Get { id } => Operation::Get { id },
                Call::Add { name, message } => Operation::Add { name, message },
            };
            match client::call(&addr, api, &operation).await {
                Ok(outcome) => {
                    print!("{outcome}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("{error}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}

async fn server(addr: &str, data: PathBuf) -> ExitCode {
    // Chapter 8's log setup: stderr, RUST_LOG or this default.
    chapter08::log_to_stderr("chapter09=info");
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let bound = listener
        .local_addr()
        .map_or(addr.to_string(), |a| a.to_string());
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signals(shutdown.clone()));
    println!("listening on http://{bound}");
    match chapter09::serve(listener, shutdown.cancelled_owned(), &data).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

//! The command line: `server` serves SMTP into a Maildir folder; `send`
//! sends one message through a server with lettre.
//!
//! ```text
//! chapter10 server [--addr 127.0.0.1:2525] --maildir DIR [--domain D]... [--web ADDR] [--max-size BYTES]
//! chapter10 send --addr ADDR --from A --to B [--to C]... --subject S [--body TEXT]
//! ```

use std::path::PathBuf;
use std::process::ExitCode;

use chapter07::CancellationToken;
use chapter07::signals::stop_on_signals;
use chapter10::server;
use clap::{Parser, Subcommand};

/// A mail server written by hand: SMTP in, Maildir out.
#[derive(Parser)]
#[command(name = "chapter10")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve SMTP until Ctrl-C.
    Server {
        /// Where to listen
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:2525")]
        addr: String,
        /// The folder that holds one Maildir per mailbox
        #[arg(long, value_name = "DIR")]
        maildir: PathBuf,
        /// A domain whose mail is delivered here (may repeat)
        #[arg(long = "domain", value_name = "D", default_value = "localhost")]
        domains: Vec<String>,
        /// Also serve a page that shows the mail, on this address
        #[arg(long, value_name = "HOST:PORT")]
        web: Option<String>,
        /// The largest message, in octets
        #[arg(long, value_name = "BYTES", default_value_t = 10 * 1024 * 1024)]
        max_size: usize,
    },
    /// Send one message through a server, with lettre.
    Send {
        /// The server
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:2525")]
        addr: String,
        #[arg(long)]
        from: String,
        /// A recipient (may repeat)
        #[arg(long = "to", required = true)]
        to: Vec<String>,
        #[arg(long)]
        subject: String,
        /// The text; read from stdin when left out
        #[arg(long)]
        body: Option<String>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Server {
            addr,
            maildir,
            domains,
            web,
            max_size,
        } => {
            let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
            let settings = Settings {
                addr,
                maildir,
                domains,
                web,
                max_size,
            };
            runtime.block_on(server(settings))
        }
        Command::Send {
            addr,
            from,
            to,
            subject,
            body,
        } => send(&addr, from, to, subject, body),
    }
}

fn send(
    addr: &str,
    from: String,
    to: Vec<String>,
    subject: String,
    body: Option<String>,
) -> ExitCode {
    let Some((host, port)) = addr
        .rsplit_once(':')
        .and_then(|(h, p)| Some((h, p.parse::<u16>().ok()?)))
    else {
        eprintln!("error: --addr is HOST:PORT, not {addr:?}");
        return ExitCode::from(2);
    };
    let body = match body {
        Some(body) => body,
        None => {
            let mut text = String::new();
            if let Err(error) = std::io::Read::read_to_string(&mut std::io::stdin(), &mut text) {
                eprintln!("error: reading the body from stdin: {error}");
                return ExitCode::FAILURE;
            }
            text
        }
    };
    let outgoing = chapter10::send::Outgoing {
        from,
        to,
        subject,
        body,
    };
    match chapter10::send::send(host, port, &outgoing) {
        Ok(response) => {
            let text: Vec<&str> = response.message().collect();
            println!("{} {}", response.code(), text.join(" "));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// What `server` was told on the command line.
struct Settings {
    addr: String,
    maildir: PathBuf,
    domains: Vec<String>,
    web: Option<String>,
    max_size: usize,
}

async fn server(settings: Settings) -> ExitCode {
    chapter08::log_to_stderr("chapter10=info");
    let Some(smtp) = bind(&settings.addr).await else {
        return ExitCode::FAILURE;
    };
    let web = match &settings.web {
        Some(addr) => match bind(addr).await {
            Some(listener) => Some(listener),
            None => return ExitCode::FAILURE,
        },
        None => None,
    };
    let config = server::Config::new(
        settings.maildir.clone(),
        &settings.domains,
        settings.max_size,
    );
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signals(shutdown.clone()));
    println!("listening on smtp://{}", address_of(&smtp));
    let page = web.map(|listener| {
        println!("listening on http://{}", address_of(&listener));
        let stop = shutdown.clone().cancelled_owned();
        tokio::spawn(chapter10::web::serve(listener, settings.maildir, stop))
    });
    let served = server::serve(smtp, config, shutdown.clone()).await;
    // The SMTP server returns only once shutdown has begun; the page stops
    // on the same token.
    shutdown.cancel();
    if let Some(page) = page {
        match page.await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("error: the page: {error}"),
            Err(error) => eprintln!("error: the page: {error}"),
        }
    }
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn bind(addr: &str) -> Option<tokio::net::TcpListener> {
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => Some(listener),
        Err(error) => {
            eprintln!("error: cannot listen on {addr}: {error}");
            None
        }
    }
}

fn address_of(listener: &tokio::net::TcpListener) -> String {
    listener
        .local_addr()
        .map_or_else(|_| "?".to_string(), |a| a.to_string())
}

//! The command line: `server` runs the game; `bots` joins bots to a
//! running game and reports what they received.
//!
//! ```text
//! chapter11-solution server [--addr 127.0.0.1:7878] [--tick-hz 20] [--max-players 64]
//! chapter11-solution bots --addr ADDR [--count 10] [--seconds 10]
//! ```

use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chapter07::CancellationToken;
use chapter07::signals::stop_on_signals;
use chapter11::Config;
use chapter11::bots::{self, Report};
use clap::{Parser, Subcommand};

/// A real-time game over WebSocket: one room, one tick, every player.
#[derive(Parser)]
#[command(name = "chapter11-solution")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the game (the page at /, the WebSocket at /ws) until Ctrl-C.
    Server {
        /// Where to listen
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7878")]
        addr: String,
        /// Ticks a second
        #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=120))]
        tick_hz: u32,
        /// Players at once; one more is told to try again later
        #[arg(long, default_value_t = 64)]
        max_players: usize,
    },
    /// Join bots to a running game and report the states they received.
    Bots {
        /// The game's address
        #[arg(long, value_name = "HOST:PORT", default_value = "127.0.0.1:7878")]
        addr: String,
        /// How many bots
        #[arg(long, default_value_t = 10)]
        count: usize,
        /// How long they play
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
}

fn main() -> ExitCode {
    let runtime = tokio::runtime::Runtime::new().expect("a tokio runtime");
    match Cli::parse().command {
        Command::Server {
            addr,
            tick_hz,
            max_players,
        } => {
            let config = Config {
                tick_hz,
                max_players,
                seed: seed(),
                ..Config::default()
            };
            runtime.block_on(server(&addr, config))
        }
        Command::Bots {
            addr,
            count,
            seconds,
        } => {
            let reports = runtime.block_on(bots::run(&addr, count, Duration::from_secs(seconds)));
            print_reports(&reports)
        }
    }
}

async fn server(addr: &str, config: Config) -> ExitCode {
    chapter08::log_to_stderr("chapter11=info");
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("error: cannot listen on {addr}: {error}");
            return ExitCode::FAILURE;
        }
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(stop_on_signals(shutdown.clone()));
    match listener.local_addr() {
        Ok(local) => println!("listening on http://{local}"),
        Err(_) => println!("listening on http://{addr}"),
    }
    match chapter11::serve(listener, config, shutdown).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// A different arena each run.
fn seed() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(1, |d| d.as_nanos() as u64)
}

/// One line per bot, then the totals; fails if any bot failed.
fn print_reports(reports: &[Result<Report, String>]) -> ExitCode {
    println!(
        "{:<8} {:>7} {:>9} {:>10} {:>10} {:>10}",
        "bot", "states", "states/s", "min ms", "median ms", "max ms"
    );
    let ms = |us: u64| us as f64 / 1000.0;
    let mut failed = 0;
    let mut medians = Vec::new();
    for report in reports {
        match report {
            Ok(r) => {
                println!(
                    "{:<8} {:>7} {:>9.1} {:>10.2} {:>10.2} {:>10.2}",
                    r.name,
                    r.states,
                    r.states_per_second(),
                    ms(r.latency.min),
                    ms(r.latency.median),
                    ms(r.latency.max)
                );
                medians.push(r.latency.median);
            }
            Err(error) => {
                failed += 1;
                println!("{error}");
            }
        }
    }
    let ok: Vec<&Report> = reports.iter().filter_map(|r| r.as_ref().ok()).collect();
    if !ok.is_empty() {
        let rate = ok.iter().map(|r| r.states_per_second()).sum::<f64>() / ok.len() as f64;
        let median = bots::Latency::of(medians).median;
        let worst = ok.iter().map(|r| r.latency.max).max().unwrap_or(0);
        println!(
            "{} bots: {rate:.1} states/s each on average; median of medians {:.2} ms; worst {:.2} ms",
            ok.len(),
            ms(median),
            ms(worst)
        );
    }
    if failed > 0 {
        eprintln!("error: {failed} of {} bots failed (above)", reports.len());
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

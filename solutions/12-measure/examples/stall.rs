//! Coordinated omission, measured: one connection for one second against
//! a server whose 21st answer takes half a second, first in a closed loop,
//! then in an open loop of 200 requests a second.
//!
//! ```text
//! cargo run --release -p chapter12-solution --example stall
//! ```

use std::time::Duration;

use chapter12::load::{self, Load, Mode, Outcome};
use chapter12::stall;

fn main() -> Result<(), String> {
    let run = |mode| -> Result<Outcome, String> {
        let addr = stall::serve(|n| {
            if n == 20 {
                Duration::from_millis(500)
            } else {
                Duration::ZERO
            }
        })
        .map_err(|e| e.to_string())?;
        load::run(&Load {
            addr,
            path: "/".into(),
            connections: 1,
            duration: Duration::from_secs(1),
            mode,
        })
    };
    println!("| loop | responses | p50 | p99 | p99.9 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (name, mode) in [
        ("closed loop, 1 connection", Mode::Closed),
        ("open loop, 200 a second", Mode::Open { rate: 200.0 }),
    ] {
        let outcome = run(mode)?;
        let ms = |q: f64| outcome.percentile_us(q) as f64 / 1000.0;
        println!(
            "| {name} | {} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms |",
            outcome.responses,
            ms(0.5),
            ms(0.99),
            ms(0.999),
            outcome.latency.max() as f64 / 1000.0
        );
    }
    Ok(())
}

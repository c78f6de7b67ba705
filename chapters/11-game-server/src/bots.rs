//! Bots: players without a person, for load. Each joins over its own
//! WebSocket with tokio-tungstenite's client, wanders about, and counts
//! what it receives: how many states a second, and how late each one
//! arrived after its tick ran.
//!
//! ```text
//!  bot ── connect ws://ADDR/ws?name=botN ─▶ welcome
//!      ◀─ state (tick, time_us) ... arrival − time_us = latency
//!      ── input every second (a new direction) ─▶
//! ```
//!
//! The latency compares the server's clock (`time_us`, taken when the
//! tick ran) with the bot's, so it means something only when both run on
//! one machine, which is how the chapter uses them.

use std::time::Duration;

/// What one bot saw.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub name: String,
    /// How many state messages arrived.
    pub states: u64,
    /// The first and last tick among them.
    pub first_tick: u64,
    pub last_tick: u64,
    /// How long the bot played.
    pub played: Duration,
    /// From each state's tick to its arrival, in microseconds.
    pub latency: Latency,
}

impl Report {
    /// States received a second.
    pub fn states_per_second(&self) -> f64 {
        self.states as f64 / self.played.as_secs_f64().max(f64::EPSILON)
    }
}

/// The spread of a set of latencies, in microseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Latency {
    pub min: u64,
    pub median: u64,
    pub max: u64,
}

impl Latency {
    /// The minimum, median and maximum of `samples` (all zero when there
    /// are none).
    pub fn of(mut samples: Vec<u64>) -> Latency {
        samples.sort_unstable();
        match (samples.first(), samples.last()) {
            (Some(&min), Some(&max)) => Latency {
                min,
                median: samples[samples.len() / 2],
                max,
            },
            _ => Latency::default(),
        }
    }
}

/// Runs `count` bots against the server at `addr` (`HOST:PORT`) for
/// `playing`, all at once; returns each bot's report, or why it failed.
pub async fn run(addr: &str, count: usize, playing: Duration) -> Vec<Result<Report, String>> {
    let bots: Vec<_> = (0..count)
        .map(|n| {
            let url = format!("ws://{addr}/ws?name=bot{n}");
            tokio::spawn(bot(url, format!("bot{n}"), playing, n as u64))
        })
        .collect();
    let mut reports = Vec::with_capacity(count);
    for bot in bots {
        reports.push(bot.await.unwrap_or_else(|error| Err(error.to_string())));
    }
    reports
}

// ANCHOR: bot
// ANCHOR: bot_signature
/// One bot: joins at `url` as `name`, plays for `playing`, changing
/// direction every second, and reports what it received.
#[expect(unused_variables, reason = "until you write exercise 11.6")]
pub async fn bot(
    url: String,
    name: String,
    playing: Duration,
    seed: u64,
) -> Result<Report, String> {
    // ANCHOR_END: bot_signature
    todo!(
        "exercise 11.6: Bots that measure (read book/src/ch11-game-server.md#exercise-116-bots-that-measure)"
    )
}
// ANCHOR_END: bot

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_spread_of_latencies() {
        assert_eq!(
            Latency::of(vec![30, 10, 20, 50, 40]),
            Latency {
                min: 10,
                median: 30,
                max: 50
            }
        );
        assert_eq!(Latency::of(vec![]), Latency::default());
    }
}

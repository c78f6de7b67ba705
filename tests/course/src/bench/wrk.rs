//! Running wrk, where it is installed, and reading its report: for
//! `course bench --check-generator`, which measures the bench's own load
//! generator against it.

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::stats::Run;

/// wrk's timeout (its default, made explicit), and the new client's.
pub const WRK_TIMEOUT: Duration = Duration::from_secs(2);

/// Makes sure `wrk` can be run, or says how to install it.
pub fn check_installed() -> Result<(), String> {
    match Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
    {
        // wrk prints its version and exits with 1: that it ran is enough.
        Ok(_) => Ok(()),
        Err(e) => Err(format!(
            "cannot run wrk, the load generator ({e}). Install it:\n  \
             Debian, Ubuntu:  sudo apt-get install wrk\n  \
             macOS:           brew install wrk\n  \
             Windows:         run the bench inside WSL, with apt-get as above"
        )),
    }
}

/// One wrk run: keep-alive connections on `GET /` for `duration` seconds.
pub fn run(addr: SocketAddr, connections: u32, duration: u32) -> Result<Run, String> {
    let threads = connections.min(2);
    let mut child = Command::new("wrk")
        .arg("--latency")
        .arg(format!("--timeout={}s", WRK_TIMEOUT.as_secs()))
        .arg(format!("--threads={threads}"))
        .arg(format!("--connections={connections}"))
        .arg(format!("--duration={duration}s"))
        .arg(format!("http://{addr}/"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stdout.read_to_string(&mut text);
        text
    });
    // wrk stops by itself after `duration`; the deadline is for a wrk that
    // hangs, so the bench stays bounded in time whatever happens.
    let deadline = Instant::now() + Duration::from_secs(u64::from(duration) + 30);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "wrk did not finish within {duration} s + 30 s; stopped it"
            ));
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = reader.join().unwrap_or_default();
    let mut errors = String::new();
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut errors);
    }
    if !status.success() {
        return Err(format!(
            "wrk failed ({status}): {}{}",
            errors.trim(),
            text.trim()
        ));
    }
    parse_wrk(&text).ok_or_else(|| format!("cannot read wrk's report:\n{text}"))
}

/// Reads wrk's report (run with `--latency`); `None` if `Requests/sec` or
/// the latency distribution is missing.
pub fn parse_wrk(text: &str) -> Option<Run> {
    let mut run = Run::default();
    let (mut rate, mut p50, mut p99) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("Requests/sec:") {
            rate = value.trim().parse().ok();
        } else if let Some(value) = line.strip_prefix("50%") {
            p50 = parse_duration_us(value.trim());
        } else if let Some(value) = line.strip_prefix("90%") {
            run.p90_us = parse_duration_us(value.trim()).unwrap_or_default();
        } else if let Some(stats) = line.strip_prefix("Latency ") {
            // `Latency  69.86us  48.54us  4.07ms  79.78%`: avg, stdev, max.
            let stats: Vec<&str> = stats.split_whitespace().collect();
            if let [mean, _, max, ..] = stats[..] {
                run.mean_us = parse_duration_us(mean).unwrap_or_default();
                run.max_us = parse_duration_us(max).unwrap_or_default();
            }
        } else if let Some(value) = line.strip_prefix("99%") {
            p99 = parse_duration_us(value.trim());
        } else if let Some(counts) = line.strip_prefix("Socket errors:") {
            // `connect 0, read 12, write 0, timeout 34`
            for part in counts.split(',') {
                let (kind, count) = part.trim().split_once(' ')?;
                let count: u64 = count.trim().parse().ok()?;
                match kind {
                    "timeout" => run.timeouts += count,
                    _ => run.errors += count,
                }
            }
        } else if let Some(count) = line.strip_prefix("Non-2xx or 3xx responses:") {
            run.errors += count.trim().parse::<u64>().ok()?;
        }
    }
    run.requests_per_second = rate?;
    run.p50_us = p50?;
    run.p99_us = p99?;
    // wrk --latency prints no 99.9th percentile.
    Some(run)
}

/// A wrk duration (`77.00us`, `1.25ms`, `2.00s`, `1.00m`) in microseconds.
pub fn parse_duration_us(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().ok()?;
    let scale = match unit {
        "us" => 1.0,
        "ms" => 1e3,
        "s" => 1e6,
        "m" => 60e6,
        "h" => 3600e6,
        _ => return None,
    };
    Some(number * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// wrk 4.1's report of a run that lost some requests.
    const WRK: &str = "Running 5s test @ http://127.0.0.1:18002/
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    69.86us   48.54us   4.07ms   79.78%
    Req/Sec    14.23k     8.26k   48.56k    93.55%
  Latency Distribution
     50%   77.00us
     75%   84.00us
     90%   92.00us
     99%    1.40ms
  43867 requests in 3.10s, 30.54MB read
  Socket errors: connect 0, read 12, write 1, timeout 34
  Non-2xx or 3xx responses: 3
Requests/sec:  14151.63
Transfer/sec:      9.85MB
";

    #[test]
    fn reads_wrk_s_report() {
        let run = parse_wrk(WRK).unwrap();
        assert_eq!(
            run,
            Run {
                requests_per_second: 14151.63,
                mean_us: 69.86,
                p50_us: 77.0,
                p90_us: 92.0,
                p99_us: 1400.0,
                p999_us: 0.0,
                max_us: 4.07 * 1e3,
                errors: 16,
                timeouts: 34,
                newcomer: None,
            }
        );
        let clean = WRK.replace(
            "  Socket errors: connect 0, read 12, write 1, timeout 34\n",
            "",
        );
        let clean = clean.replace("  Non-2xx or 3xx responses: 3\n", "");
        assert_eq!(parse_wrk(&clean).unwrap().errors, 0);
        assert_eq!(parse_wrk(&clean).unwrap().timeouts, 0);
        assert_eq!(parse_wrk("unable to connect to 127.0.0.1:1"), None);
    }

    #[test]
    fn reads_wrk_s_durations() {
        assert_eq!(parse_duration_us("77.00us"), Some(77.0));
        assert_eq!(parse_duration_us("1.25ms"), Some(1250.0));
        assert_eq!(parse_duration_us("2.00s"), Some(2_000_000.0));
        assert_eq!(parse_duration_us("1.00m"), Some(60_000_000.0));
        assert_eq!(parse_duration_us("12"), None);
        assert_eq!(parse_duration_us("1.0parsecs"), None);
    }
}

//! `--out DIR`: the report as Markdown, every run as JSON and CSV, and the
//! plots as SVG (plotters' SVG backend: text is left to the browser's
//! fonts, so nothing needs a font file or a C library).

use std::path::Path;

use plotters::prelude::*;
use serde_json::json;

use super::report::Report;
use super::stats::{Point, summarize};

/// Writes report.md, bench.json, bench.csv, throughput.svg and, when an
/// open loop was measured, latency.svg into `dir`.
pub fn write_all(dir: &Path, report: &Report, markdown: &str) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    };
    write("report.md", markdown)?;
    write("bench.json", &to_json(report))?;
    write("bench.csv", &to_csv(report))?;
    plot_throughput(&dir.join("throughput.svg"), report)?;
    if report
        .measured
        .iter()
        .any(|m| matches!(m.point, Point::Open { .. }))
    {
        plot_latency(&dir.join("latency.svg"), report)?;
    }
    if !report.idle.is_empty() {
        plot_memory(&dir.join("memory.svg"), report)?;
    }
    if !report.streams.is_empty() {
        plot_stream(&dir.join("stream.svg"), report)?;
    }
    Ok(())
}

/// `--replot DIR`: the plots again, from the medians in DIR/bench.json,
/// with no new run.
pub fn replot(dir: &Path) -> Result<(), String> {
    use super::memory::IdlePoint;
    use super::servers::{Instance, SERVERS};
    use super::stats::{Measured, Run};

    let path = dir.join("bench.json");
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let json: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is not JSON: {e}", path.display()))?;
    let bad = |what: &str| format!("{}: {what}", path.display());
    let number = |v: &serde_json::Value, key: &str| v[key].as_f64().unwrap_or_default();
    let mut instances: Vec<Instance> = Vec::new();
    let mut measured = Vec::new();
    for point in json["summary"]
        .as_array()
        .ok_or_else(|| bad("no \"summary\""))?
    {
        let label = point["server"]
            .as_str()
            .ok_or_else(|| bad("a summary without a server"))?;
        if !instances.iter().any(|i| i.label == label) {
            // Only the labels matter to the plots.
            instances.push(Instance {
                label: label.to_string(),
                server: SERVERS[0],
                args: Vec::new(),
                yardstick: None,
            });
        }
        let connections = point["connections"].as_u64().unwrap_or(1) as u32;
        let point_kind = match point["rate"].as_f64() {
            Some(rate) => Point::Open { rate, connections },
            None => Point::Closed { connections },
        };
        measured.push(Measured {
            label: label.to_string(),
            point: point_kind,
            runs: vec![Run {
                requests_per_second: number(point, "requests_per_second"),
                p99_us: number(point, "p99_us"),
                ..Run::default()
            }],
        });
    }
    let count = |p: &serde_json::Value, key: &str| p[key].as_u64().unwrap_or(0);
    let idle = json["idle"]
        .as_array()
        .map(|points| {
            points
                .iter()
                .map(|p| IdlePoint {
                    label: p["server"].as_str().unwrap_or_default().to_string(),
                    requested: count(p, "connections") as u32,
                    opened: count(p, "opened") as u32,
                    answered: count(p, "answered") as u32,
                    before_kib: count(p, "resident_before_kib"),
                    with_kib: count(p, "resident_kib"),
                })
                .collect()
        })
        .unwrap_or_default();
    let report = Report {
        machine: json["machine"].as_str().unwrap_or_default().to_string(),
        command: json["command"].as_str().unwrap_or_default().to_string(),
        duration: count(&json, "seconds") as u32,
        rounds: count(&json, "rounds") as u32,
        instances,
        measured,
        idle,
        streams: Vec::new(),
        notes: Vec::new(),
    };
    plot_throughput(&dir.join("throughput.svg"), &report)?;
    if report
        .measured
        .iter()
        .any(|m| matches!(m.point, Point::Open { .. }))
    {
        plot_latency(&dir.join("latency.svg"), &report)?;
    }
    if !report.idle.is_empty() {
        plot_memory(&dir.join("memory.svg"), &report)?;
    }
    Ok(())
}

/// The CSV's columns, one row per run.
pub const CSV_HEADER: &[&str] = &[
    "server",
    "mode",
    "connections",
    "rate",
    "round",
    "requests_per_second",
    "errors",
    "timeouts",
    "mean_us",
    "p50_us",
    "p90_us",
    "p99_us",
    "p999_us",
    "max_us",
];

/// Every run, a row each, as chapter 12's `to_csv` writes CSV.
pub fn to_csv(report: &Report) -> String {
    let mut rows = Vec::new();
    for measured in &report.measured {
        for (round, run) in measured.runs.iter().enumerate() {
            let point = measured.point;
            rows.push(vec![
                measured.label.clone(),
                point.mode().to_string(),
                point.connections().to_string(),
                point.rate().map_or(String::new(), |r| r.to_string()),
                (round + 1).to_string(),
                format!("{:.1}", run.requests_per_second),
                run.errors.to_string(),
                run.timeouts.to_string(),
                format!("{:.0}", run.mean_us),
                format!("{:.0}", run.p50_us),
                format!("{:.0}", run.p90_us),
                format!("{:.0}", run.p99_us),
                format!("{:.0}", run.p999_us),
                format!("{:.0}", run.max_us),
            ]);
        }
    }
    chapter12::table::to_csv(CSV_HEADER, &rows)
}

/// How the run was made, every run, and each point's summary.
pub fn to_json(report: &Report) -> String {
    let runs: Vec<_> = report
        .measured
        .iter()
        .flat_map(|measured| {
            measured.runs.iter().enumerate().map(move |(round, run)| {
                json!({
                    "server": measured.label,
                    "mode": measured.point.mode(),
                    "connections": measured.point.connections(),
                    "rate": measured.point.rate(),
                    "round": round + 1,
                    "requests_per_second": run.requests_per_second,
                    "errors": run.errors,
                    "timeouts": run.timeouts,
                    "p50_us": run.p50_us,
                    "p90_us": run.p90_us,
                    "p99_us": run.p99_us,
                    "p999_us": run.p999_us,
                    "max_us": run.max_us,
                })
            })
        })
        .collect();
    let summaries: Vec<_> = report
        .measured
        .iter()
        .filter_map(|measured| {
            let s = summarize(measured)?;
            Some(json!({
                "server": measured.label,
                "mode": measured.point.mode(),
                "connections": measured.point.connections(),
                "rate": measured.point.rate(),
                "requests_per_second": s.rate,
                "requests_per_second_min": s.rate_min,
                "requests_per_second_max": s.rate_max,
                "p50_us": s.p50_us,
                "p90_us": s.p90_us,
                "p99_us": s.p99_us,
                "p999_us": s.p999_us,
                "max_us": s.max_us,
                "errors": s.errors,
                "timeouts": s.timeouts,
            }))
        })
        .collect();
    let document = json!({
        "machine": report.machine,
        "command": report.command,
        "seconds": report.duration,
        "rounds": report.rounds,
        "runs": runs,
        "summary": summaries,
        "idle": report.idle.iter().map(|p| json!({
            "server": p.label,
            "connections": p.requested,
            "opened": p.opened,
            "answered": p.answered,
            "resident_kib": p.with_kib,
            "resident_before_kib": p.before_kib,
        })).collect::<Vec<_>>(),
        "stream": report.streams.iter().map(|p| json!({
            "server": p.label,
            "file_bytes": p.file_bytes,
            "received_bytes": p.received,
            "seconds": p.seconds,
            "resident_before_kib": p.before_kib,
            "resident_peak_kib": p.peak_kib,
            "samples": p.samples.iter().map(|&(bytes, kib)| json!({
                "received_bytes": bytes,
                "resident_kib": kib,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    });
    serde_json::to_string_pretty(&document).expect("JSON values serialize") + "\n"
}

/// One line per server: the points `y` picks from its summaries (the
/// median rate, the median p99), in the order they were measured.
fn series(
    report: &Report,
    y: impl Fn(&Point, f64, f64) -> Option<(f64, f64)>,
) -> Vec<(String, Vec<(f64, f64)>)> {
    report
        .instances
        .iter()
        .map(|instance| {
            let points = report
                .measured
                .iter()
                .filter(|m| m.label == instance.label)
                .filter_map(|m| {
                    let s = summarize(m)?;
                    y(&m.point, s.rate, s.p99_us)
                })
                .collect();
            (instance.label.clone(), points)
        })
        .filter(|(_, points): &(String, Vec<(f64, f64)>)| !points.is_empty())
        .collect()
}

/// Requests a second against connections, one line per server.
fn plot_throughput(path: &Path, report: &Report) -> Result<(), String> {
    let lines = series(report, |point, rate, _| match point {
        Point::Closed { connections } => Some((f64::from(*connections), rate)),
        Point::Open { .. } => None,
    });
    draw(
        path,
        &format!("Throughput, closed loop ({})", report.machine),
        "keep-alive connections",
        "requests per second (median)",
        &lines,
        Scale::Linear,
        SeriesLabelPosition::UpperLeft,
    )
}

/// p99 latency against the offered rate, one line per server.
fn plot_latency(path: &Path, report: &Report) -> Result<(), String> {
    let lines = series(report, |point, _, p99_us| match point {
        Point::Open { rate, .. } => Some((*rate, p99_us / 1000.0)),
        Point::Closed { .. } => None,
    });
    draw(
        path,
        &format!("Latency, open loop ({})", report.machine),
        "offered requests per second",
        "p99 latency in ms (from when each request was due; log scale)",
        &lines,
        Scale::Log,
        // The slow servers' lines start at the top left.
        SeriesLabelPosition::MiddleRight,
    )
}

/// Resident memory against idle connections, one line per server.
fn plot_memory(path: &Path, report: &Report) -> Result<(), String> {
    let lines: Vec<(String, Vec<(f64, f64)>)> = report
        .instances
        .iter()
        .map(|instance| {
            let points = report
                .idle
                .iter()
                .filter(|p| p.label == instance.label && p.opened > 0)
                .map(|p| (f64::from(p.opened), p.with_kib as f64 / 1024.0))
                .collect();
            (instance.label.clone(), points)
        })
        .filter(|(_, points): &(String, Vec<(f64, f64)>)| !points.is_empty())
        .collect();
    draw(
        path,
        &format!("Memory with idle connections ({})", report.machine),
        "idle keep-alive connections",
        "resident memory, MiB",
        &lines,
        Scale::Linear,
        SeriesLabelPosition::UpperLeft,
    )
}

/// A file server's resident memory against the bytes it has sent of a
/// large file, one line per file server. The x axis is linear: a file
/// streamed in constant memory draws a flat line across it.
fn plot_stream(path: &Path, report: &Report) -> Result<(), String> {
    let failed = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let mib = |value: u64, unit: f64| value as f64 / unit;
    let x_max = report
        .streams
        .iter()
        .map(|s| mib(s.received, 1024.0 * 1024.0))
        .fold(1.0f64, f64::max);
    let y_max = report
        .streams
        .iter()
        .flat_map(|s| s.samples.iter().map(|&(_, kib)| mib(kib, 1024.0)))
        .fold(1.0f64, f64::max)
        * 1.5;
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("Memory while streaming a 256 MiB file ({})", report.machine),
            ("sans-serif", 18),
        )
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..x_max, 0.0..y_max)
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .x_desc("MiB of the file sent")
        .y_desc("resident memory, MiB")
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.0}"))
        .draw()
        .map_err(|e| failed(&e))?;
    for (index, stream) in report.streams.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        let points: Vec<(f64, f64)> = stream
            .samples
            .iter()
            .map(|&(bytes, kib)| (mib(bytes, 1024.0 * 1024.0), mib(kib, 1024.0)))
            .collect();
        chart
            .draw_series(LineSeries::new(points, colour.stroke_width(2)))
            .map_err(|e| failed(&e))?
            .label(stream.label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}

/// How the y axis grows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scale {
    Linear,
    /// For latencies, which span from tenths of a millisecond to seconds.
    Log,
}

/// The palette: distinct on white, and in the same order on every plot;
/// enough for every server and baseline of a full run.
const COLOURS: &[RGBColor] = &[
    RGBColor(0x00, 0x00, 0x00),
    RGBColor(0xaa, 0x6e, 0x28),
    RGBColor(0x00, 0x80, 0x80),
    RGBColor(0x80, 0x00, 0x00),
    RGBColor(0x46, 0xc0, 0x70),
    RGBColor(0x00, 0x00, 0x80),
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];

/// A line chart with a logarithmic x axis (counts and rates grow by
/// factors), and a y axis from zero or, for latencies, logarithmic: then
/// the values are drawn as their logarithms, and labelled as values.
fn draw(
    path: &Path,
    title: &str,
    x: &str,
    y: &str,
    lines: &[(String, Vec<(f64, f64)>)],
    scale: Scale,
    legend: SeriesLabelPosition,
) -> Result<(), String> {
    let log = scale == Scale::Log;
    let lines: Vec<(String, Vec<(f64, f64)>)> = lines
        .iter()
        .map(|(label, points)| {
            let points = points
                .iter()
                .map(|&(x, y)| (x, if log { y.max(0.01).log10() } else { y }))
                .collect();
            (label.clone(), points)
        })
        .collect();
    let lines = &lines;
    let failed = |e: &dyn std::fmt::Display| format!("cannot draw {}: {e}", path.display());
    let xs = lines.iter().flat_map(|(_, p)| p.iter().map(|&(x, _)| x));
    let (x_min, x_max) = xs.fold((f64::INFINITY, 0.0f64), |(lo, hi), x| {
        (lo.min(x), hi.max(x))
    });
    let (x_min, x_max) = if x_min.is_finite() {
        (x_min * 0.8, (x_max * 1.25).max(x_min * 1.5))
    } else {
        (1.0, 10.0)
    };
    let ys = || lines.iter().flat_map(|(_, p)| p.iter().map(|&(_, y)| y));
    let (y_min, y_max) = if log {
        let low = ys().fold(f64::INFINITY, f64::min);
        let high = ys().fold(f64::NEG_INFINITY, f64::max);
        if low.is_finite() {
            (low.floor(), high.ceil().max(low.floor() + 1.0))
        } else {
            (0.0, 1.0)
        }
    } else {
        (0.0, ys().fold(0.0f64, f64::max).max(1.0) * 1.1)
    };
    let root = SVGBackend::new(path, (900, 560)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| failed(&e))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 18))
        .margin(16)
        .x_label_area_size(44)
        .y_label_area_size(80)
        .build_cartesian_2d((x_min..x_max).log_scale(), y_min..y_max)
        .map_err(|e| failed(&e))?;
    chart
        .configure_mesh()
        .x_desc(x)
        .y_desc(y)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| {
            if log {
                let value = 10f64.powf(*v);
                if value < 1.0 {
                    format!("{value:.2}")
                } else {
                    format!("{value:.0}")
                }
            } else {
                format!("{v:.0}")
            }
        })
        .draw()
        .map_err(|e| failed(&e))?;
    for (index, (label, points)) in lines.iter().enumerate() {
        let colour = COLOURS[index % COLOURS.len()];
        chart
            .draw_series(LineSeries::new(
                points.iter().copied(),
                colour.stroke_width(2),
            ))
            .map_err(|e| failed(&e))?
            .label(label.as_str())
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2))
            });
        chart
            .draw_series(points.iter().map(|&p| Circle::new(p, 3, colour.filled())))
            .map_err(|e| failed(&e))?;
    }
    chart
        .configure_series_labels()
        .position(legend)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .draw()
        .map_err(|e| failed(&e))?;
    root.present().map_err(|e| failed(&e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::servers::{BASELINE, Instance, SERVERS};
    use super::super::stats::{Measured, Run};
    use super::*;

    fn report() -> Report {
        let server = |name: &str| *SERVERS.iter().find(|s| s.name == name).unwrap();
        let instance = |label: &str| Instance {
            label: label.into(),
            server: server(if label == BASELINE {
                BASELINE
            } else {
                "chapter07"
            }),
            args: vec![],
            yardstick: Some(BASELINE.into()),
        };
        let run = |rate: f64| Run {
            requests_per_second: rate,
            mean_us: 100.0,
            p50_us: 80.0,
            p90_us: 150.0,
            p99_us: 900.0,
            p999_us: 2000.0,
            max_us: 5000.0,
            errors: 1,
            timeouts: 0,
            newcomer: None,
        };
        let measured = |label: &str, point: Point, rate: f64| Measured {
            label: label.into(),
            point,
            runs: vec![run(rate), run(rate * 1.1)],
        };
        Report {
            machine: "2 CPUs, Test CPU, linux".into(),
            command: "cargo course bench".into(),
            duration: 2,
            rounds: 2,
            instances: vec![instance("chapter07"), instance(BASELINE)],
            measured: vec![
                measured("chapter07", Point::Closed { connections: 1 }, 10_000.0),
                measured(BASELINE, Point::Closed { connections: 1 }, 12_000.0),
                measured("chapter07", Point::Closed { connections: 16 }, 40_000.0),
                measured(BASELINE, Point::Closed { connections: 16 }, 50_000.0),
                measured(
                    "chapter07",
                    Point::Open {
                        rate: 1000.0,
                        connections: 16,
                    },
                    1000.0,
                ),
            ],
            idle: vec![],
            streams: vec![],
            notes: vec![],
        }
    }

    #[test]
    fn every_run_is_a_row_of_the_csv() {
        let csv = to_csv(&report());
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], CSV_HEADER.join(","));
        assert_eq!(lines.len(), 1 + 5 * 2);
        assert_eq!(
            lines[1],
            "chapter07,closed,1,,1,10000.0,1,0,100,80,150,900,2000,5000"
        );
        assert_eq!(
            lines[10],
            "chapter07,open,16,1000,2,1100.0,1,0,100,80,150,900,2000,5000"
        );
        assert!(csv.ends_with("\r\n"));
    }

    #[test]
    fn the_json_holds_every_run_and_each_summary() {
        let json: serde_json::Value = serde_json::from_str(&to_json(&report())).unwrap();
        assert_eq!(json["runs"].as_array().unwrap().len(), 10);
        assert_eq!(json["summary"].as_array().unwrap().len(), 5);
        assert_eq!(json["summary"][0]["requests_per_second"], 10_500.0);
        assert_eq!(json["summary"][0]["requests_per_second_min"], 10_000.0);
        assert_eq!(json["summary"][4]["mode"], "open");
        assert_eq!(json["summary"][4]["rate"], 1000.0);
        assert_eq!(json["summary"][0]["rate"], serde_json::Value::Null);
    }

    #[test]
    fn the_plots_are_svg_with_a_line_per_server() {
        let dir = harness::TempDir::new("bench-files");
        write_all(dir.path(), &report(), "# report\n").unwrap();
        let throughput = std::fs::read_to_string(dir.path().join("throughput.svg")).unwrap();
        assert!(throughput.starts_with("<svg"), "{throughput}");
        assert!(throughput.contains("chapter07") && throughput.contains(BASELINE));
        assert!(throughput.contains("<polyline"));
        let latency = std::fs::read_to_string(dir.path().join("latency.svg")).unwrap();
        assert!(latency.contains("chapter07") && !latency.contains(">baseline<"));
        for name in ["report.md", "bench.json", "bench.csv"] {
            assert!(dir.path().join(name).is_file(), "{name}");
        }
        // The plots again, from bench.json alone.
        std::fs::remove_file(dir.path().join("throughput.svg")).unwrap();
        replot(dir.path()).unwrap();
        let again = std::fs::read_to_string(dir.path().join("throughput.svg")).unwrap();
        assert!(again.contains("chapter07") && again.contains("<polyline"));
    }
}

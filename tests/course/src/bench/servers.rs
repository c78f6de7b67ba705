//! The servers `course bench` knows, and which of them one run measures.

use std::path::Path;

/// A server the bench knows how to build and start.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Server {
    /// Its name on the command line and in the report.
    pub name: &'static str,
    /// The cargo package to build.
    pub package: &'static str,
    /// The binary to run from it.
    pub binary: &'static str,
    /// Its crate's directory: the server exists when this does.
    pub dir: &'static str,
    /// Arguments it gets before `--addr 127.0.0.1:0`: a subcommand.
    pub command: &'static [&'static str],
    /// What the bench asks it for: `/`, its home page, for most.
    pub path: &'static str,
    /// Arguments it always gets, after `--addr 127.0.0.1:0`.
    pub args: &'static [&'static str],
    /// It takes `--workers N`, so `--workers` applies to it.
    pub takes_workers: bool,
    /// It stores data under `--data DIR`: the bench gives it a fresh
    /// temporary folder, removed at the end.
    pub data_dir: bool,
    /// It serves a folder (`--root DIR`): the bench gives it one holding
    /// `index.html`, the home page the others answer.
    pub files: bool,
    /// The course's goal for this stage: its requests per second at
    /// [`GOAL_CONNECTIONS`], as a fraction of the baseline's.
    pub goal: Option<f64>,
}

/// The servers, in the report's order. The baseline is last and is the
/// yardstick of every ratio.
pub const SERVERS: &[Server] = &[
    Server {
        name: "chapter02",
        package: "chapter02-solution",
        binary: "chapter02-solution",
        dir: "solutions/02-http-by-hand",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: false,
        files: false,
        goal: None,
    },
    Server {
        name: "chapter03",
        package: "chapter03-solution",
        binary: "chapter03-solution",
        dir: "solutions/03-http-parser",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: false,
        files: false,
        goal: None,
    },
    Server {
        name: "chapter04",
        package: "chapter04-solution",
        binary: "chapter04-solution",
        dir: "solutions/04-file-server",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: false,
        files: true,
        goal: None,
    },
    Server {
        name: "chapter05",
        package: "chapter05-solution",
        binary: "chapter05-solution",
        dir: "solutions/05-threads",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: true,
        data_dir: false,
        files: false,
        goal: Some(0.9),
    },
    Server {
        name: "chapter06",
        package: "chapter06-solution",
        binary: "chapter06-solution",
        dir: "solutions/06-framework",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: true,
        files: false,
        goal: None,
    },
    Server {
        name: "chapter07",
        package: "chapter07-solution",
        binary: "chapter07-solution",
        dir: "solutions/07-async",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: false,
        files: false,
        goal: Some(1.0),
    },
    Server {
        name: "chapter08",
        package: "chapter08-solution",
        binary: "chapter08-solution",
        dir: "solutions/08-axum",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: true,
        files: false,
        goal: Some(0.9),
    },
    Server {
        name: "chapter09",
        package: "chapter09-solution",
        binary: "chapter09-solution",
        dir: "solutions/09-web-service",
        command: &["server"],
        // The JSON API: the guestbook's entries (none, in a fresh folder).
        path: "/api/entries",
        args: &[],
        takes_workers: false,
        data_dir: true,
        files: false,
        goal: None,
    },
    // Python's own server, as `python3 -m http.server` runs it: no cargo
    // package; see supervise.rs.
    Server {
        name: PYTHON,
        package: "",
        binary: "python3",
        dir: "",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: false,
        files: true,
        goal: None,
    },
    Server {
        name: "baseline",
        package: "baseline",
        binary: "baseline",
        dir: "tests/baseline",
        command: &[],
        path: "/",
        args: &[],
        takes_workers: false,
        data_dir: false,
        files: false,
        goal: None,
    },
];

/// The name of the yardstick server.
pub const BASELINE: &str = "baseline";

/// Python's `http.server`, the server the tutorial this course grew from
/// started with.
pub const PYTHON: &str = "python";

/// The servers measured when `--servers` is not given: one per design.
pub const DEFAULT: &[&str] = &["chapter03", "chapter05", "chapter07", "chapter08", BASELINE];

/// The connection count the goals are set at: enough connections to keep
/// every core busy, and more than chapter 5's pool has workers.
pub const GOAL_CONNECTIONS: u32 = 64;

/// One server to measure: a [`Server`] with its extra arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Instance {
    /// What the report calls it: `chapter05`, or `chapter05 --workers 64`.
    pub label: String,
    /// The server it runs.
    pub server: Server,
    /// Arguments after `--addr 127.0.0.1:0`.
    pub args: Vec<String>,
    /// The label of the baseline instance answering the same bytes, which
    /// its ratio is computed against (a baseline's own label for a
    /// baseline); `None` when no baseline is measured.
    pub yardstick: Option<String>,
}

/// The Python to run `http.server` with: `python3`, else `python` (its
/// name on Windows), if either answers `--version`.
pub fn python() -> Option<&'static str> {
    ["python3", "python"].into_iter().find(|name| {
        std::process::Command::new(name)
            .arg("--version")
            .output()
            .is_ok_and(|out| out.status.success())
    })
}

/// The instances to measure: the named servers (or every one whose crate
/// exists), each once per `--workers` count if it takes one.
pub fn select(root: &Path, names: &[String], workers: &[u32]) -> Result<Vec<Instance>, String> {
    let known = || {
        SERVERS
            .iter()
            .map(|s| s.name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let exists = |server: &Server| {
        if server.name == PYTHON {
            python().is_some()
        } else {
            root.join(server.dir).join("Cargo.toml").is_file()
        }
    };
    let servers: Vec<Server> = if names.is_empty() {
        SERVERS
            .iter()
            .copied()
            .filter(|s| DEFAULT.contains(&s.name) && exists(s))
            .collect()
    } else {
        let mut chosen = Vec::new();
        for name in names {
            let server = SERVERS
                .iter()
                .find(|s| s.name == name.trim())
                .ok_or_else(|| format!("no server called {name:?}; the servers are {}", known()))?;
            if server.name == PYTHON && !exists(server) {
                println!("bench: python is skipped: no python3 (or python) on PATH");
                continue;
            }
            if !exists(server) {
                return Err(format!(
                    "{} is not there yet: {} has no Cargo.toml",
                    server.name, server.dir
                ));
            }
            chosen.push(*server);
        }
        chosen
    };
    if servers.len() < 2 {
        return Err(format!(
            "nothing to compare: choose at least two servers among {}",
            known()
        ));
    }
    let mut instances = Vec::new();
    for server in servers {
        let fixed: Vec<String> = server.args.iter().map(|a| a.to_string()).collect();
        if server.takes_workers && !workers.is_empty() {
            for count in workers {
                let mut args = fixed.clone();
                args.extend(["--workers".to_string(), count.to_string()]);
                instances.push(Instance {
                    label: format!("{} --workers {count}", server.name),
                    server,
                    args,
                    yardstick: None,
                });
            }
        } else {
            instances.push(Instance {
                label: server.name.to_string(),
                server,
                args: fixed,
                yardstick: None,
            });
        }
    }
    Ok(instances)
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::TempDir;

    #[test]
    fn selects_servers_that_exist() {
        let course = TempDir::new("bench-select");
        let root = course.path();
        for dir in [
            "solutions/03-http-parser",
            "solutions/05-threads",
            "tests/baseline",
        ] {
            std::fs::create_dir_all(root.join(dir)).unwrap();
            std::fs::write(root.join(dir).join("Cargo.toml"), "").unwrap();
        }
        let labels = |names: &[&str], workers: &[u32]| {
            let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
            select(root, &names, workers)
                .map(|i| i.into_iter().map(|i| i.label).collect::<Vec<_>>())
        };
        assert_eq!(
            labels(&[], &[]).unwrap(),
            ["chapter03", "chapter05", "baseline"]
        );
        assert_eq!(
            labels(&["chapter05", "baseline"], &[4, 64]).unwrap(),
            [
                "chapter05 --workers 4",
                "chapter05 --workers 64",
                "baseline"
            ]
        );
        assert!(
            labels(&["chapter99"], &[])
                .unwrap_err()
                .contains("chapter02, chapter03")
        );
        assert!(
            labels(&["baseline"], &[])
                .unwrap_err()
                .contains("at least two")
        );
        std::fs::remove_dir_all(root.join("solutions/05-threads")).unwrap();
        assert_eq!(labels(&[], &[]).unwrap(), ["chapter03", "baseline"]);
        assert!(
            labels(&["chapter05", "baseline"], &[])
                .unwrap_err()
                .contains("not there yet")
        );
    }

    /// The help text states the goals in words; this keeps it in step with
    /// the table above.
    #[test]
    fn the_help_states_each_goal() {
        use clap::CommandFactory;
        let mut cli = crate::Cli::command();
        let help = cli
            .find_subcommand_mut("bench")
            .expect("a bench command")
            .render_long_help()
            .to_string();
        let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
        for server in SERVERS {
            let Some(goal) = server.goal else { continue };
            let number: u32 = server.name["chapter".len()..].parse().unwrap();
            let stated = format!("chapter {number}: {goal:.1}x");
            assert!(help.contains(&stated), "no {stated:?} in:\n{help}");
        }
        assert!(
            help.contains(&format!("at {GOAL_CONNECTIONS} connections")),
            "{help}"
        );
    }
}

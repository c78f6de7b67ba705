//! Building the servers in release mode, and running each as a child
//! process that cannot outlive the bench.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use harness::process::{Program, Stderr, WaitError};

use super::servers::{Instance, PYTHON, python};
use crate::run::{Cargo, compiler_errors};

/// Python's server as `python3 -m http.server --bind 127.0.0.1 0
/// --directory DIR` runs it (a thread per connection, HTTP/1.0), but
/// saying where it listens the way the course's servers do.
const PYTHON_SERVER: &str = "\
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), handler)
print(f'listening on http://127.0.0.1:{server.server_address[1]}', flush=True)
server.serve_forever()
";

/// How long a server may take to say it is listening.
const STARTUP_DEADLINE: Duration = Duration::from_secs(10);

/// Builds every instance's package in release mode; returns each binary's
/// path by name.
pub fn build(
    cargo: &Cargo,
    instances: &[Instance],
) -> Result<HashMap<&'static str, PathBuf>, String> {
    let mut packages: Vec<&str> = instances
        .iter()
        .map(|i| i.server.package)
        .filter(|package| !package.is_empty())
        .collect();
    packages.dedup();
    println!(
        "bench: building {} in release mode (optimized: the numbers mean nothing otherwise)",
        packages.join(", ")
    );
    let mut args = vec![
        "build",
        "--release",
        "--message-format=json-render-diagnostics",
    ];
    for package in &packages {
        args.extend(["-p", package]);
    }
    let output = cargo.run(&args)?;
    if !output.success {
        let (errors, _) = compiler_errors(&output.stderr);
        return Err(format!(
            "`cargo {}` failed:\n{errors}\n(measure fewer servers with --servers)",
            args.join(" ")
        ));
    }
    let built = executables(&output.stdout);
    let mut binaries = HashMap::new();
    for instance in instances {
        if instance.server.name == PYTHON {
            let python = python().ok_or("python3 is not on PATH")?;
            binaries.insert(instance.server.binary, PathBuf::from(python));
            continue;
        }
        let binary = instance.server.binary;
        let path = built
            .iter()
            .find(|path| path.file_stem().is_some_and(|stem| stem == binary))
            .ok_or_else(|| {
                format!(
                    "cargo built {} but named no binary {binary}",
                    instance.server.package
                )
            })?;
        binaries.insert(binary, path.clone());
    }
    Ok(binaries)
}

/// The `"executable"` paths in cargo's `--message-format=json` output: one
/// per binary built (or found fresh). Read by hand rather than with a JSON
/// crate: this is the one JSON the tool reads, and the field is a plain
/// string.
pub fn executables(json_lines: &str) -> Vec<PathBuf> {
    let key = "\"executable\":\"";
    json_lines
        .lines()
        .filter(|line| line.contains("\"reason\":\"compiler-artifact\""))
        .filter_map(|line| {
            let start = line.find(key)? + key.len();
            let mut path = String::new();
            let mut chars = line[start..].chars();
            while let Some(c) = chars.next() {
                match c {
                    '"' => return Some(PathBuf::from(path)),
                    // Windows paths arrive as `C:\\target\\...`.
                    '\\' => path.push(chars.next()?),
                    _ => path.push(c),
                }
            }
            None
        })
        .collect()
}

/// A server process, killed when this is dropped (the harness's
/// [`Program`] sees to it): on success, on an error (`?`), and while a
/// panic unwinds. Ctrl-C needs nothing more: the terminal sends it to the
/// whole foreground process group, the servers and wrk included, on Linux
/// and macOS as on Windows consoles.
pub struct Running {
    /// The instance's label.
    pub label: String,
    /// Where it listens.
    pub addr: SocketAddr,
    /// What the bench asks it for (see `Server::path`).
    pub path: &'static str,
    program: Program,
    /// Set once the process is seen to have ended.
    pub exited: Option<String>,
}

impl Running {
    /// Starts `binary` on a free port and waits (with a deadline) for its
    /// `listening on http://ADDR` line.
    pub fn start(instance: &Instance, binary: &Path) -> Result<Running, String> {
        let mut command = Command::new(binary);
        if instance.server.name == PYTHON {
            command.arg("-c").arg(PYTHON_SERVER).args(&instance.args);
        } else {
            command
                .args(instance.server.command)
                .args(["--addr", "127.0.0.1:0"])
                .args(&instance.args);
        }
        // The servers log every request to stderr; a pipe nobody read
        // would fill and stop them, and reading it would cost the bench
        // CPU the servers need.
        let program = Program::spawn(command, Stderr::Discard)
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut running = Running {
            label: instance.label.clone(),
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            path: instance.server.path,
            program,
            exited: None,
        };
        let by_hand = format!(
            "run it by hand to see its messages: {} --addr 127.0.0.1:0 {}",
            binary.display(),
            instance.args.join(" ")
        );
        match running.program.wait_until_listening(STARTUP_DEADLINE) {
            Ok(addr) => {
                running.addr = addr;
                Ok(running)
            }
            Err(WaitError::Silent) => Err(format!(
                "{} did not print `listening on http://ADDR` within {} s; {by_hand}",
                instance.label,
                STARTUP_DEADLINE.as_secs()
            )),
            Err(WaitError::NoAddress(line)) => Err(format!(
                "{} printed {line:?}, with no address after `listening on http://`; {by_hand}",
                instance.label
            )),
            Err(WaitError::Exited) => {
                let status = running.check_exited().unwrap_or_default();
                Err(format!(
                    "{} stopped before saying where it listens ({status}); {by_hand}",
                    instance.label
                ))
            }
        }
    }

    /// The server's process id, to read its memory.
    pub fn pid(&self) -> u32 {
        self.program.id()
    }

    /// How the process ended, if it has.
    pub fn check_exited(&mut self) -> Option<String> {
        if self.exited.is_none() {
            self.exited = self.program.exit_status().map(|s| s.to_string());
        }
        self.exited.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_built_executables() {
        let json = r#"{"reason":"compiler-artifact","package_id":"x","target":{"name":"chapter03"},"executable":null,"fresh":true}
{"reason":"compiler-artifact","target":{"name":"baseline"},"executable":"/work/target/release/baseline","fresh":false}
{"reason":"compiler-artifact","target":{"name":"chapter03-solution"},"executable":"C:\\target\\release\\chapter03-solution.exe","fresh":true}
{"reason":"build-finished","success":true}"#;
        assert_eq!(
            executables(json),
            [
                PathBuf::from("/work/target/release/baseline"),
                PathBuf::from("C:\\target\\release\\chapter03-solution.exe"),
            ]
        );
    }

    /// The harness's [`Program`] as the bench uses it: stderr discarded,
    /// the address from the first `listening on` line.
    #[cfg(unix)]
    #[test]
    fn waits_for_the_listening_line() {
        let wait = |script: &str| {
            let mut command = Command::new("sh");
            command.args(["-c", script]);
            let program = Program::spawn(command, Stderr::Discard).unwrap();
            program.wait_until_listening(Duration::from_secs(5))
        };
        assert_eq!(
            wait("echo starting; echo listening on http://127.0.0.1:4321; sleep 5"),
            Ok(SocketAddr::from(([127, 0, 0, 1], 4321)))
        );
        assert_eq!(
            wait("echo listening on http://nowhere"),
            Err(WaitError::NoAddress("listening on http://nowhere".into()))
        );
        assert_eq!(
            wait("echo listening on tcp://127.0.0.1:1"),
            Err(WaitError::Exited)
        );
        assert_eq!(
            wait("echo listening on http://127.0.0.1:1 >&2"),
            Err(WaitError::Exited)
        );
    }
}

//! `course watch`: re-check a chapter every time a file under `chapters/`
//! changes.
//!
//! It polls modification times once a second rather than asking the
//! operating system for file events: events do not arrive from network
//! drives, many Docker volumes, or Windows folders seen from WSL, and a
//! learner there would wait forever. A second of delay is nothing next to a
//! build, and the scan is cheap (a few dozen files; `target/` is skipped).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, SystemTime};

use crate::manifest::Manifest;
use crate::progress;
use crate::run::Cargo;

/// How often to look at the files.
const POLL: Duration = Duration::from_secs(1);

/// A file's modification time and size: a save changes at least one.
type Snapshot = BTreeMap<PathBuf, (SystemTime, u64)>;

/// Checks `chapter` (or, without one, the chapter whose file changed) now
/// and after every change, until Ctrl-C ends the process.
pub fn watch(
    cargo: &Cargo,
    manifest: &Manifest,
    chapter: Option<u32>,
    color: bool,
) -> Result<ExitCode, String> {
    let chapters_dir = cargo.root().join("chapters");
    let watched = match chapter {
        Some(n) => chapters_dir.join(manifest.chapter(n)?.dir_name()),
        None => chapters_dir.clone(),
    };
    match chapter {
        Some(n) => {
            progress::check(cargo, manifest, manifest.chapter(n)?, color);
        }
        None => {
            progress::home(cargo, manifest, color);
        }
    }
    let mut before = snapshot(&watched);
    loop {
        println!();
        println!(
            "watch: waiting for you to save a file under {} (Ctrl-C stops)...",
            relative(cargo.root(), &watched)
        );
        let changed = loop {
            thread::sleep(POLL);
            let now = snapshot(&watched);
            if now != before {
                // Editors often write a file in several steps: let the
                // save finish before building.
                thread::sleep(Duration::from_millis(300));
                let settled = snapshot(&watched);
                let changed = changed_paths(&before, &settled);
                before = settled;
                break changed;
            }
        };
        let target = chapter.or_else(|| chapter_of(manifest, &chapters_dir, &changed));
        match target.and_then(|n| manifest.available_chapter(n).ok()) {
            Some(chapter) => {
                println!(
                    "watch: {} changed; checking chapter {}",
                    changed
                        .first()
                        .map(|p| relative(cargo.root(), p))
                        .unwrap_or_default(),
                    chapter.nn()
                );
                progress::check(cargo, manifest, chapter, color);
            }
            None => {
                progress::home(cargo, manifest, color);
            }
        }
    }
}

/// Every file under `dir` (but not in a `target` directory), with its time
/// and size. Files that vanish while being read are simply left out.
fn snapshot(dir: &Path) -> Snapshot {
    let mut files = Snapshot::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                if entry.file_name() != "target" {
                    pending.push(path);
                }
            } else if let Ok(modified) = meta.modified() {
                files.insert(path, (modified, meta.len()));
            }
        }
    }
    files
}

/// Files added, removed or modified between two snapshots.
fn changed_paths(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> = after
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone())
        .collect();
    changed.extend(before.keys().filter(|p| !after.contains_key(*p)).cloned());
    changed
}

/// The chapter whose directory holds the first changed file.
fn chapter_of(manifest: &Manifest, chapters_dir: &Path, changed: &[PathBuf]) -> Option<u32> {
    changed.iter().find_map(|path| {
        let name = path.strip_prefix(chapters_dir).ok()?.components().next()?;
        let name = name.as_os_str().to_string_lossy();
        manifest
            .available()
            .find(|c| c.dir_name() == name)
            .map(|c| c.number)
    })
}

fn relative(root: &Path, path: &Path) -> String {
    crate::sync::slashes(path.strip_prefix(root).unwrap_or(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notices_added_removed_and_modified_files() {
        let t0 = SystemTime::UNIX_EPOCH;
        let t1 = t0 + Duration::from_secs(1);
        let before: Snapshot = [("a".into(), (t0, 1)), ("b".into(), (t0, 1))].into();
        let after: Snapshot = [("a".into(), (t1, 1)), ("c".into(), (t0, 1))].into();
        let changed = changed_paths(&before, &after);
        assert_eq!(changed, [PathBuf::from("a"), "c".into(), "b".into()]);
        assert!(changed_paths(&before, &before).is_empty());
    }
}

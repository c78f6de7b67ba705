//! Fresh folders for tests that need files: a data folder, a site to serve.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A new empty folder under the system's temporary folder, removed with
/// everything in it on drop (also when the test fails, since a panic
/// unwinds through the drop).
#[derive(Debug)]
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    /// Creates the folder. `label` (`"ch06"`, say) starts its name, so a
    /// folder left behind by a killed test run says where it came from.
    pub fn new(label: &str) -> TempDir {
        TempDir::try_new(label).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`TempDir::new`], returning the error instead of panicking, for a
    /// tool that reports it as a message (`course bench`).
    pub fn try_new(label: &str) -> Result<TempDir, String> {
        // Unique across the tests of one run (the counter), across runs
        // (the time) and across processes running at once (the id).
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let path = std::env::temp_dir().join(format!(
            "course-{label}-{}-{nanos}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        fs::create_dir_all(&path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        Ok(TempDir { path })
    }

    /// Where the folder is.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // Best effort: a leftover folder in the temporary folder must not
        // fail the test.
        let _ = fs::remove_dir_all(&self.path);
    }
}

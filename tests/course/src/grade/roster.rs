//! The class: who is graded, and where their checkout is.
//!
//! A roster is either a folder whose subfolders are the students'
//! checkouts (as a classroom system's download, or `git clone` in a loop,
//! leaves them), each named by its folder, or a CSV file of `name,path`
//! rows, as a grade book exports them. A path in the CSV is relative to
//! the CSV's own folder.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

/// One student of the roster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Student {
    /// The name the results use.
    pub name: String,
    /// Their checkout of the course.
    pub path: PathBuf,
}

/// Reads the roster at `path`: a folder or a CSV file.
pub fn read(path: &Path) -> Result<Vec<Student>, String> {
    let students = if path.is_dir() {
        from_folder(path)?
    } else if path.is_file() {
        from_csv(path)?
    } else {
        return Err(format!(
            "{} does not exist: give a folder of student checkouts, or a CSV file of name,path rows",
            path.display()
        ));
    };
    if students.is_empty() {
        return Err(format!(
            "{} names no student: a folder needs a subfolder per student, a CSV a name,path row per student",
            path.display()
        ));
    }
    let mut seen = HashSet::new();
    for student in &students {
        if !seen.insert(student.name.as_str()) {
            return Err(format!(
                "the roster names {:?} twice: every student needs a name of their own",
                student.name
            ));
        }
    }
    Ok(students)
}

/// Every subfolder is a student, in name order; hidden ones (`.git`) are not.
fn from_folder(dir: &Path) -> Result<Vec<Student>, String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut students = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || !entry.path().is_dir() {
            continue;
        }
        students.push(Student {
            name,
            path: entry.path(),
        });
    }
    students.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(students)
}

/// `name,path` rows; a first row that says `name,path` is a header.
fn from_csv(file: &Path) -> Result<Vec<Student>, String> {
    let base = file.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_path(file)
        .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    let mut students = Vec::new();
    for (index, row) in reader.records().enumerate() {
        let line = index + 1;
        let row = row.map_err(|e| format!("{}: row {line}: {e}", file.display()))?;
        let fields: Vec<&str> = row.iter().collect();
        match fields.as_slice() {
            [name, path]
                if index == 0
                    && name.eq_ignore_ascii_case("name")
                    && path.eq_ignore_ascii_case("path") => {}
            [""] => {}
            [name, path] if !name.is_empty() && !path.is_empty() => students.push(Student {
                name: name.to_string(),
                path: base.join(path),
            }),
            _ => {
                return Err(format!(
                    "{}: row {line} is not name,path: {}",
                    file.display(),
                    fields.join(",")
                ));
            }
        }
    }
    Ok(students)
}

#[cfg(test)]
mod tests {
    use super::*;
    use harness::TempDir;

    #[test]
    fn a_folder_lists_its_subfolders_in_order() {
        let temp = TempDir::new("roster-folder");
        for name in ["bob", "ada", ".git"] {
            fs::create_dir(temp.path().join(name)).unwrap();
        }
        fs::write(temp.path().join("notes.txt"), "not a student").unwrap();
        let students = read(temp.path()).unwrap();
        let names: Vec<&str> = students.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["ada", "bob"]);
        assert_eq!(students[0].path, temp.path().join("ada"));
    }

    #[test]
    fn a_csv_names_students_and_paths_relative_to_itself() {
        let temp = TempDir::new("roster-csv");
        let file = temp.path().join("class.csv");
        fs::write(
            &file,
            "name,path\r\nAda Lovelace,checkouts/ada\r\n\"Li, Wei\", /abs/li \r\n# left\r\n\r\n",
        )
        .unwrap();
        let students = read(&file).unwrap();
        assert_eq!(
            students,
            [
                Student {
                    name: "Ada Lovelace".into(),
                    path: temp.path().join("checkouts/ada"),
                },
                Student {
                    name: "Li, Wei".into(),
                    path: PathBuf::from("/abs/li"),
                },
            ]
        );
    }

    #[test]
    fn refuses_a_roster_it_cannot_use() {
        let temp = TempDir::new("roster-bad");
        let twice = temp.path().join("twice.csv");
        fs::write(&twice, "ada,a\nada,b\n").unwrap();
        assert!(read(&twice).unwrap_err().contains("names \"ada\" twice"));
        let short = temp.path().join("short.csv");
        fs::write(&short, "ada\n").unwrap();
        assert!(read(&short).unwrap_err().contains("row 1 is not name,path"));
        let empty = temp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        assert!(read(&empty).unwrap_err().contains("names no student"));
        assert!(
            read(&temp.path().join("nowhere"))
                .unwrap_err()
                .contains("does not exist")
        );
    }
}

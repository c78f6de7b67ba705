//! Results as a table that any program reads: CSV, as RFC 4180 writes it.
//!
//! ```text
//!  server,mode,connections,...\r\n
//!  chapter07,closed,64,...\r\n
//!  "baseline (chapter08's page, with ""quotes"")",closed,64,...\r\n
//! ```

// ANCHOR: to_csv
// ANCHOR: to_csv_signature
/// `header` and `rows` as CSV: fields separated by commas, every line
/// ending in CRLF; a field holding a comma, a double quote, CR or LF is
/// put in double quotes, with each double quote inside doubled.
#[expect(unused_variables, reason = "until you write exercise 12.3")]
pub fn to_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    // ANCHOR_END: to_csv_signature
    todo!(
        "exercise 12.3: A result table (read book/src/ch12-measure.md#exercise-123-a-result-table)"
    )
}
// ANCHOR_END: to_csv

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
pub fn to_csv(header: &[&str], rows: &[Vec<String>]) -> String {
    // ANCHOR_END: to_csv_signature
    // exercise 12.3: A result table
    fn field(text: &str) -> String {
        if text.contains([',', '"', '\r', '\n']) {
            format!("\"{}\"", text.replace('"', "\"\""))
        } else {
            text.to_string()
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|name| field(name)).collect();
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for row in rows {
        let fields: Vec<String> = row.iter().map(|value| field(value)).collect();
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    out
    // end exercise
}
// ANCHOR_END: to_csv

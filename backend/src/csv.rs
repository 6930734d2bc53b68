//! CSV documents for spreadsheets (the analytics exports). Cells can hold text partners wrote
//! (listing names), and a spreadsheet runs a cell that starts like a formula, so every cell
//! goes through [`cell`].

use std::borrow::Cow;

/// A cell as written: a value a spreadsheet would read as a formula (starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`, as OWASP advises against CSV
/// injection, and a value with a separator, a quote or a line break is quoted (RFC 4180).
pub fn cell(value: &str) -> Cow<'_, str> {
    let formula = value.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let quoted = value.contains([',', '"', '\n', '\r']);
    if !formula && !quoted {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 4);
    if quoted {
        out.push('"');
    }
    if formula {
        out.push('\'');
    }
    for c in value.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if quoted {
        out.push('"');
    }
    Cow::Owned(out)
}

/// A whole document: the header line, then a line per row, every cell through [`cell`].
pub fn document(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    write_line(&mut out, header.iter().copied());
    for row in rows {
        write_line(&mut out, row.iter().map(String::as_str));
    }
    out
}

fn write_line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    for (i, value) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&cell(value));
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_quoted_when_needed() {
        assert_eq!(cell("plain text"), "plain text");
        assert_eq!(cell("a,\"b\""), "\"a,\"\"b\"\"\"");
        assert_eq!(cell("two\nlines"), "\"two\nlines\"");
        assert_eq!(cell("2026-11-30"), "2026-11-30");
        assert_eq!(cell("0.25"), "0.25");
        assert_eq!(cell(""), "");
    }

    #[test]
    fn formulas_are_defused() {
        assert_eq!(cell("=1+2"), "'=1+2");
        assert_eq!(cell("+1"), "'+1");
        assert_eq!(cell("-2+3"), "'-2+3");
        assert_eq!(cell("@SUM(A1:A2)"), "'@SUM(A1:A2)");
        assert_eq!(cell("\t=1"), "'\t=1");
        assert_eq!(cell("\r=1"), "\"'\r=1\"");
        assert_eq!(
            cell("=HYPERLINK(\"https://x.example\",\"Open\")"),
            "\"'=HYPERLINK(\"\"https://x.example\"\",\"\"Open\"\")\""
        );
        assert_eq!(cell("a=b"), "a=b", "only a leading sign counts");
    }

    #[test]
    fn documents_are_a_header_and_a_line_per_row() {
        let rows = vec![
            vec!["a".to_string(), "=b".to_string()],
            vec!["c,d".to_string(), "e".to_string()],
        ];
        assert_eq!(document(&["x", "y"], &rows), "x,y\na,'=b\n\"c,d\",e\n");
    }
}

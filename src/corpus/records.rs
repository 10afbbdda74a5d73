//! Structured records: the string values of JSON documents, CSV cells and Parquet columns,
//! decoded, with the field path or column name that locates them.

use serde_json::Value;
use std::io::Read;

/// Calls `f(path, name, text)` for every string and integer in `value`, depth first, where
/// `path` locates it (`text`, `meta.author`, `messages[2].content`) and `name` is the nearest
/// object key (the field name that serves as context). serde_json has already decoded
/// escapes such as `\u8eab` and `\/`.
pub fn json_values(value: &Value, f: &mut impl FnMut(&str, &str, &str)) {
    let mut path = String::new();
    walk(value, &mut path, "", f);
}

fn walk(value: &Value, path: &mut String, name: &str, f: &mut impl FnMut(&str, &str, &str)) {
    match value {
        Value::String(s) => f(if path.is_empty() { "$" } else { path }, name, s),
        // An identifier stored as a number (`"phone": 91234567`) is still one.
        Value::Number(n) if n.is_i64() || n.is_u64() => {
            f(if path.is_empty() { "$" } else { path }, name, &n.to_string())
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, name, f);
                path.truncate(len);
            }
        }
        Value::Object(map) => {
            for (key, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
                walk(item, path, key, f);
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// A CSV or TSV file read record by record (RFC 4180 quoting, multi-line cells).
pub struct Table<R: Read> {
    reader: csv::Reader<R>,
    headers: Vec<String>,
    record: csv::ByteRecord,
    pub rows: u64,
}

/// One row: its 1-based data row number, the line it starts on and its byte offset.
pub struct Row<'a> {
    pub row: u64,
    pub line: u64,
    pub offset: u64,
    pub cells: Vec<(&'a str, &'a [u8])>,
}

impl<R: Read> Table<R> {
    pub fn new(input: R, delimiter: u8) -> csv::Result<Self> {
        let mut reader =
            csv::ReaderBuilder::new().delimiter(delimiter).flexible(true).has_headers(true).from_reader(input);
        let headers = reader
            .byte_headers()?
            .iter()
            .enumerate()
            .map(|(i, h)| {
                let h = String::from_utf8_lossy(h).trim().to_string();
                if h.is_empty() {
                    format!("column {}", i + 1)
                } else {
                    h
                }
            })
            .collect();
        Ok(Table { reader, headers, record: csv::ByteRecord::new(), rows: 0 })
    }

    /// The next row, `None` at the end.
    pub fn next_row(&mut self) -> csv::Result<Option<Row<'_>>> {
        if !self.reader.read_byte_record(&mut self.record)? {
            return Ok(None);
        }
        self.rows += 1;
        let (line, offset) = self.record.position().map_or((0, 0), |p| (p.line(), p.byte()));
        let headers = &self.headers;
        let cells = self
            .record
            .iter()
            .enumerate()
            .map(|(i, cell)| (headers.get(i).map_or("(extra column)", String::as_str), cell))
            .collect();
        Ok(Some(Row { row: self.rows, line, offset, cells }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_decoded_with_their_paths() {
        let v: Value = serde_json::from_str(
            r#"{"text": "\u8eab\u4efd\u8b49 A123456(3)", "meta": {"url": "http:\/\/x"}, "messages": [{"content": "a"}, {"content": "b"}], "phone": 91234567, "ok": true}"#,
        )
        .unwrap();
        let mut got = Vec::new();
        json_values(&v, &mut |path, name, text| got.push(format!("{path}|{name}|{text}")));
        assert_eq!(
            got,
            [
                "messages[0].content|content|a",
                "messages[1].content|content|b",
                "meta.url|url|http://x",
                "phone|phone|91234567",
                "text|text|身份證 A123456(3)",
            ]
        );
    }

    #[test]
    fn a_top_level_string_has_the_root_path() {
        let mut got = Vec::new();
        json_values(&Value::String("x".into()), &mut |p, n, t| got.push((p.to_string(), n.to_string(), t.to_string())));
        assert_eq!(got, [("$".to_string(), String::new(), "x".to_string())]);
    }

    #[test]
    fn csv_rows_keep_multi_line_cells_and_name_their_columns() {
        let data = "name,phone,note\nChan,9123 4567,\"two\nlines\"\nLee,,x,extra\n";
        let mut t = Table::new(data.as_bytes(), b',').unwrap();
        let r = t.next_row().unwrap().unwrap();
        assert_eq!((r.row, r.line), (1, 2));
        assert_eq!(r.cells[1], ("phone", &b"9123 4567"[..]));
        assert_eq!(r.cells[2].1, b"two\nlines");
        let r = t.next_row().unwrap().unwrap();
        assert_eq!((r.row, r.line), (2, 4));
        assert_eq!(r.cells[3].0, "(extra column)");
        assert!(t.next_row().unwrap().is_none());
    }
}

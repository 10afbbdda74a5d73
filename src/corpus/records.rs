//! Structured records: the string values of JSON documents, CSV cells and Parquet columns,
//! decoded, with the field path or column name that locates them.

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::io::Read;

/// Parses one JSON document (a JSONL line) and calls `f(path, name, text)` for every string and
/// integer in it, in document order, where `path` locates it (`text`, `meta.author`,
/// `messages[2].content`, `$` for a bare value) and `name` is the nearest object key (the field
/// name that serves as context). Escapes such as `\u8eab` and `\/` are decoded; strings without
/// escapes are borrowed from the line, and no tree is built.
pub fn json_values(line: &[u8], f: &mut impl FnMut(&str, &str, &str)) -> Result<(), serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(line);
    let mut path = String::new();
    Walker { path: &mut path, name: "", f }.deserialize(&mut de)?;
    de.end()
}

/// The values on one line of a pretty-printed JSON document, which is not JSON alone:
/// `"key": "value",`, `"value",` or `{"a": 1},` inside an array. They go to `f` as
/// `json_values` gives them, with paths from the line (`key`, `$`). Python's `json.dump(...,
/// indent=2)` writes every non-ASCII character as an escape, so a line scanned as plain text would
/// hide them. False if the line holds no whole value (`{`, `},`, `"key": {`) or is not JSON; `f`
/// may have been called before the line turned out not to parse.
pub fn json_fragment_values(line: &[u8], f: &mut impl FnMut(&str, &str, &str)) -> bool {
    let body = line.trim_ascii();
    let body = body.strip_suffix(b",").unwrap_or(body);
    if body.is_empty() {
        return false;
    }
    if !starts_with_key(body) {
        return json_values(body, f).is_ok();
    }
    let mut member = Vec::with_capacity(body.len() + 2);
    member.push(b'{');
    member.extend_from_slice(body);
    member.push(b'}');
    json_values(&member, f).is_ok()
}

/// Whether `text` opens with an object's key: a string, then a colon.
fn starts_with_key(text: &[u8]) -> bool {
    if text.first() != Some(&b'"') {
        return false;
    }
    let mut i = 1;
    while i < text.len() {
        match text[i] {
            b'\\' => i += 2,
            b'"' => return text[i + 1..].trim_ascii_start().first() == Some(&b':'),
            _ => i += 1,
        }
    }
    false
}

struct Walker<'a, F> {
    path: &'a mut String,
    name: &'a str,
    f: &'a mut F,
}

impl<F: FnMut(&str, &str, &str)> Walker<'_, F> {
    fn emit(self, text: &str) {
        let path = if self.path.is_empty() { "$" } else { self.path.as_str() };
        (self.f)(path, self.name, text);
    }
}

impl<'de, F: FnMut(&str, &str, &str)> DeserializeSeed<'de> for Walker<'_, F> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(&str, &str, &str)> Visitor<'de> for Walker<'_, F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        self.emit(v);
        Ok(())
    }

    // An identifier stored as a number (`"phone": 91234567`) is still one.
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.emit(&v.to_string());
        Ok(())
    }

    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.emit(&v.to_string());
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let Walker { path, name, f } = self;
        for i in 0.. {
            let len = path.len();
            path.push('[');
            path.push_str(itoa(i, &mut [0u8; 20]));
            path.push(']');
            let more = seq.next_element_seed(Walker { path: &mut *path, name, f: &mut *f })?;
            path.truncate(len);
            if more.is_none() {
                break;
            }
        }
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let Walker { path, f, .. } = self;
        while let Some(key) = map.next_key_seed(Key)? {
            let len = path.len();
            if len > 0 {
                path.push('.');
            }
            path.push_str(&key);
            map.next_value_seed(Walker { path: &mut *path, name: &key, f: &mut *f })?;
            path.truncate(len);
        }
        Ok(())
    }
}

/// An object key, borrowed from the line when it has no escapes.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_string()))
    }
}

/// Formats `n` without allocating.
fn itoa(mut n: usize, buf: &mut [u8; 20]) -> &str {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    std::str::from_utf8(&buf[i..]).expect("digits are ASCII")
}

/// A CSV or TSV file read record by record (RFC 4180 quoting, multi-line cells).
pub struct Table<R: Read> {
    reader: csv::Reader<R>,
    headers: Vec<String>,
    pub rows: u64,
}

/// Ends each cell in a `Batch`'s text: an ASCII control character that no literal holds and
/// that ends a digit run, so one prefilter pass over the batch flags each cell as a pass over
/// that cell alone would.
pub const CELL_END: u8 = 0x1F;

/// Rows read ahead, so they can be scanned in parallel: the text of every cell, one after
/// another, each followed by `CELL_END`. Reused from batch to batch, so reading a row
/// allocates nothing.
#[derive(Default)]
pub struct Batch {
    text: Vec<u8>,
    /// Where each cell's text ends in `text`.
    ends: Vec<usize>,
    rows: Vec<RowMeta>,
    record: csv::ByteRecord,
}

/// The name of column `i` of a table with these headers.
pub fn column_name(headers: &[String], i: usize) -> &str {
    headers.get(i).map_or("(extra column)", String::as_str)
}

/// Where a row of a `Batch` came from, and which of its cells are the row's.
pub struct RowMeta {
    pub row: u64,
    pub line: u64,
    pub offset: u64,
    cells: std::ops::Range<usize>,
}

impl Batch {
    pub fn rows(&self) -> &[RowMeta] {
        &self.rows
    }

    /// The text of `rows` (consecutive rows of this batch) with each cell's `CELL_END`, and
    /// where it starts in the batch's text.
    pub fn text_of(&self, rows: &[RowMeta]) -> (usize, &[u8]) {
        let (Some(first), Some(last)) = (rows.first(), rows.last()) else { return (0, &[]) };
        let (first_cell, end_cell) = (first.cells.start, last.cells.end);
        let start = self.cell_start(first_cell);
        let end = if end_cell > first_cell { self.ends[end_cell - 1] + 1 } else { start };
        (start, &self.text[start..end])
    }

    /// The row's cells as (column index, where the cell starts in the batch's text, its text).
    pub fn cells<'a>(&'a self, row: &RowMeta) -> impl Iterator<Item = (usize, usize, &'a [u8])> + 'a {
        row.cells.clone().enumerate().map(|(column, i)| {
            let start = self.cell_start(i);
            (column, start, &self.text[start..self.ends[i]])
        })
    }

    /// Bytes of cell text (not counting the `CELL_END`s).
    pub fn cell_bytes(&self) -> u64 {
        (self.text.len() - self.ends.len()) as u64
    }

    fn cell_start(&self, i: usize) -> usize {
        if i == 0 {
            0
        } else {
            self.ends[i - 1] + 1
        }
    }
}

impl<R: Read> Table<R> {
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Reads up to `max` rows into `batch` (emptied first). Rows read before an error are kept.
    pub fn read_batch(&mut self, max: usize, batch: &mut Batch) -> csv::Result<()> {
        batch.text.clear();
        batch.ends.clear();
        batch.rows.clear();
        while batch.rows.len() < max {
            if !self.reader.read_byte_record(&mut batch.record)? {
                break;
            }
            self.rows += 1;
            let (line, offset) = batch.record.position().map_or((0, 0), |p| (p.line(), p.byte()));
            let first = batch.ends.len();
            for cell in &batch.record {
                batch.text.extend_from_slice(cell);
                batch.ends.push(batch.text.len());
                batch.text.push(CELL_END);
            }
            batch.rows.push(RowMeta { row: self.rows, line, offset, cells: first..batch.ends.len() });
        }
        Ok(())
    }

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
        Ok(Table { reader, headers, rows: 0 })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(line: &str) -> Result<Vec<String>, serde_json::Error> {
        let mut got = Vec::new();
        json_values(line.as_bytes(), &mut |path, name, text| got.push(format!("{path}|{name}|{text}")))?;
        Ok(got)
    }

    #[test]
    fn json_strings_are_decoded_with_their_paths_in_document_order() {
        let line = r#"{"text": "\u8eab\u4efd\u8b49 A123456(3)", "meta": {"url": "http:\/\/x", "n": 1.5}, "messages": [{"content": "a"}, {"content": "b"}], "phone": 91234567, "ok": true, "k\u0065y": [[null, "deep"]]}"#;
        assert_eq!(
            values(line).unwrap(),
            [
                "text|text|身份證 A123456(3)",
                "meta.url|url|http://x",
                "messages[0].content|content|a",
                "messages[1].content|content|b",
                "phone|phone|91234567",
                "key[0][1]|key|deep",
            ]
        );
    }

    fn fragment(line: &str) -> Option<Vec<String>> {
        let mut got = Vec::new();
        json_fragment_values(line.as_bytes(), &mut |path, name, text| got.push(format!("{path}|{name}|{text}")))
            .then_some(got)
    }

    #[test]
    fn lines_of_a_pretty_printed_document_give_their_values() {
        let got = |l| fragment(l).unwrap();
        assert_eq!(got(r#"    "text": "\u96fb\u8a71 9123 4567","#), ["text|text|電話 9123 4567"]);
        assert_eq!(got(r#"  "phone": 91234567"#), ["phone|phone|91234567"]);
        assert_eq!(got(r#"    "\uff23\uff16","#), ["$||Ｃ６"]);
        assert_eq!(got(r#"  {"a": "x", "b": ["y"]},"#), ["a|a|x", "b[0]|b|y"]);
        assert_eq!(got(r#"  "k\"e:y" : "v""#), [r#"k"e:y|k"e:y|v"#]);
        assert_eq!(got("  true,"), Vec::<String>::new());
    }

    #[test]
    fn lines_that_hold_no_whole_value_are_not_fragments() {
        for line in
            ["{", "  },", "]", r#"  "contact": {"#, r#"  "a": "x", "b": {"#, "not json", r#""cut"#, r#""x", "y""#, ""]
        {
            assert_eq!(fragment(line), None, "{line}");
        }
    }

    #[test]
    fn a_bare_value_has_the_root_path() {
        assert_eq!(values(r#""x""#).unwrap(), ["$||x"]);
        assert_eq!(values("[\"a\", 12345678]").unwrap(), ["[0]||a", "[1]||12345678"]);
    }

    #[test]
    fn malformed_trailing_and_too_deep_documents_are_errors() {
        assert!(values("{broken").is_err());
        assert!(values(r#"{"a": 1} trailing"#).is_err());
        assert!(values(&("[".repeat(10_000) + &"]".repeat(10_000))).is_err());
        assert_eq!(itoa(0, &mut [0; 20]), "0");
        assert_eq!(itoa(1234, &mut [0; 20]), "1234");
    }

    #[test]
    fn csv_rows_keep_multi_line_cells_and_name_their_columns() {
        let data = "name,phone,note\nChan,9123 4567,\"two\nlines\"\nLee,,x,extra\n";
        let mut t = Table::new(data.as_bytes(), b',').unwrap();
        let mut batch = Batch::default();
        t.read_batch(1, &mut batch).unwrap();
        let row = &batch.rows()[0];
        let cells: Vec<_> = batch.cells(row).collect();
        assert_eq!((row.row, row.line), (1, 2));
        assert_eq!(cells[1], (1, 5, &b"9123 4567"[..]));
        assert_eq!(cells[2].2, b"two\nlines");
        assert_eq!(batch.text_of(batch.rows()), (0, &b"Chan\x1f9123 4567\x1ftwo\nlines\x1f"[..]));
        assert_eq!(batch.cell_bytes(), 22);
        t.read_batch(10, &mut batch).unwrap();
        assert_eq!(batch.rows().len(), 1);
        let row = &batch.rows()[0];
        assert_eq!((row.row, row.line), (2, 4));
        let cells: Vec<_> = batch.cells(row).collect();
        assert_eq!(cells.iter().map(|c| c.2).collect::<Vec<_>>(), [&b"Lee"[..], b"", b"x", b"extra"]);
        assert_eq!(column_name(t.headers(), cells[3].0), "(extra column)");
        assert_eq!(column_name(t.headers(), cells[1].0), "phone");
        t.read_batch(10, &mut batch).unwrap();
        assert!(batch.rows().is_empty());
        assert_eq!(batch.text_of(batch.rows()), (0, &b""[..]));
    }

    #[test]
    fn the_text_of_rows_ends_at_their_last_cell_even_if_the_last_row_has_none() {
        let mut batch = Batch::default();
        batch.text.extend_from_slice(b"ab\x1fc\x1f");
        batch.ends.extend([2, 4]);
        batch.rows.push(RowMeta { row: 1, line: 1, offset: 0, cells: 0..2 });
        batch.rows.push(RowMeta { row: 2, line: 2, offset: 5, cells: 2..2 });
        assert_eq!(batch.text_of(batch.rows()), (0, &b"ab\x1fc\x1f"[..]));
        assert_eq!(batch.text_of(&batch.rows()[1..]), (5, &b""[..]));
    }
}

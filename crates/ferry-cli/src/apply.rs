//! `ferry check --fix --output FILE`: writes the batch with every offered fix applied.
//!
//! The inputs are re-read streaming, record by record. A record with no fix is copied byte for byte; a record
//! with fixes is parsed, edited with [`ferry_core::apply_fixes`] (its members keep their order) and written
//! compactly. The output is one file for the whole batch: NDJSON when its name ends in `.ndjson` or
//! `.jsonl`, otherwise a JSON array with one record per line.
//!
//! Record numbering is the core's (0-based across the batch, array elements or NDJSON values in order), so
//! fixes can only be applied to inputs that are well-formed JSON: a malformed input fails the run.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use anyhow::{bail, Context, Result};
use ferry_core::{Diagnostic, Fix};
use serde::de::{SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::input::Input;

/// What was written.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Records written.
    pub records: usize,
    /// Records that had at least one fix applied.
    pub fixed_records: usize,
    /// Fixes applied.
    pub fixes: usize,
}

/// How the output file lays records out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    JsonArray,
    Ndjson,
}

/// The fixes a run offers, by record (0-based across the batch), in the order they were found.
pub type FixesByRecord = BTreeMap<usize, Vec<Fix>>;

/// Keeps the fix of a diagnostic, when it has one and belongs to a record.
pub fn collect_fix(fixes: &mut FixesByRecord, diagnostic: &Diagnostic) {
    if let (Some(record), Some(fix)) = (diagnostic.location.record, &diagnostic.fix) {
        fixes.entry(record).or_default().push(fix.clone());
    }
}

/// Writes every record of `inputs` to `output`, with `fixes` applied.
///
/// # Errors
/// When an input cannot be read or is not well-formed JSON, when the output is one of the inputs, when a fix
/// does not apply to its record, or when the output cannot be written.
pub fn write_fixed_batch(inputs: &[Input], fixes_by_record: &FixesByRecord, output: &Path) -> Result<Applied> {
    ensure_output_is_not_an_input(inputs, output)?;
    let layout = match output.extension().and_then(|extension| extension.to_str()) {
        Some("ndjson" | "jsonl") => Layout::Ndjson,
        _ => Layout::JsonArray,
    };
    let file = File::create(output).with_context(|| format!("could not create `{}`", output.display()))?;
    let mut writer = RecordWriter { out: BufWriter::new(file), layout, fixes_by_record, applied: Applied::default() };
    if layout == Layout::JsonArray {
        writer.out.write_all(b"[")?;
    }
    for input in inputs {
        let mut reader = BufReader::new(input.open().with_context(|| format!("could not read `{}`", input.name()))?);
        copy_records(&mut reader, &mut writer).with_context(|| format!("could not apply fixes to `{}`", input.name()))?;
    }
    if layout == Layout::JsonArray {
        writer.out.write_all(if writer.applied.records == 0 { b"]\n" } else { b"\n]\n" })?;
    }
    writer.out.flush().with_context(|| format!("could not write `{}`", output.display()))?;
    Ok(writer.applied)
}

/// Fails when `output` is one of the input files (writing it would destroy the input while reading it).
///
/// # Errors
/// When it is.
pub fn ensure_output_is_not_an_input(inputs: &[Input], output: &Path) -> Result<()> {
    for input in inputs {
        if let Input::File { path, name } = input {
            if same_file(path, output) {
                bail!("--output `{}` is the input `{name}`: write the fixed batch to another file", output.display());
            }
        }
    }
    Ok(())
}

/// Writes records to the output, applying the fixes of each.
struct RecordWriter<'a, W: Write> {
    out: W,
    layout: Layout,
    fixes_by_record: &'a FixesByRecord,
    applied: Applied,
}

impl<W: Write> RecordWriter<'_, W> {
    /// Writes the next record of the batch.
    fn write(&mut self, raw: &RawValue) -> Result<()> {
        let record_index = self.applied.records;
        if self.layout == Layout::JsonArray {
            self.out.write_all(if record_index == 0 { b"\n" } else { b",\n" })?;
        }
        match self.fixes_by_record.get(&record_index) {
            None if self.layout == Layout::Ndjson && raw.get().contains(['\n', '\r']) => {
                // Line breaks in JSON text are only ever whitespace between tokens: a space keeps the record
                // on one NDJSON line.
                self.out.write_all(raw.get().replace(['\n', '\r'], " ").as_bytes())?;
            }
            None => self.out.write_all(raw.get().as_bytes())?,
            Some(fixes) => {
                let mut record: serde_json::Value = serde_json::from_str(raw.get())?;
                ferry_core::apply_fixes(&mut record, fixes)
                    .with_context(|| format!("record {record_index}"))?;
                serde_json::to_writer(&mut self.out, &record)?;
                self.applied.fixed_records += 1;
                self.applied.fixes += fixes.len();
            }
        }
        if self.layout == Layout::Ndjson {
            self.out.write_all(b"\n")?;
        }
        self.applied.records += 1;
        Ok(())
    }
}

/// Copies the records of one input (a JSON array or NDJSON, after an optional BOM) to the writer.
fn copy_records<W: Write>(reader: &mut BufReader<impl Read>, writer: &mut RecordWriter<'_, W>) -> Result<()> {
    let first = skip_bom_and_whitespace(reader)?;
    if first == Some(b'[') {
        let mut deserializer = serde_json::Deserializer::from_reader(reader);
        serde::Deserializer::deserialize_seq(&mut deserializer, ArrayRecords(writer))?;
        deserializer.end()?;
    } else {
        for raw in serde_json::Deserializer::from_reader(reader).into_iter::<Box<RawValue>>() {
            writer.write(&raw?)?;
        }
    }
    Ok(())
}

/// Skips a UTF-8 byte order mark and leading whitespace; returns the next byte without consuming it.
fn skip_bom_and_whitespace(reader: &mut BufReader<impl Read>) -> io::Result<Option<u8>> {
    use std::io::BufRead;
    if reader.fill_buf()?.starts_with(b"\xEF\xBB\xBF") {
        reader.consume(3);
    }
    loop {
        let buffer = reader.fill_buf()?;
        let Some(&byte) = buffer.first() else { return Ok(None) };
        if !byte.is_ascii_whitespace() {
            return Ok(Some(byte));
        }
        let blank = buffer.iter().take_while(|byte| byte.is_ascii_whitespace()).count();
        reader.consume(blank);
    }
}

/// Visits the top-level array one element at a time, so no more than one record is in memory.
struct ArrayRecords<'w, 'a, W: Write>(&'w mut RecordWriter<'a, W>);

impl<'de, W: Write> Visitor<'de> for ArrayRecords<'_, '_, W> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a JSON array of records")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut records: A) -> Result<(), A::Error> {
        while let Some(raw) = records.next_element::<Box<RawValue>>()? {
            self.0.write(&raw).map_err(|error| serde::de::Error::custom(format!("{error:#}")))?;
        }
        Ok(())
    }
}

/// Whether two paths name the same existing file.
fn same_file(first: &Path, second: &Path) -> bool {
    match (first.canonicalize(), second.canonicalize()) {
        (Ok(first), Ok(second)) => first == second,
        _ => false,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ferry_core::{Edit, Rule};
    use serde_json::json;

    fn fix_at(record: usize, pointer: &str, value: serde_json::Value) -> Diagnostic {
        let mut diagnostic = Diagnostic::new(Rule::ALL[0], "m").with_fix(Fix {
            title: "t".into(),
            edits: vec![Edit { pointer: pointer.into(), value }],
        });
        diagnostic.location.record = Some(record);
        diagnostic
    }

    fn run(inputs: &[&str], diagnostics: &[Diagnostic], output_name: &str) -> (Result<Applied>, String) {
        let mut fixes = FixesByRecord::new();
        for diagnostic in diagnostics {
            collect_fix(&mut fixes, diagnostic);
        }
        static NEXT_DIRECTORY: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let unique = NEXT_DIRECTORY.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let directory = std::env::temp_dir().join(format!("ferry-apply-{}-{unique}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let inputs: Vec<Input> = inputs.iter().map(|text| Input::Memory { name: "-".into(), bytes: text.as_bytes().to_vec() }).collect();
        let output = directory.join(output_name);
        let result = write_fixed_batch(&inputs, &fixes, &output);
        let written = std::fs::read_to_string(&output).unwrap_or_default();
        let _ = std::fs::remove_dir_all(&directory);
        (result, written)
    }

    #[test]
    fn fixes_apply_to_their_records_across_inputs() {
        let array = "\u{FEFF}[\n  {\"b\": 1, \"a\": 2},\n  {\"message\": \"hi\"}\n]";
        let ndjson = "{\"z\": 1}\n\n{\"message\":   \"x\", \"n\": 12345678901234567890}\n";
        let diagnostics = [
            fix_at(1, "/message", json!("<messageML>hi</messageML>")),
            fix_at(3, "/originalMessageId", json!("ferry-1")),
        ];
        // (output name, expected text)
        let cases = [
            (
                "out.json",
                "[\n{\"b\": 1, \"a\": 2},\n{\"message\":\"<messageML>hi</messageML>\"},\n{\"z\": 1},\n\
                 {\"message\":\"x\",\"n\":12345678901234567890,\"originalMessageId\":\"ferry-1\"}\n]\n",
            ),
            (
                "out.ndjson",
                "{\"b\": 1, \"a\": 2}\n{\"message\":\"<messageML>hi</messageML>\"}\n{\"z\": 1}\n\
                 {\"message\":\"x\",\"n\":12345678901234567890,\"originalMessageId\":\"ferry-1\"}\n",
            ),
        ];
        for (name, expected) in cases {
            let (result, written) = run(&[array, ndjson], &diagnostics, name);
            assert_eq!(result.unwrap(), Applied { records: 4, fixed_records: 2, fixes: 2 }, "{name}");
            assert_eq!(written, expected, "{name}");
        }
    }

    #[test]
    fn malformed_input_or_a_fix_that_does_not_apply_fails() {
        let cases: &[(&str, Vec<Diagnostic>)] = &[
            ("[{\"a\": 1},", vec![]),
            ("{\"a\": 1} {", vec![]),
            ("[{\"a\": 1}]", vec![fix_at(0, "/a/b/c", json!(1))]),
        ];
        for (input, diagnostics) in cases {
            let (result, _) = run(&[input], diagnostics, "out.json");
            assert!(result.is_err(), "{input}");
        }
    }

    #[test]
    fn empty_batch_is_an_empty_array() {
        let (result, written) = run(&["[]"], &[], "out.json");
        assert_eq!(result.unwrap().records, 0);
        assert_eq!(written, "[]\n");
    }
}

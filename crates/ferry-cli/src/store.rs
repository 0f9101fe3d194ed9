//! Where `ferry check` keeps the diagnostics of a run until it prints them.
//!
//! A batch of a million records can yield a million findings, and a `Diagnostic` with its texts is a few
//! hundred bytes: kept in memory they would outweigh the validator itself. The store keeps up to a bound in
//! memory and moves them, in order, to a temporary file (one JSON object per line) beyond it; the file is
//! deleted when the store is dropped. Reading back yields every diagnostic in the order it was added.

use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Seek, Write};
use std::path::PathBuf;

use ferry_core::Diagnostic;

/// Diagnostics kept in memory before the store moves them to its file.
pub const DEFAULT_MEMORY_LIMIT: usize = 20_000;

/// An append-only, replayable list of diagnostics.
pub struct DiagnosticStore {
    memory_limit: usize,
    in_memory: Vec<Diagnostic>,
    spill: Option<Spill>,
    len: usize,
}

/// The temporary file holding the diagnostics that did not stay in memory.
struct Spill {
    path: PathBuf,
    writer: BufWriter<File>,
}

impl Drop for Spill {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

impl DiagnosticStore {
    /// A store keeping at most `memory_limit` diagnostics in memory (at least one).
    pub fn with_memory_limit(memory_limit: usize) -> DiagnosticStore {
        DiagnosticStore { memory_limit: memory_limit.max(1), in_memory: Vec::new(), spill: None, len: 0 }
    }

    /// Number of diagnostics added.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Adds diagnostics after the ones already there.
    ///
    /// # Errors
    /// When the temporary file cannot be created or written.
    pub fn extend(&mut self, diagnostics: Vec<Diagnostic>) -> io::Result<()> {
        self.len += diagnostics.len();
        self.in_memory.extend(diagnostics);
        if self.in_memory.len() > self.memory_limit {
            let spill = match &mut self.spill {
                Some(spill) => spill,
                None => self.spill.insert(create_spill()?),
            };
            for diagnostic in self.in_memory.drain(..) {
                serde_json::to_writer(&mut spill.writer, &diagnostic)?;
                spill.writer.write_all(b"\n")?;
            }
        }
        Ok(())
    }

    /// Calls `visit` with every diagnostic, in the order they were added, with its 0-based index.
    ///
    /// # Errors
    /// When the temporary file cannot be read back, or `visit` fails.
    pub fn for_each<E: From<io::Error>>(
        &mut self,
        mut visit: impl FnMut(usize, &Diagnostic) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut index = 0;
        if let Some(spill) = &mut self.spill {
            spill.writer.flush()?;
            let mut file = spill.writer.get_ref().try_clone()?;
            file.rewind()?;
            // One line buffer for the whole file, not one string per finding.
            let mut reader = BufReader::new(file);
            let mut line = String::new();
            while reader.read_line(&mut line)? > 0 {
                let diagnostic: Diagnostic = serde_json::from_str(&line).map_err(io::Error::from)?;
                visit(index, &diagnostic)?;
                index += 1;
                line.clear();
            }
            // Writing resumes at the end of the file, not where the reading stopped.
            spill.writer.get_ref().seek(io::SeekFrom::End(0))?;
        }
        for diagnostic in &self.in_memory {
            visit(index, diagnostic)?;
            index += 1;
        }
        Ok(())
    }
}

fn create_spill() -> io::Result<Spill> {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    let path = std::env::temp_dir().join(format!("ferry-check-{}-{nanos}.ndjson", std::process::id()));
    let file = std::fs::OpenOptions::new().read(true).write(true).create_new(true).open(&path)?;
    Ok(Spill { path, writer: BufWriter::new(file) })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use ferry_core::Rule;

    fn numbered(range: std::ops::Range<usize>) -> Vec<Diagnostic> {
        range.map(|number| Diagnostic::new(Rule::ALL[0], format!("finding {number}"))).collect()
    }

    fn messages(store: &mut DiagnosticStore) -> Vec<String> {
        let mut seen = Vec::new();
        store
            .for_each(|index, diagnostic| {
                assert_eq!(index, seen.len());
                seen.push(diagnostic.message.clone());
                Ok::<(), io::Error>(())
            })
            .unwrap();
        seen
    }

    #[test]
    fn replays_in_order_whether_in_memory_or_spilled() {
        // (memory limit, batches added)
        let cases: &[(usize, &[usize])] = &[(100, &[3, 4]), (2, &[3, 4]), (1, &[1, 1, 5]), (5, &[0, 5, 1])];
        for (limit, batches) in cases {
            let mut store = DiagnosticStore::with_memory_limit(*limit);
            let mut next = 0;
            for &size in *batches {
                store.extend(numbered(next..next + size)).unwrap();
                next += size;
            }
            let expected: Vec<String> = (0..next).map(|number| format!("finding {number}")).collect();
            assert_eq!(store.len(), next);
            assert_eq!(messages(&mut store), expected, "limit {limit}, batches {batches:?}");
            // Reading does not consume: a second pass, and more added after it, still come in order.
            store.extend(numbered(next..next + 3)).unwrap();
            let expected: Vec<String> = (0..next + 3).map(|number| format!("finding {number}")).collect();
            assert_eq!(messages(&mut store), expected, "limit {limit}, second pass");
        }
    }

    #[test]
    fn the_temporary_file_is_removed_on_drop() {
        let mut store = DiagnosticStore::with_memory_limit(1);
        store.extend(numbered(0..3)).unwrap();
        let path = store.spill.as_ref().map(|spill| spill.path.clone()).unwrap();
        assert!(path.exists());
        drop(store);
        assert!(!path.exists());
    }
}

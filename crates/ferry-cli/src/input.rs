//! The files of a batch as given on the command line: opened once to check, re-opened to print positions.
//!
//! Regular files are read streaming and never held whole; standard input (`-`) and anything else that cannot
//! be read twice (a pipe, a process substitution) are read once into memory.

use std::fs::File;
use std::io::{self, Cursor, Read, Seek};
use std::path::PathBuf;

use anyhow::{bail, Context, Result};

/// Something both readable and seekable, for excerpts.
pub trait ReadSeek: Read + Seek {}
impl<T: Read + Seek> ReadSeek for T {}

/// One input of the batch.
pub enum Input {
    /// A file on disk, read streaming.
    File {
        /// Where it is.
        path: PathBuf,
        /// How it was named on the command line.
        name: String,
    },
    /// Standard input or a pipe, read whole at the start.
    Memory {
        /// How it was named on the command line (`-` for standard input).
        name: String,
        /// Everything read.
        bytes: Vec<u8>,
    },
}

impl Input {
    /// How the input is named in messages: the path as given, or `-`.
    pub fn name(&self) -> &str {
        match self {
            Input::File { name, .. } | Input::Memory { name, .. } => name,
        }
    }

    /// Its size in bytes, when known (for progress): the file's length now, or the bytes read.
    pub fn size_bytes(&self) -> Option<u64> {
        match self {
            Input::File { path, .. } => std::fs::metadata(path).ok().map(|metadata| metadata.len()),
            Input::Memory { bytes, .. } => u64::try_from(bytes.len()).ok(),
        }
    }

    /// Opens the input from its start.
    ///
    /// # Errors
    /// When the file cannot be opened.
    pub fn open(&self) -> io::Result<Box<dyn ReadSeek + '_>> {
        match self {
            Input::File { path, .. } => Ok(Box::new(File::open(path)?)),
            Input::Memory { bytes, .. } => Ok(Box::new(Cursor::new(bytes.as_slice()))),
        }
    }
}

/// Turns the command line's paths into inputs: checks each file can be opened, so that an unreadable file
/// fails the run before anything is printed, and reads standard input for `-`.
///
/// # Errors
/// When a file cannot be opened or is a directory, when standard input cannot be read, or when `-` is given
/// twice.
pub fn gather(paths: &[PathBuf]) -> Result<Vec<Input>> {
    let mut inputs = Vec::with_capacity(paths.len());
    let mut stdin_taken = false;
    for path in paths {
        if path.as_os_str() == "-" {
            if stdin_taken {
                bail!("`-` (standard input) can be given only once");
            }
            stdin_taken = true;
            let mut bytes = Vec::new();
            io::stdin().lock().read_to_end(&mut bytes).context("could not read standard input")?;
            inputs.push(Input::Memory { name: "-".to_owned(), bytes });
            continue;
        }
        let name = path.display().to_string();
        let mut file = File::open(path).with_context(|| format!("could not read `{name}`"))?;
        let metadata = file.metadata().with_context(|| format!("could not read `{name}`"))?;
        if metadata.is_dir() {
            bail!("could not read `{name}`: it is a directory");
        }
        if metadata.is_file() {
            inputs.push(Input::File { path: path.clone(), name });
        } else {
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).with_context(|| format!("could not read `{name}`"))?;
            inputs.push(Input::Memory { name, bytes });
        }
    }
    Ok(inputs)
}

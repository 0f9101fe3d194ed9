//! Fuzzes the batch reader: any bytes, cut into chunks at places the input chooses, must give a report
//! without panicking; the report must not depend on the chunking; every source span must lie in the input.
//!
//! Run with `cd fuzz && cargo fuzz run batch_reader` (nightly, or `RUSTC_BOOTSTRAP=1`).

#![no_main]

use ferry_core::{validate, Options, Target, Validator};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The first byte picks the chunk size, the second the target; the rest is the input.
    let (chunk_size, target, input) = match data {
        [chunk, target, rest @ ..] => (usize::from(*chunk).max(1), *target, rest),
        _ => (1, 0, data),
    };
    let target = if target % 2 == 0 { Target::Symphony } else { Target::Teams };
    // Small bounds so the fuzzer reaches the size and depth limits quickly.
    let options = Options { max_record_bytes: 2048, max_depth: 8, ..Options::new(target, 1_700_000_000_000) };

    let whole = validate(input, &options);
    for diagnostic in &whole.diagnostics {
        if let Some(source) = diagnostic.location.source {
            assert!(source.start <= source.end && source.end <= input.len(), "source span outside the input");
        }
    }

    let mut validator = Validator::new(options);
    validator.begin_file("input");
    for chunk in input.chunks(chunk_size) {
        validator.push(chunk);
    }
    assert_eq!(validator.finish(), whole, "chunking changed the report");
});

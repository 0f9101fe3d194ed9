//! `cargo bench -p ferry-sandbox`: import throughput of the sandbox over HTTP, batches of 5,000 messages
//! without attachments, in memory and in a SQLite file. Prints messages per second and the ratio to the
//! 20,000 messages/s the sandbox must reach.

use ferry_sandbox::bench::measure_import;
use ferry_sandbox::Storage;

const BATCHES: usize = 10;
const BATCH_SIZE: usize = 5_000;
const REQUIRED_PER_SECOND: f64 = 20_000.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let directory = std::env::temp_dir().join(format!("ferry-sandbox-bench-{}", std::process::id()));
    std::fs::create_dir_all(&directory)?;
    let file = directory.join("state.sqlite3");
    for (name, storage) in [("memory", Storage::Memory), ("file", Storage::File(file))] {
        let report = measure_import(&storage, BATCHES, BATCH_SIZE)?;
        let rate = report.messages_per_second();
        println!(
            "sandbox import ({name}): {} messages in batches of {} in {:.3} s = {rate:.0} messages/s ({:.2}x the required {REQUIRED_PER_SECOND:.0})",
            report.messages,
            report.batch_size,
            report.elapsed.as_secs_f64(),
            rate / REQUIRED_PER_SECOND
        );
    }
    std::fs::remove_dir_all(&directory)?;
    Ok(())
}

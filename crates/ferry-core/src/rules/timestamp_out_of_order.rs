//! Rule `TS004` ([`TimestampOutOfOrder`]): a message is dated before an earlier record of the same stream.

use crate::declare_rule;

declare_rule! {
    /// A message is dated before an earlier record of the same stream.
    ///
    /// ## What it does
    /// Notes a record whose timestamp is earlier than the latest timestamp already seen in the same
    /// `streamId`, reading the batch in order (across files).
    ///
    /// ## Why is this bad?
    /// Nothing is rejected: conversations are shown by timestamp. But an export out of order often means
    /// pages or files were given in the wrong order, or a timezone was applied to some records only. The
    /// planner sends each stream in chronological order regardless.
    ///
    /// ## Example
    /// Record 0 of stream `S` at `1433045623000`, record 1 of stream `S` at `1433045622000`.
    pub struct TimestampOutOfOrder;
}

use crate::diagnostic::Diagnostic;
use crate::humanize;
use crate::record::BatchState;
use crate::registry::Rule;

/// Checks a record of stream index `stream` dated `timestamp` against the latest earlier record of the
/// stream; run in batch order.
pub(crate) fn check(batch: &mut BatchState, stream: u32, timestamp: i64) -> Option<Diagnostic> {
    let latest = batch.latest_timestamp_by_stream.get_mut(stream as usize)?;
    let previous = *latest;
    *latest = previous.max(timestamp);
    (timestamp < previous).then(|| {
        Diagnostic::new(
            Rule::TimestampOutOfOrder,
            format!(
                "this message, dated {timestamp} ({}), is {} earlier than a previous record of the same stream, dated {previous} ({})",
                humanize::utc_date_time(timestamp),
                humanize::duration_between(timestamp, previous),
                humanize::utc_date_time(previous)
            ),
        )
        .with_help("check the order of the export's pages or files; the plan sends each stream chronologically anyway")
    })
}

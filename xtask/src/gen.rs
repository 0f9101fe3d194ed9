//! A seeded generator of realistic import batches, for the benchmark and for tests that need volume.
//!
//! The same seed gives the same bytes on every machine (the generator has its own small PRNG, SplitMix64, so
//! no dependency's algorithm change can move the figures). A batch mixes what migrations carry: short plain
//! MessageML, rich MessageML (formatting, links, lists, tables, mentions, hashtags, cashtags), structured entities
//! with their EntityJSON `data`, small attachments with previews, Symphony's own `"format": "MESSAGEML"` member,
//! and about 3% of records carrying one error the Agent would reject (the kind is drawn from
//! [`InvalidKind::ALL`]).

use std::io::{self, Write};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use ferry_core::fix::escape_xml;
use serde_json::{json, Map, Value};

/// The first timestamp of every stream: 2019-01-01T00:00:00Z in milliseconds.
const FIRST_TIMESTAMP_MILLIS: i64 = 1_546_300_800_000;

/// A `now` after every timestamp the generator writes (2026-01-01T00:00:00Z), for checking generated batches.
pub const NOW_MILLIS: i64 = 1_767_225_600_000;

/// Conversations a batch spreads over.
const N_STREAMS: usize = 64;

/// People who write in them.
const N_USERS: usize = 300;

const WORDS: &[&str] = &[
    "deploy", "release", "the", "a", "review", "meeting", "tomorrow", "client", "trade", "desk", "rates", "curve",
    "please", "check", "numbers", "for", "Q3", "update", "ticket", "approved", "thanks", "and", "or", "we", "should",
    "ship", "today", "latency", "spread", "bond", "pricing", "risk", "limit", "breach", "call", "at", "noon",
    "déjà", "vu", "naïve", "café", "€100", "→", "größer", "日本", "ok", "sounds", "good", "let's", "sync", "on",
];

const HASHTAGS: &[&str] = &["release", "rates", "fx", "incident", "q3results", "onboarding", "payments"];
const CASHTAGS: &[&str] = &["AAPL", "MSFT", "EURUSD", "TSLA", "GOOG", "VOD.L"];
const ATTACHMENT_NAMES: &[&str] = &["report.pdf", "notes.txt", "trades.csv", "screenshot.png", "minutes.docx"];

/// What makes an invalid generated record invalid. Each one is an error the Agent (or its MessageML parser)
/// would reject the record for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvalidKind {
    /// `intendedMessageTimestamp` after [`NOW_MILLIS`].
    TimestampInFuture,
    /// `intendedMessageTimestamp` negative.
    NegativeTimestamp,
    /// `streamId` absent.
    MissingStreamId,
    /// `intendedMessageFromUserId` given as a string.
    UserIdAsString,
    /// An attachment whose content is not base64.
    AttachmentNotBase64,
    /// Fewer previews than attachments.
    PreviewCountMismatch,
    /// An element MessageML does not have.
    UnknownElement,
    /// A tag opened and never closed.
    UnclosedTag,
    /// `data` that is not JSON.
    DataNotJson,
    /// The `originalMessageId` of an earlier record of the same system.
    DuplicateOriginalMessageId,
}

impl InvalidKind {
    /// Every kind, drawn uniformly.
    pub const ALL: &'static [InvalidKind] = &[
        InvalidKind::TimestampInFuture,
        InvalidKind::NegativeTimestamp,
        InvalidKind::MissingStreamId,
        InvalidKind::UserIdAsString,
        InvalidKind::AttachmentNotBase64,
        InvalidKind::PreviewCountMismatch,
        InvalidKind::UnknownElement,
        InvalidKind::UnclosedTag,
        InvalidKind::DataNotJson,
        InvalidKind::DuplicateOriginalMessageId,
    ];
}

/// SplitMix64: small, fast, and fully determined by its seed.
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut mixed = self.0;
        mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        mixed ^ (mixed >> 31)
    }

    /// A number in `0..bound` (`bound` > 0); the tiny modulo bias does not matter here.
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    /// True with probability `per_mille / 1000`.
    pub fn chance(&mut self, per_mille: u32) -> bool {
        self.next_u64() % 1000 < u64::from(per_mille)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Produces records one at a time; the state (per-stream clocks, earlier ids) makes the batch coherent.
pub struct Generator {
    rng: Rng,
    stream_ids: Vec<String>,
    stream_clocks: Vec<i64>,
    user_ids: Vec<u64>,
    invalid_per_mille: u32,
    next_record: usize,
    /// Records whose `originalMessageId` repeats an earlier one's.
    repeated_ids: std::collections::HashSet<usize>,
    /// How many records of each kind were made invalid, in [`InvalidKind::ALL`] order.
    pub invalid_counts: Vec<usize>,
}

impl Generator {
    /// A generator with about 3% invalid records.
    pub fn new(seed: u64) -> Generator {
        Generator::with_invalid_per_mille(seed, 30)
    }

    /// A generator with `invalid_per_mille` / 1000 of the records invalid (0 for an all-valid batch).
    pub fn with_invalid_per_mille(seed: u64, invalid_per_mille: u32) -> Generator {
        let mut rng = Rng::new(seed);
        let stream_ids = (0..N_STREAMS)
            .map(|_| {
                let bytes: Vec<u8> = (0..25).map(|_| rng.next_u64() as u8).collect();
                URL_SAFE_NO_PAD.encode(bytes)
            })
            .collect();
        // Symphony user ids are large; some are above 2^53 to exercise exact integers.
        let user_ids = (0..N_USERS)
            .map(|index| {
                if index % 10 == 0 {
                    (1_u64 << 53) + rng.next_u64() % 1_000_000
                } else {
                    7_215_545_057_281 + rng.next_u64() % 100_000_000
                }
            })
            .collect();
        Generator {
            rng,
            stream_ids,
            stream_clocks: vec![FIRST_TIMESTAMP_MILLIS; N_STREAMS],
            user_ids,
            invalid_per_mille,
            next_record: 0,
            repeated_ids: std::collections::HashSet::new(),
            invalid_counts: vec![0; InvalidKind::ALL.len()],
        }
    }

    /// Records made invalid so far.
    pub fn n_invalid(&self) -> usize {
        self.invalid_counts.iter().sum()
    }

    /// The next record.
    pub fn record(&mut self) -> Value {
        let record_index = self.next_record;
        self.next_record += 1;
        let stream = self.rng.below(N_STREAMS);
        // Between one second and about two hours after the stream's previous message.
        self.stream_clocks[stream] += 1_000 + self.rng.below(7_200_000) as i64;
        let mut record = Map::new();

        let shape = self.rng.below(100);
        let (message, data) = match shape {
            0..=54 => (self.short_message(), None),
            55..=84 => (self.rich_message(), None),
            _ => {
                let (message, data) = self.entity_message(record_index);
                (message, Some(data))
            }
        };
        record.insert("message".into(), Value::String(message));
        if let Some(data) = data {
            record.insert("data".into(), Value::String(data));
        }
        if self.rng.chance(50) {
            record.insert("format".into(), json!("MESSAGEML"));
        }
        record.insert("intendedMessageTimestamp".into(), json!(self.stream_clocks[stream]));
        record.insert("intendedMessageFromUserId".into(), json!(*self.rng.pick(&self.user_ids)));
        record.insert("originatingSystemId".into(), json!("slack"));
        record.insert("originalMessageId".into(), json!(original_message_id(record_index)));
        record.insert("streamId".into(), json!(self.stream_ids[stream]));
        if self.rng.chance(60) {
            self.add_attachments(&mut record);
        }

        if self.rng.chance(self.invalid_per_mille) {
            let mut kind = InvalidKind::ALL[self.rng.below(InvalidKind::ALL.len())];
            if kind == InvalidKind::DuplicateOriginalMessageId && record_index == 0 {
                // Nothing earlier to repeat.
                kind = InvalidKind::MissingStreamId;
            }
            if let Some(kind_index) = InvalidKind::ALL.iter().position(|candidate| *candidate == kind) {
                self.invalid_counts[kind_index] += 1;
            }
            self.break_record(&mut record, kind, record_index);
        }
        Value::Object(record)
    }

    fn words(&mut self, count: usize) -> String {
        let mut text = String::new();
        for index in 0..count {
            if index > 0 {
                text.push(' ');
            }
            let word = *self.rng.pick(WORDS);
            text.push_str(word);
        }
        text
    }

    fn short_message(&mut self) -> String {
        let count = 2 + self.rng.below(14);
        let mut text = escape_xml(&self.words(count));
        if self.rng.chance(200) {
            text.push_str(" &amp; 5 &lt; 6");
        }
        format!("<messageML>{text}</messageML>")
    }

    fn rich_message(&mut self) -> String {
        let mut body = String::new();
        let n_blocks = 1 + self.rng.below(4);
        for _ in 0..n_blocks {
            match self.rng.below(7) {
                0 => body.push_str(&format!("<p>{} <b>{}</b> {}</p>", self.words(5), self.words(2), self.words(4))),
                1 => body.push_str(&format!(
                    "<p>See <a href=\"https://example.com/tickets/{}\">ticket {}</a>, <i>{}</i></p>",
                    self.rng.below(90_000),
                    self.rng.below(90_000),
                    self.words(3)
                )),
                2 => {
                    body.push_str("<ul>");
                    for _ in 0..1 + self.rng.below(4) {
                        body.push_str(&format!("<li>{}</li>", self.words(4)));
                    }
                    body.push_str("</ul>");
                }
                3 => body.push_str(&format!(
                    "<p>cc <mention uid=\"{}\"/> on <hash tag=\"{}\"/> and <cash tag=\"{}\"/></p>",
                    self.rng.pick(&self.user_ids),
                    self.rng.pick(HASHTAGS),
                    self.rng.pick(CASHTAGS)
                )),
                4 => {
                    body.push_str("<table><tr><th>Ticker</th><th>Price</th></tr>");
                    for _ in 0..1 + self.rng.below(3) {
                        body.push_str(&format!(
                            "<tr><td>{}</td><td>{}.{:02}</td></tr>",
                            self.rng.pick(CASHTAGS),
                            self.rng.below(500),
                            self.rng.below(100)
                        ));
                    }
                    body.push_str("</table>");
                }
                5 => body.push_str(&format!("<code>let x = {};</code><br/>", self.rng.below(1000))),
                _ => body.push_str(&format!(
                    "<div style=\"color:red\">{} <span class=\"tempo-text-color--green\">{}</span></div>",
                    self.words(3),
                    self.words(2)
                )),
            }
        }
        format!("<messageML>{}</messageML>", escape_text_outside_tags(&body))
    }

    fn entity_message(&mut self, record_index: usize) -> (String, String) {
        let entity_id = format!("obj{record_index}");
        let ticker = *self.rng.pick(CASHTAGS);
        let message = format!(
            "<messageML><div class=\"entity\" data-entity-id=\"{entity_id}\"><card iconSrc=\"https://example.com/icon.png\" \
             accent=\"tempo-bg-color--blue\"><header><b>{ticker}</b> {}</header><body>{}</body></card></div></messageML>",
            escape_xml(&self.words(4)),
            escape_xml(&self.words(12)),
        );
        let data = json!({
            entity_id: {
                "type": "com.example.tradeIdea",
                "version": "1.0",
                "id": [{"type": "org.symphonyoss.fin.security.id.ticker", "value": ticker}],
                "price": self.rng.below(50_000) as f64 / 100.0,
                "author": {"name": self.words(2)},
            }
        });
        (message, data.to_string())
    }

    fn add_attachments(&mut self, record: &mut Map<String, Value>) {
        let n_files = 1 + self.rng.below(3);
        let mut attachments = Vec::new();
        let mut previews = Vec::new();
        let with_previews = self.rng.chance(300);
        for index in 0..n_files {
            let size = 128 + self.rng.below(6 * 1024);
            let content: Vec<u8> = (0..size).map(|_| self.rng.next_u64() as u8).collect();
            let name = self.rng.pick(ATTACHMENT_NAMES);
            attachments.push(json!({"filename": format!("{index}-{name}"), "content": STANDARD.encode(&content)}));
            if with_previews {
                // A thumbnail: the PNG signature, then bytes that stand for the image data.
                let mut preview = b"\x89PNG\r\n\x1a\n".to_vec();
                preview.extend((0..64 + self.rng.below(512)).map(|_| self.rng.next_u64() as u8));
                previews.push(json!({"filename": format!("{index}-preview.png"), "content": STANDARD.encode(&preview)}));
            }
        }
        record.insert("attachments".into(), Value::Array(attachments));
        if with_previews {
            record.insert("previews".into(), Value::Array(previews));
        }
    }

    fn break_record(&mut self, record: &mut Map<String, Value>, kind: InvalidKind, record_index: usize) {
        match kind {
            InvalidKind::TimestampInFuture => {
                record.insert("intendedMessageTimestamp".into(), json!(NOW_MILLIS + 86_400_000));
            }
            InvalidKind::NegativeTimestamp => {
                record.insert("intendedMessageTimestamp".into(), json!(-1_433_045_622_000_i64));
            }
            InvalidKind::MissingStreamId => {
                record.remove("streamId");
            }
            InvalidKind::UserIdAsString => {
                let user = self.rng.pick(&self.user_ids).to_string();
                record.insert("intendedMessageFromUserId".into(), Value::String(user));
            }
            InvalidKind::AttachmentNotBase64 => {
                record.insert("attachments".into(), json!([{"filename": "broken.txt", "content": "aGVsbG8*d29ybGQ="}]));
                record.remove("previews");
            }
            InvalidKind::PreviewCountMismatch => {
                record.insert(
                    "attachments".into(),
                    json!([{"filename": "a.txt", "content": "aGVsbG8="}, {"filename": "b.txt", "content": "aGk="}]),
                );
                record.insert("previews".into(), json!([{"filename": "a.png", "content": "aGVsbG8="}]));
            }
            InvalidKind::UnknownElement => {
                record.insert("message".into(), json!(format!("<messageML><blink>{}</blink></messageML>", self.words(3))));
                record.remove("data");
            }
            InvalidKind::UnclosedTag => {
                record.insert("message".into(), json!(format!("<messageML><b>{}</messageML>", self.words(3))));
                record.remove("data");
            }
            InvalidKind::DataNotJson => {
                record.insert("data".into(), json!("{obj1: 'not json'"));
            }
            InvalidKind::DuplicateOriginalMessageId => {
                // Repeat an id an earlier record still carries (not one itself replaced by a repeat), so that
                // every repeat is one duplicate the Agent would ignore.
                // Record 0 is never a repeat, so it is the fallback when the draws keep finding repeats.
                let earlier = (0..16)
                    .map(|_| self.rng.below(record_index))
                    .find(|candidate| !self.repeated_ids.contains(candidate))
                    .unwrap_or(0);
                self.repeated_ids.insert(record_index);
                record.insert("originalMessageId".into(), json!(original_message_id(earlier)));
            }
        }
    }
}

/// The original system's id of record `index`: a Slack-like `channel:ts` pair, unique per index.
fn original_message_id(index: usize) -> String {
    format!("C024BE91L:{}.{:06}", 1_546_300_800 + index / 1000, index % 1000)
}

/// Escapes the `'` of words like "let's" that rich messages put between tags (the tags themselves never
/// contain one).
fn escape_text_outside_tags(markup: &str) -> String {
    markup.replace('\'', "&apos;")
}

/// Writes `n_records` records as one JSON array, one record per line, and returns the generator (for its
/// counts).
///
/// # Errors
/// When writing fails.
pub fn write_json_array(writer: &mut impl Write, seed: u64, n_records: usize) -> io::Result<Generator> {
    let mut generator = Generator::new(seed);
    writer.write_all(b"[\n")?;
    for index in 0..n_records {
        if index > 0 {
            writer.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut *writer, &generator.record())?;
    }
    writer.write_all(b"\n]\n")?;
    Ok(generator)
}

/// Writes NDJSON records until at least `min_bytes` are written; returns the number of records and bytes.
///
/// # Errors
/// When writing fails.
pub fn write_ndjson(writer: &mut impl Write, seed: u64, min_bytes: u64) -> io::Result<(usize, u64)> {
    let mut generator = Generator::new(seed);
    let mut written: u64 = 0;
    let mut n_records = 0;
    let mut line = Vec::with_capacity(16 * 1024);
    while written < min_bytes {
        line.clear();
        serde_json::to_writer(&mut line, &generator.record())?;
        line.push(b'\n');
        writer.write_all(&line)?;
        written += line.len() as u64;
        n_records += 1;
    }
    Ok((n_records, written))
}

/// `cargo xtask gen [--seed N] (--records N | --bytes N) FILE`: writes a generated batch to `FILE`, as NDJSON
/// when its name ends in `.ndjson`, otherwise as a JSON array (`--records` only).
///
/// # Errors
/// When the arguments are wrong or the file cannot be written.
pub fn run(args: &[String]) -> anyhow::Result<()> {
    use anyhow::{bail, Context};
    let usage = "usage: cargo xtask gen [--seed N] (--records N | --bytes N) FILE (.ndjson for NDJSON)";
    let (mut seed, mut records, mut bytes, mut path) = (42_u64, None, None, None);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => seed = args.next().context(usage)?.parse().context("--seed")?,
            "--records" => records = Some(args.next().context(usage)?.parse::<usize>().context("--records")?),
            "--bytes" => bytes = Some(args.next().context(usage)?.parse::<u64>().context("--bytes")?),
            other if !other.starts_with("--") && path.is_none() => path = Some(std::path::PathBuf::from(other)),
            _ => bail!(usage),
        }
    }
    let path = path.context(usage)?;
    let ndjson = path.extension().is_some_and(|extension| extension == "ndjson");
    if bytes.is_some() == records.is_some() || (bytes.is_some() && !ndjson) {
        bail!(usage);
    }
    let file = std::fs::File::create(&path).with_context(|| format!("could not create {}", path.display()))?;
    let mut writer = io::BufWriter::new(file);
    let (n_records, n_invalid) = match (records, bytes, ndjson) {
        (Some(n_records), None, false) => {
            let generator = write_json_array(&mut writer, seed, n_records)?;
            (n_records, Some(generator.n_invalid()))
        }
        (Some(n_records), None, true) => {
            let mut generator = Generator::new(seed);
            for _ in 0..n_records {
                serde_json::to_writer(&mut writer, &generator.record())?;
                writer.write_all(b"\n")?;
            }
            (n_records, Some(generator.n_invalid()))
        }
        (None, Some(min_bytes), true) => (write_ndjson(&mut writer, seed, min_bytes)?.0, None),
        _ => bail!(usage),
    };
    writer.flush()?;
    let invalid = n_invalid.map_or(String::new(), |count| format!(", {count} made invalid"));
    println!("wrote {n_records} records to {}{invalid}", path.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_bytes_other_seed_other_bytes() {
        let generate = |seed| {
            let mut bytes = Vec::new();
            write_json_array(&mut bytes, seed, 200).unwrap();
            bytes
        };
        assert_eq!(generate(7), generate(7));
        assert_ne!(generate(7), generate(8));
    }

    #[test]
    fn batch_is_a_json_array_of_records_with_the_required_fields_mostly() {
        let mut bytes = Vec::new();
        let generator = write_json_array(&mut bytes, 1, 5_000).unwrap();
        let records: Vec<Value> = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(records.len(), 5_000);
        // About 3% invalid: between 2% and 4% on 5,000 records.
        let invalid = generator.n_invalid();
        assert!((100..=200).contains(&invalid), "{invalid} invalid records");
        let complete = records
            .iter()
            .filter(|record| {
                ["message", "intendedMessageTimestamp", "intendedMessageFromUserId", "originatingSystemId", "streamId"]
                    .iter()
                    .all(|field| record.get(field).is_some())
            })
            .count();
        assert!(complete >= 5_000 - invalid);
        // Every shape occurs.
        let has = |predicate: &dyn Fn(&Value) -> bool| records.iter().any(predicate);
        assert!(has(&|record| record.get("data").is_some()));
        assert!(has(&|record| record.get("previews").is_some()));
        assert!(has(&|record| record["message"].as_str().is_some_and(|text| text.contains("<table>"))));
        assert!(has(&|record| record["intendedMessageFromUserId"].as_u64().is_some_and(|id| id > 1 << 53)));
        assert!(generator.invalid_counts.iter().all(|&count| count > 0), "{:?}", generator.invalid_counts);
    }

    #[test]
    fn valid_messages_are_well_formed_xml() {
        let mut generator = Generator::with_invalid_per_mille(3, 0);
        for _ in 0..2_000 {
            let record = generator.record();
            let message = record["message"].as_str().unwrap();
            let mut reader = quick_xml::Reader::from_str(message);
            let mut depth = 0_i32;
            loop {
                match reader.read_event() {
                    Ok(quick_xml::events::Event::Start(_)) => depth += 1,
                    Ok(quick_xml::events::Event::End(_)) => depth -= 1,
                    Ok(quick_xml::events::Event::Eof) => break,
                    Ok(_) => {}
                    Err(error) => panic!("{error}: {message}"),
                }
            }
            assert_eq!(depth, 0, "{message}");
            if let Some(data) = record.get("data") {
                let parsed: Value = serde_json::from_str(data.as_str().unwrap()).unwrap();
                assert!(parsed.is_object());
            }
        }
    }

    #[test]
    fn the_core_finds_exactly_the_records_made_invalid() {
        for seed in [11, 12] {
            let mut bytes = Vec::new();
            let generator = write_json_array(&mut bytes, seed, 3_000).unwrap();
            let options = ferry_core::Options::new(ferry_core::Target::Symphony, NOW_MILLIS);
            let report = ferry_core::validate(&bytes, &options);
            assert_eq!(report.summary.records, 3_000);
            assert_eq!(report.summary.records_with_errors, generator.n_invalid(), "seed {seed}");
        }
    }

    #[test]
    fn ndjson_stops_after_the_requested_size() {
        let mut bytes = Vec::new();
        let (n_records, written) = write_ndjson(&mut bytes, 5, 100_000).unwrap();
        assert_eq!(written, bytes.len() as u64);
        assert!(written >= 100_000);
        assert_eq!(bytes.iter().filter(|&&byte| byte == b'\n').count(), n_records);
        for line in bytes.split(|&byte| byte == b'\n').filter(|line| !line.is_empty()) {
            assert!(serde_json::from_slice::<Value>(line).unwrap().is_object());
        }
    }
}

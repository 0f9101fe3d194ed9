//! MessageML / PresentationML validation, agreeing with the Agent's parser (finos/messageml-utils).
//!
//! Entry point: [`check_message`]. Findings are [`Diagnostic`]s pointed at nothing in particular: the caller
//! (the record checks) sets the record index and the JSON pointer (`/message`); spans are byte ranges in the
//! message text, 0-based.
//!
//! The checks answer in the reference's order (blank message, EntityJSON, Freemarker, control characters, XML,
//! EntityJSON references, root, elements), so the first diagnostic is the error the Agent reports, in its
//! wording; the markup is parsed before the three checks ahead of it, whose answer replaces its findings when
//! one fires ([`check_message`]). Invariants: no panic on any input; the work is linear in the message length
//! apart from the per-element checks, which look at an element's own children; nesting depth is bounded
//! ([`xml::MAX_DEPTH`]); attribute values longer than [`MAX_ATTRIBUTE_BYTES`] are refused.

mod assembly;
pub mod elements;
pub mod entity_json;
pub mod forms;
pub mod freemarker;
mod jackson;
pub mod mention_groups;
pub mod rules;
pub mod style;
pub mod xml;

use std::cell::RefCell;
use std::ops::Range;


use crate::diagnostic::Diagnostic;
use crate::registry::Rule;
use elements::{Checker, Format};
use entity_json::EntityJson;
use xml::{parse_document_in, Buffers, XmlFaultKind};

/// Longest attribute value accepted, in bytes; longer ones are refused before any check looks at them.
pub const MAX_ATTRIBUTE_BYTES: usize = 1 << 20;

/// Knobs of MessageML validation that depend on the pod.
#[derive(Clone, Debug)]
pub struct MessageMlOptions {
    /// URI schemes the pod accepts in `a href`, lowercase. A pod with default settings accepts http and https.
    pub allowed_uri_schemes: Vec<String>,
}

impl Default for MessageMlOptions {
    fn default() -> Self {
        MessageMlOptions { allowed_uri_schemes: vec!["http".to_owned(), "https".to_owned()] }
    }
}

/// Storage kept between messages on one thread, so that checking a batch does not allocate per message.
#[derive(Default)]
struct Scratch {
    xml: Buffers,
    tree: elements::Storage,
}

/// Messages with more nodes than this do not keep their storage for the next message.
const MAX_KEPT_NODES: usize = 1 << 16;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `work` with this thread's storage, used where it lies rather than moved out of the thread-local slot
/// and back (each move copies it).
fn with_scratch<T>(work: impl FnOnce(&mut Scratch) -> T) -> T {
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let output = work(&mut scratch);
            if scratch.tree.capacity() > MAX_KEPT_NODES {
                *scratch = Scratch::default();
            }
            output
        }
        // Only a check made while another one holds the storage gets here; it works in storage of its own.
        Err(_) => work(&mut Scratch::default()),
    })
}

/// Checks one message's MessageML, with the record's EntityJSON `data` when it has one.
///
/// Returns every finding; the first one is the error the reference parser would report.
pub fn check_message(message: &str, data: Option<&str>, options: &MessageMlOptions) -> Vec<Diagnostic> {
    let whole = 0..message.len();
    let empty = || vec![finding(Rule::EmptyMessage, "Error parsing message: the message cannot be null or empty", whole.clone())];
    let parsed = match data {
        Some(data) => entity_json::parse_entity_json(data),
        None => Ok(EntityJson::default()),
    };
    let entity_json = match parsed {
        Ok(object) => object,
        Err(_) if xml::is_blank(message) => return empty(),
        Err(error) => return vec![finding(error.rule, error.message, whole)],
    };
    // The markup is checked before the checks that come first in the reference's order, whose answer then
    // replaces it: most messages pass those, and they cost little once the parse has brought the text into the
    // cache (the text's first reading is the slowest; done by a pass of their own, it stalled them).
    let markup = with_scratch(|scratch| check_markup(message, &entity_json, options, scratch, false));
    // Only a message whose markup has no root element at all can be blank.
    let no_root = markup.first().is_some_and(|finding| matches!(finding.rule, Rule::PlainTextMessage | Rule::MalformedXml));
    if no_root && xml::is_blank(message) {
        return empty();
    }
    match prescan(message.as_bytes()) {
        Prescan { template: true, .. } => check_template(message, &entity_json, options),
        Prescan { control: Some(position), .. } => control_character_at(position),
        // The few texts that may hold what XML refuses in character data are parsed again, looking for it.
        Prescan { control: None, character_data: true, .. } => {
            with_scratch(|scratch| check_markup(message, &entity_json, options, scratch, true))
        }
        Prescan { control: None, character_data: false, .. } => markup,
    }
}

fn finding(rule: Rule, message: impl Into<String>, span: Range<usize>) -> Diagnostic {
    Diagnostic::new(rule, message).with_span(span)
}

/// A message the Agent expands first: report certain template errors, else check the masked markup.
fn check_template(message: &str, entity_json: &EntityJson<'_>, options: &MessageMlOptions) -> Vec<Diagnostic> {
    let scan = freemarker::scan(message, entity_json);
    if let Some((text, span)) = scan.error {
        return vec![finding(Rule::FreemarkerTemplateError, text, span)];
    }
    let mut output: Vec<Diagnostic> = check_expanded(&scan.masked, entity_json, options)
        .into_iter()
        .filter(|diagnostic| {
            let span = diagnostic.location.span.map_or(0..0, |span| span.start..span.end);
            !overlaps_any(&scan.regions, &span)
        })
        .map(|mut diagnostic| {
            // A fix computed on the masked text would write the mask back.
            diagnostic.fix = None;
            diagnostic
        })
        .collect();
    output.push(finding(
        Rule::FreemarkerNotExpanded,
        "The message is a Freemarker template: the Agent validates its expansion, which cannot be known without expanding it; only the markup outside the template constructs was checked",
        0..message.len(),
    ));
    output
}

/// A byte below U+0020 other than tab, line feed and carriage return: the Agent refuses the message.
fn is_control(byte: u8) -> bool {
    (byte < 0x20) & (byte != b'\t') & (byte != b'\n') & (byte != b'\r')
}

/// What one pass over the raw text finds before any parsing.
#[derive(Debug, PartialEq, Eq)]
struct Prescan {
    /// The Agent expands the text as a Freemarker template ([`freemarker::opens_template`]).
    template: bool,
    /// The first byte below U+0020 other than tab, line feed and carriage return (not searched in a template).
    control: Option<usize>,
    /// Whether the text has what XML refuses in character data (`]]>`, U+FFFE, U+FFFF; not searched in a
    /// template); the first bytes of those (`]`, 0xEF) make a block looked at byte by byte.
    character_data: bool,
}

/// Finds, in one pass, whether the text is a template and where its first control character is.
///
/// Messages are short and most have neither: 64-byte blocks (the last one padded) are tested for the few bytes
/// that matter without branches (the compiler vectorises it), and only a block that has one is looked at byte by
/// byte.
fn prescan(bytes: &[u8]) -> Prescan {
    let is_marker = |byte: u8| (byte == b'#') | (byte == b'@') | (byte == b'$');
    let blocks = bytes.chunks_exact(BLOCK);
    let tail = blocks.remainder();
    let tail_offset = bytes.len() - tail.len();
    let flagged_blocks = blocks
        .enumerate()
        .map(|(index, block)| (index * BLOCK, block, <&[u8; BLOCK]>::try_from(block).map_or(MATTERS, block_flags)))
        .filter(|(_, _, flags)| *flags != 0);
    let tail_flags = block_flags(&padded(tail));
    let flagged_tail = (tail_flags != 0).then_some((tail_offset, tail, tail_flags));
    let mut control = None;
    let mut character_data = false;
    for (offset, block, flags) in flagged_blocks.chain(flagged_tail) {
        if flags & MATTERS == 0 {
            // Only a `]` or a 0xEF byte: look at those alone.
            character_data |= !character_data
                && block.iter().enumerate().any(|(index, byte)| {
                    may_start_refused(*byte) && refused_in_character_data(&bytes[offset + index..])
                });
            continue;
        }
        for (index, byte) in block.iter().enumerate() {
            if is_marker(*byte) && freemarker::opens_template(bytes, offset + index) {
                return Prescan { template: true, control: None, character_data: false };
            }
            if control.is_none() && is_control(*byte) {
                control = Some(offset + index);
            }
            if may_start_refused(*byte) {
                character_data |= refused_in_character_data(&bytes[offset + index..]);
            }
        }
    }
    Prescan { template: false, control, character_data }
}

/// Whether `bytes` start with what XML refuses in character data: `]]>`, U+FFFE or U+FFFF (bytes EF BF BE/BF).
fn refused_in_character_data(bytes: &[u8]) -> bool {
    matches!(bytes, [b']', b']', b'>', ..] | [0xEF, 0xBF, 0xBE | 0xBF, ..])
}

/// Bytes per block of [`prescan`]'s bulk test.
const BLOCK: usize = 64;

/// [`block_flags`]: the block has a byte that [`may_matter`].
const MATTERS: u8 = 1;
/// [`block_flags`]: the block has a byte that [`may_start_refused`] (and maybe none that matters).
const MAY_REFUSE: u8 = 2;

/// What a block has that [`prescan`] must look at ([`MATTERS`], [`MAY_REFUSE`]). Also [`MATTERS`] for tab, line
/// feed and carriage return: fewer operations per byte, and a block that has one is only looked at more closely.
/// Taking an array, of a length known when compiled, lets the test run on many bytes at once.
fn block_flags(block: &[u8; BLOCK]) -> u8 {
    block.iter().fold(0, |flags, byte| {
        flags | (u8::from(may_matter(*byte)) * MATTERS) | (u8::from(may_start_refused(*byte)) * MAY_REFUSE)
    })
}

/// The last, partial block of [`prescan`] filled up with spaces (which do not matter), to be tested whole.
fn padded(tail: &[u8]) -> [u8; BLOCK] {
    let mut block = [b' '; BLOCK];
    if let Some(start) = block.get_mut(..tail.len()) {
        start.copy_from_slice(tail);
    }
    block
}

/// Whether [`prescan`] must look at a byte (see [`block_flags`]).
fn may_matter(byte: u8) -> bool {
    (byte < 0x20) | (byte.wrapping_sub(b'#') < 2) | (byte == b'@')
}

/// Whether a byte is the first of what XML refuses in character data ([`refused_in_character_data`]).
fn may_start_refused(byte: u8) -> bool {
    (byte == b']') | (byte == 0xEF)
}

/// Whether `span` (an empty span counts as its first byte) overlaps one of `regions` (sorted, disjoint).
fn overlaps_any(regions: &[Range<usize>], span: &Range<usize>) -> bool {
    let end = span.end.max(span.start + 1);
    let first_ending_after = regions.partition_point(|region| region.end <= span.start);
    regions.get(first_ending_after).is_some_and(|region| region.start < end)
}

/// The markup checks of a template's masked text (where template markers no longer count).
fn check_expanded(message: &str, entity_json: &EntityJson<'_>, options: &MessageMlOptions) -> Vec<Diagnostic> {
    match message.bytes().position(is_control) {
        Some(position) => control_character_at(position),
        None => with_scratch(|scratch| check_markup(message, entity_json, options, scratch, true)),
    }
}

fn control_character_at(position: usize) -> Vec<Diagnostic> {
    vec![finding(Rule::ControlCharacters, "Invalid control characters in message", position..position + 1)]
}

/// The checks after the control characters: XML, EntityJSON references, root, elements.
fn check_markup(
    message: &str,
    entity_json: &EntityJson<'_>,
    options: &MessageMlOptions,
    scratch: &mut Scratch,
    check_character_data: bool,
) -> Vec<Diagnostic> {
    let document = match parse_document_in(message, std::mem::take(&mut scratch.xml), check_character_data) {
        Ok(document) => document,
        Err(fault) => {
            let text = format!("Invalid messageML: {}", fault.message);
            return vec![match fault.kind {
                XmlFaultKind::NoRootElement => {
                    finding(Rule::PlainTextMessage, text, 0..message.len()).with_fix(crate::fix::wrap_message_fix(message))
                }
                XmlFaultKind::Doctype => finding(Rule::DoctypeRefused, text, fault.span),
                XmlFaultKind::TooDeep => finding(Rule::NestingTooDeep, fault.message, fault.span),
                XmlFaultKind::Malformed => finding(Rule::MalformedXml, text, fault.span),
            }];
        }
    };
    let is_entity_reference = |attribute: &&xml::Attribute| document.attribute_is(attribute, "data-entity-id");
    let mut has_entity_reference = false;
    for attribute in &document.attributes {
        if attribute.value.len() > MAX_ATTRIBUTE_BYTES {
            return vec![finding(
                Rule::NestingTooDeep,
                format!("Attribute \"{}\" is longer than {MAX_ATTRIBUTE_BYTES} bytes", document.attribute_name(attribute)),
                attribute.span.clone(),
            )];
        }
        has_entity_reference |= is_entity_reference(&attribute);
    }
    // EntityJSON references are checked for the whole document before the root tag (most documents have none).
    let with_references: &[xml::Attribute] = if has_entity_reference { &document.attributes } else { &[] };
    for attribute in with_references.iter().filter(is_entity_reference) {
        let id = document.attribute_value(attribute);
        match entity_json.find_path(&id) {
            None => {
                return vec![finding(
                    Rule::EntityDataMissing,
                    format!("Error processing EntityJSON: no entity data provided for \"data-entity-id\"=\"{id}\""),
                    attribute.span.clone(),
                )]
            }
            Some(value) if !value.is_object() => {
                return vec![finding(
                    Rule::EntityDataMissing,
                    format!("Error processing EntityJSON: the node \"{id}\" has to be an object"),
                    attribute.span.clone(),
                )]
            }
            Some(_) => {}
        }
    }
    let format = match document.name(document.root) {
        "messageML" => Format::MessageMl,
        "div" => Format::PresentationMl,
        _ => {
            let span = document.nodes[document.root].start_tag.clone();
            return vec![finding(Rule::InvalidRoot, "Root tag must be <messageML> or <div>", span)];
        }
    };
    let mut checker = Checker::new(&document, entity_json, options, format, &mut scratch.tree);
    checker.check_root();
    let findings = checker.finish();
    scratch.xml = document.into_buffers();
    findings
}

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

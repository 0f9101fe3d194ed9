//! MessageML / PresentationML validation, agreeing with the Agent's parser (finos/messageml-utils).
//!
//! Entry point: [`check_message`]. Findings are [`Diagnostic`]s pointed at nothing in particular: the caller
//! (the record checks) sets the record index and the JSON pointer (`/message`); spans are byte ranges in the
//! message text, 0-based.
//!
//! The checks run in the reference's order (blank message, EntityJSON, Freemarker, control characters, XML,
//! EntityJSON references, root, elements), so the first diagnostic is the error the Agent reports, in its
//! wording. Invariants: no panic on any input; the work is linear in the message length apart from the
//! per-element checks, which look at an element's own children; nesting depth is bounded
//! ([`xml::MAX_DEPTH`]); attribute values longer than [`MAX_ATTRIBUTE_BYTES`] are refused.

pub mod elements;
pub mod entity_json;
pub mod forms;
pub mod freemarker;
pub mod rules;
pub mod style;
pub mod xml;

use std::ops::Range;

use serde_json::{json, Map};

use crate::diagnostic::{Diagnostic, Edit, Fix, Severity};
use crate::registry::Rule;
use elements::{Checker, Finding, Format};
use xml::{parse_document, XmlFaultKind};

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

/// Checks one message's MessageML, with the record's EntityJSON `data` when it has one.
///
/// Returns every finding; the first one is the error the reference parser would report.
pub fn check_message(message: &str, data: Option<&str>, options: &MessageMlOptions) -> Vec<Diagnostic> {
    let findings = check_findings(message, data, options);
    findings.into_iter().map(|(finding, severity, fix)| {
        let mut diagnostic = Diagnostic::new(finding.rule, finding.message).with_span(finding.span);
        if let Some(severity) = severity {
            diagnostic = diagnostic.with_severity(severity);
        }
        if let Some(fix) = fix {
            diagnostic = diagnostic.with_fix(fix);
        }
        diagnostic
    }).collect()
}

type Output = Vec<(Finding, Option<Severity>, Option<Fix>)>;

fn finding(rule: Rule, message: impl Into<String>, span: Range<usize>) -> (Finding, Option<Severity>, Option<Fix>) {
    (Finding { rule, message: message.into(), span }, None, None)
}

/// XML-escapes text for use as element content.
fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len() + 16);
    for character in text.chars() {
        match character {
            '<' => escaped.push_str("&lt;"),
            '&' => escaped.push_str("&amp;"),
            '>' => escaped.push_str("&gt;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

fn check_findings(message: &str, data: Option<&str>, options: &MessageMlOptions) -> Output {
    let whole = 0..message.len();
    if xml::is_blank(message) {
        return vec![finding(Rule::EmptyMessage, "Error parsing message: the message cannot be null or empty", whole)];
    }
    let entity_json = match entity_json::parse_entity_json(data.unwrap_or("")) {
        Ok(object) => object.unwrap_or_default(),
        Err(error) => return vec![finding(Rule::MalformedEntityJson, error, whole)],
    };
    if freemarker::is_template(message) {
        return check_template(message, &entity_json, options);
    }
    check_expanded(message, &entity_json, options)
}

/// A message the Agent expands first: report certain template errors, else check the masked markup.
fn check_template(message: &str, entity_json: &Map<String, serde_json::Value>, options: &MessageMlOptions) -> Output {
    let scan = freemarker::scan(message, entity_json);
    if let Some((text, span)) = scan.error {
        return vec![finding(Rule::FreemarkerTemplateError, text, span)];
    }
    let mut output: Output = check_expanded(&scan.masked, entity_json, options)
        .into_iter()
        .filter(|(found, _, _)| {
            !scan.regions.iter().any(|region| region.start < found.span.end.max(found.span.start + 1) && found.span.start < region.end)
        })
        .map(|(found, severity, _)| (found, severity, None))
        .collect();
    output.push(finding(
        Rule::FreemarkerNotExpanded,
        "The message is a Freemarker template: the Agent validates its expansion, which cannot be known without expanding it; only the markup outside the template constructs was checked",
        0..message.len(),
    ));
    output
}

fn check_expanded(message: &str, entity_json: &Map<String, serde_json::Value>, options: &MessageMlOptions) -> Output {
    if let Some(position) = message.bytes().position(|byte| byte < 0x20 && !matches!(byte, b'\t' | b'\n' | b'\r')) {
        return vec![finding(Rule::ControlCharacters, "Invalid control characters in message", position..position + 1)];
    }
    let document = match parse_document(message) {
        Ok(document) => document,
        Err(fault) => {
            let text = format!("Invalid messageML: {}", fault.message);
            return vec![match fault.kind {
                XmlFaultKind::NoRootElement => {
                    let wrapped = format!("<messageML>{}</messageML>", escape_text(message));
                    let fix = Fix {
                        title: "Wrap the text in <messageML> and escape it".to_owned(),
                        edits: vec![Edit { pointer: "/message".into(), value: json!(wrapped) }],
                    };
                    (Finding { rule: Rule::PlainTextMessage, message: text, span: 0..message.len() }, None, Some(fix))
                }
                XmlFaultKind::Doctype => finding(Rule::DoctypeRefused, text, fault.span),
                XmlFaultKind::TooDeep => finding(Rule::NestingTooDeep, fault.message, fault.span),
                XmlFaultKind::Malformed => finding(Rule::MalformedXml, text, fault.span),
            }];
        }
    };
    if let Some(attribute) = document.attributes.iter().find(|attribute| attribute.value.len() > MAX_ATTRIBUTE_BYTES) {
        return vec![finding(
            Rule::NestingTooDeep,
            format!("Attribute \"{}\" is longer than {MAX_ATTRIBUTE_BYTES} bytes", document.attribute_name(attribute)),
            attribute.span.clone(),
        )];
    }
    // EntityJSON references are checked for the whole document before the root tag.
    for attribute in &document.attributes {
        if document.attribute_name(attribute) != "data-entity-id" {
            continue;
        }
        let id = document.attribute_value(attribute);
        match entity_json::find_path(entity_json, &id) {
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
    let mut checker = Checker::new(&document, entity_json, options, format);
    checker.check_root();
    checker.findings.into_iter().map(|found| (found, None, None)).collect()
}

#[cfg(test)]
mod tests;

//! Rule `TEAMS007` ([`TeamsContentNotImported`]): Teams target: part of a message is content Teams' import does
//! not take.

use crate::declare_rule;

declare_rule! {
    /// Teams target: part of a message is content Teams' import does not take; what becomes of each part.
    ///
    /// ## What it does
    /// With `--target teams`, converts the message as `ferry convert --to teams` does and lists, in one
    /// finding per record, each thing the conversion cannot carry over and what happens to it: attachments
    /// other than PNG, JPEG and GIF images (their names are written in the post), PresentationML forms and
    /// Symphony Elements (their labels written as text), structured objects (their presentation text kept),
    /// chimes, emoji without a standard character, linked images, markup that is not MessageML.
    ///
    /// ## Why is this bad?
    /// "Inline images are the only type of media supported by the import message API schema", and the import
    /// takes rich text, mentions and emojis but no forms or cards (`apis-and-peers` §3, from Microsoft's
    /// "Import third-party platform messages to Teams"). Nothing is dropped silently: the finding says what
    /// the Teams post will lack, so it can be moved elsewhere (e.g. files to SharePoint) before the import.
    ///
    /// ## Example
    /// A record with an attachment `report.pdf`: the post says "Attachment not imported: report.pdf".
    pub struct TeamsContentNotImported;
}

use crate::diagnostic::Diagnostic;
use crate::json::JsonString;
use crate::record::RecordChecker;
use crate::registry::Rule;
use crate::teams::Post;

use super::teams_mention_not_mapped::is_unmapped_mention;

/// Reports the post's losses (other than unmapped mentions, `TEAMS006`'s), in one finding.
pub(crate) fn check(checker: &mut RecordChecker<'_>, post: &Post, message: &JsonString<'_>) {
    let lost: Vec<String> = post
        .losses
        .iter()
        .filter(|loss| !is_unmapped_mention(loss))
        .map(|loss| format!("{}: {}", loss.what, loss.fate))
        .collect();
    if lost.is_empty() {
        return;
    }
    checker.emit_at_string(
        Diagnostic::new(
            Rule::TeamsContentNotImported,
            format!("Teams' import does not take all of this message: {}", lost.join("; ")),
        )
        .with_help("move what is lost elsewhere before the import (files to SharePoint), or accept the loss"),
        "/message",
        message,
    );
}

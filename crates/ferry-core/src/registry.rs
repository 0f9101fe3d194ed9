//! The one table of rule codes, and the macro that declares a rule with its documentation.
//!
//! A code is assigned once, here, and never reused: a retired rule keeps its row (marked in its doc) so an
//! old report still explains itself. Codes are a family prefix and three digits (`TS001`).
//!
//! Each rule lives in a file named after the problem it finds and is declared with [`declare_rule!`](crate::declare_rule); its doc
//! comment (first line: one-line summary; then `## What it does`, `## Why is this bad?`, `## Example`) is what
//! `ferry explain CODE` and `docs/rules.md` print.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diagnostic::Severity;
use crate::Target;

/// What every rule declared with [`declare_rule!`](crate::declare_rule) knows about itself.
pub trait RuleDoc {
    /// The rule's name, the problem it finds in CamelCase (`TimestampInFuture`).
    const NAME: &'static str;
    /// The rule's doc comment, raw (each line keeps the space after `///`).
    const DOC: &'static str;
}

/// Declares a rule: a unit struct named after the problem, carrying its doc comment as [`RuleDoc::DOC`].
#[macro_export]
macro_rules! declare_rule {
    ($(#[doc = $doc:literal])+ pub struct $name:ident;) => {
        $(#[doc = $doc])+
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl $crate::registry::RuleDoc for $name {
            const NAME: &'static str = stringify!($name);
            const DOC: &'static str = concat!($($doc, "\n"),+);
        }
    };
}

macro_rules! rule_table {
    ($(($code:literal, $severity:ident, $name:ident in $($module:ident)::+),)+) => {
        /// Every rule, one variant each. Serialized as its code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        #[non_exhaustive]
        pub enum Rule {
            $(
                #[doc = concat!("`", $code, "`: see [`", stringify!($name), "`](crate::", $(stringify!($module), "::",)+ stringify!($name), ").")]
                $name,
            )+
        }

        impl Rule {
            /// Every rule, in code order of the table.
            pub const ALL: &'static [Rule] = &[$(Rule::$name),+];

            /// The rule's code, e.g. `TS001`.
            pub const fn code(self) -> &'static str {
                match self { $(Rule::$name => $code,)+ }
            }

            /// The rule's name, e.g. `TimestampInFuture`.
            pub const fn name(self) -> &'static str {
                match self { $(Rule::$name => <crate::$($module)::+::$name as RuleDoc>::NAME,)+ }
            }

            /// The severity the rule's findings have unless a finding says otherwise.
            pub const fn default_severity(self) -> Severity {
                match self { $(Rule::$name => Severity::$severity,)+ }
            }

            /// The rule's raw doc comment.
            pub const fn raw_doc(self) -> &'static str {
                match self { $(Rule::$name => <crate::$($module)::+::$name as RuleDoc>::DOC,)+ }
            }
        }
    };
}

// code, default severity, rule in module. Append new rows; never renumber or reuse a code.
rule_table! {
    ("JSON001", Error, MalformedJson in rules::malformed_json),
    ("JSON002", Warning, EmptyInput in rules::empty_input),
    ("JSON003", Error, TopLevelNotBatch in rules::top_level_not_batch),
    ("JSON004", Error, RecordNotObject in rules::record_not_object),
    ("JSON005", Error, InvalidUtf8 in rules::invalid_utf8),
    ("JSON006", Error, JsonNestingTooDeep in rules::json_nesting_too_deep),
    ("JSON007", Warning, DuplicateKey in rules::duplicate_key),
    ("SCH001", Error, MissingRequiredField in rules::missing_required_field),
    ("SCH002", Error, WrongFieldType in rules::wrong_field_type),
    ("SCH003", Error, EmptyRequiredField in rules::empty_required_field),
    ("SCH004", Warning, UnknownField in rules::unknown_field),
    ("SCH005", Error, NumberAsString in rules::number_as_string),
    ("SCH006", Error, NumberNotInteger in rules::number_not_integer),
    ("SCH007", Error, NumberOutOfRange in rules::number_out_of_range),
    ("SCH008", Error, EntityDataNotString in rules::entity_data_not_string),
    ("SCH009", Error, StreamIdStandardBase64 in rules::stream_id_standard_base64),
    ("SCH010", Error, StreamIdInvalidCharacter in rules::stream_id_invalid_character),
    ("SCH011", Error, UserIdNotPositive in rules::user_id_not_positive),
    ("TS001", Error, TimestampInFuture in rules::timestamp_in_future),
    ("TS002", Error, TimestampNotPositive in rules::timestamp_not_positive),
    ("TS003", Warning, TimestampInSeconds in rules::timestamp_in_seconds),
    ("TS004", Info, TimestampOutOfOrder in rules::timestamp_out_of_order),
    ("ATT001", Error, AttachmentNotBase64 in rules::attachment_not_base64),
    ("ATT002", Error, AttachmentFilenameWithoutExtension in rules::attachment_filename_without_extension),
    ("ATT003", Error, AttachmentFilenameWithPath in rules::attachment_filename_with_path),
    ("ATT004", Error, AttachmentsTooLarge in rules::attachments_too_large),
    ("ATT005", Warning, TooManyAttachments in rules::too_many_attachments),
    ("ATT006", Error, PreviewCountMismatch in rules::preview_count_mismatch),
    ("ATT007", Warning, PreviewNotImage in rules::preview_not_image),
    ("BATCH001", Error, DuplicateOriginalMessageId in rules::duplicate_original_message_id),
    ("BATCH002", Warning, MissingOriginalMessageId in rules::missing_original_message_id),
    ("LIM001", Error, RecordTooLarge in rules::record_too_large),
    ("LIM002", Error, TooManyEntities in rules::too_many_entities),
    ("LIM003", Error, MessageTooLong in rules::message_too_long),
    ("LIM004", Warning, TooManyUniqueTokens in rules::too_many_unique_tokens),
    ("TEAMS001", Error, TeamsTimestampNotUnique in rules::teams_timestamp_not_unique),
    ("TEAMS002", Error, TeamsTimestampBeforeConversation in rules::teams_timestamp_before_conversation),
    ("ATT008", Warning, AttachmentOverClientLimit in rules::attachment_over_client_limit),
    ("TEAMS003", Error, TeamsMessageTooLarge in rules::teams_message_too_large),
    ("MML001", Error, EmptyMessage in messageml::rules::empty_message),
    ("MML002", Error, PlainTextMessage in messageml::rules::plain_text_message),
    ("MML003", Error, MalformedXml in messageml::rules::malformed_xml),
    ("MML004", Error, DoctypeRefused in messageml::rules::doctype_refused),
    ("MML005", Error, ControlCharacters in messageml::rules::control_characters),
    ("MML006", Error, MalformedEntityJson in messageml::rules::malformed_entity_json),
    ("MML007", Error, EntityDataMissing in messageml::rules::entity_data_missing),
    ("MML008", Error, InvalidRoot in messageml::rules::invalid_root),
    ("MML009", Error, UnknownElement in messageml::rules::unknown_element),
    ("MML010", Error, ElementNotAllowedHere in messageml::rules::element_not_allowed_here),
    ("MML011", Error, AttributeNotAllowed in messageml::rules::attribute_not_allowed),
    ("MML012", Error, MissingAttribute in messageml::rules::missing_attribute),
    ("MML013", Error, InvalidAttributeValue in messageml::rules::invalid_attribute_value),
    ("MML014", Error, HrefNotAbsoluteUri in messageml::rules::href_not_absolute_uri),
    ("MML015", Error, UriSchemeNotAllowed in messageml::rules::uri_scheme_not_allowed),
    ("MML016", Error, InvalidStyle in messageml::rules::invalid_style),
    ("MML017", Error, InvalidFormStructure in messageml::rules::invalid_form_structure),
    ("MML018", Error, DuplicateId in messageml::rules::duplicate_id),
    ("MML019", Info, FreemarkerNotExpanded in messageml::rules::freemarker_not_expanded),
    ("MML020", Error, FreemarkerTemplateError in messageml::rules::freemarker_template_error),
    ("MML021", Error, NestingTooDeep in messageml::rules::nesting_too_deep),
    ("MML022", Info, UnknownMentionUser in messageml::rules::unknown_mention_user),
    ("MML023", Error, ReferenceParserCrash in messageml::rules::reference_parser_crash),
    ("MML024", Info, InstrumentResolvedByPod in messageml::rules::instrument_resolved_by_pod),
    ("POD001", Error, ServiceUserLacksContentManagement in pod::rules::service_user_lacks_content_management),
    ("POD002", Error, SenderNotFound in pod::rules::sender_not_found),
    ("POD003", Error, SenderInactive in pod::rules::sender_inactive),
    ("POD004", Error, SenderNotMember in pod::rules::sender_not_member),
    ("POD005", Error, StreamNotFound in pod::rules::stream_not_found),
    ("POD006", Error, StreamInactive in pod::rules::stream_inactive),
    ("POD007", Error, MentionedUserNotFound in pod::rules::mentioned_user_not_found),
    ("TEAMS004", Error, TeamsSenderNotMapped in rules::teams_sender_not_mapped),
    ("TEAMS005", Error, TeamsStreamNotMapped in rules::teams_stream_not_mapped),
    ("TEAMS006", Warning, TeamsMentionNotMapped in rules::teams_mention_not_mapped),
    ("TEAMS007", Warning, TeamsContentNotImported in rules::teams_content_not_imported),
}

/// The rules that only Symphony's Agent has: its own limits and conventions, which Teams' import does not share,
/// or the pre-flight checks against a Symphony pod. Each is listed, with its documentation source, in
/// `docs/targets.md`.
const SYMPHONY_ONLY: &[Rule] = &[
    Rule::StreamIdStandardBase64,
    Rule::StreamIdInvalidCharacter,
    Rule::AttachmentFilenameWithoutExtension,
    Rule::AttachmentsTooLarge,
    Rule::TooManyAttachments,
    Rule::PreviewCountMismatch,
    Rule::PreviewNotImage,
    Rule::AttachmentOverClientLimit,
    Rule::MissingOriginalMessageId,
    Rule::TooManyEntities,
    Rule::MessageTooLong,
    Rule::TooManyUniqueTokens,
    Rule::UnknownMentionUser,
    Rule::InstrumentResolvedByPod,
    Rule::ServiceUserLacksContentManagement,
    Rule::SenderNotFound,
    Rule::SenderInactive,
    Rule::SenderNotMember,
    Rule::StreamNotFound,
    Rule::StreamInactive,
    Rule::MentionedUserNotFound,
];

impl Rule {
    /// The targets the rule applies to: `[Symphony]`, `[Teams]` or both. This is the one table of
    /// applicability: the record checks emit a finding only when its rule applies to the run's target, and
    /// `docs/rules.md` prints it. Shared are the rules about the input itself (JSON, schema, timestamps, ids)
    /// and MessageML's validity, since the Teams conversion reads the MessageML too.
    pub fn targets(self) -> &'static [Target] {
        if self.code().starts_with("TEAMS") {
            &[Target::Teams]
        } else if SYMPHONY_ONLY.contains(&self) {
            &[Target::Symphony]
        } else {
            &[Target::Symphony, Target::Teams]
        }
    }

    /// Whether the rule applies to `target` (see [`Rule::targets`]).
    pub fn applies_to(self, target: Target) -> bool {
        self.targets().contains(&target)
    }

    /// Looks a rule up by its code, ignoring ASCII case (`ts001` finds `TS001`).
    pub fn from_code(code: &str) -> Option<Rule> {
        Rule::ALL.iter().copied().find(|rule| rule.code().eq_ignore_ascii_case(code))
    }

    /// The doc comment as Markdown, with the space after `///` removed.
    pub fn doc(self) -> String {
        let mut text = String::new();
        for line in self.raw_doc().lines() {
            text.push_str(line.strip_prefix(' ').unwrap_or(line));
            text.push('\n');
        }
        text
    }

    /// The doc comment's first line: the one-line summary.
    pub fn summary(self) -> &'static str {
        let first = self.raw_doc().lines().next().unwrap_or("");
        first.strip_prefix(' ').unwrap_or(first)
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Rule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Rule::from_code(&code).ok_or_else(|| serde::de::Error::custom(format!("unknown rule code `{code}`")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for rule in Rule::ALL {
            let code = rule.code();
            assert!(seen.insert(code), "code {code} is used twice");
            let (prefix, digits) = code.split_at(code.len() - 3);
            assert!(!prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_uppercase()), "{code}");
            assert!(digits.chars().all(|c| c.is_ascii_digit()), "{code}");
        }
    }

    #[test]
    fn every_rule_documents_what_why_and_example() {
        for rule in Rule::ALL {
            let doc = rule.doc();
            assert!(!rule.summary().is_empty(), "{} has no summary line", rule.code());
            for heading in ["## What it does", "## Why is this bad?", "## Example"] {
                assert!(doc.contains(heading), "{} lacks `{heading}`", rule.code());
            }
        }
    }

    #[test]
    fn lookup_by_code_ignores_case() {
        assert_eq!(Rule::from_code("json001"), Some(Rule::MalformedJson));
        assert_eq!(Rule::from_code("NOPE999"), None);
    }
}

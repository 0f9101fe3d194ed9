//! The one table of rule codes, and the macro that declares a rule with its documentation.
//!
//! A code is assigned once, here, and never reused: a retired rule keeps its row (marked in its doc) so an
//! old report still explains itself. Codes are a family prefix and three digits (`TS001`).
//!
//! Each rule lives in a file named after the problem it finds and is declared with [`declare_rule!`]; its doc
//! comment (first line: one-line summary; then `## What it does`, `## Why is this bad?`, `## Example`) is what
//! `ferry explain CODE` and `docs/rules.md` print.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diagnostic::Severity;

/// What every rule declared with [`declare_rule!`] knows about itself.
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
                #[doc = concat!("`", $code, "`: see [`", stringify!($name), "`](crate::", stringify!($($module)::+), "::", stringify!($name), ").")]
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
}

impl Rule {
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

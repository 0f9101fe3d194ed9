//! The notes of `MML022` (a mentioned user is looked up by the pod) grouped: one finding per distinct user, at
//! its first mention, with how many times the batch mentions it.
//!
//! A chat export mentions the same few users thousands of times; one note per mention would drown the errors of
//! a report. A caller that streams findings passes each batch of them through [`MentionGroups::absorb`] and adds
//! [`MentionGroups::finish`]'s findings at the end. Users are told apart by the note's text, which names the
//! user (a `uid`, an `email`, or a mention entity's id).
//!
//! Invariants: every other finding passes through unchanged and in order; memory grows with the number of
//! distinct users, not of mentions.

use std::collections::HashMap;

use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// `MML022` notes counted per user (see the module documentation).
#[derive(Debug, Default)]
pub struct MentionGroups {
    /// The first note of each user, in the order first mentioned, and how many notes name that user.
    groups: Vec<(Diagnostic, usize)>,
    /// A note's text → its place in `groups`.
    by_text: HashMap<String, usize>,
}

impl MentionGroups {
    /// Takes the `MML022` notes out of `findings`, counting them per user, and returns the other findings in
    /// their order.
    pub fn absorb(&mut self, findings: Vec<Diagnostic>) -> Vec<Diagnostic> {
        if !findings.iter().any(|finding| finding.rule == Rule::UnknownMentionUser) {
            return findings;
        }
        let mut others = Vec::with_capacity(findings.len());
        for finding in findings {
            if finding.rule != Rule::UnknownMentionUser {
                others.push(finding);
                continue;
            }
            match self.by_text.get(&finding.message) {
                Some(&index) => {
                    if let Some((_, count)) = self.groups.get_mut(index) {
                        *count += 1;
                    }
                }
                None => {
                    self.by_text.insert(finding.message.clone(), self.groups.len());
                    self.groups.push((finding, 1));
                }
            }
        }
        others
    }

    /// One finding per distinct user, at its first mention, in the order first mentioned; the message of a user
    /// mentioned more than once says how many times.
    pub fn finish(self) -> Vec<Diagnostic> {
        self.groups
            .into_iter()
            .map(|(mut finding, count)| {
                if count > 1 {
                    finding.message =
                        format!("{} (mentioned {count} times in the batch; shown at the first)", finding.message);
                }
                finding
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(user: &str, record: usize) -> Diagnostic {
        let mut finding = Diagnostic::new(Rule::UnknownMentionUser, format!("The user \"{user}\" is looked up"));
        finding.location.record = Some(record);
        finding
    }

    #[test]
    fn one_finding_per_user_with_its_count() {
        let mut groups = MentionGroups::default();
        let error = Diagnostic::new(Rule::MalformedXml, "broken");
        let others = groups.absorb(vec![note("1", 0), error.clone(), note("2", 0), note("1", 1)]);
        assert_eq!(others.iter().map(|finding| finding.rule).collect::<Vec<_>>(), vec![Rule::MalformedXml]);
        assert!(groups.absorb(vec![note("1", 2)]).is_empty());
        let grouped: Vec<(String, Option<usize>)> =
            groups.finish().into_iter().map(|finding| (finding.message, finding.location.record)).collect();
        assert_eq!(
            grouped,
            vec![
                (
                    "The user \"1\" is looked up (mentioned 3 times in the batch; shown at the first)".to_owned(),
                    Some(0)
                ),
                ("The user \"2\" is looked up".to_owned(), Some(0)),
            ]
        );
    }
}

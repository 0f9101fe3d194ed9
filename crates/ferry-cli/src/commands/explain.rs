//! `ferry explain CODE`: prints a rule's documentation, the same text as its section of `docs/rules.md`.

use std::process::ExitCode;

use ferry_core::Rule;

/// Arguments of `ferry explain`.
#[derive(clap::Args)]
pub struct Args {
    /// The rule's code, e.g. `TS001` (case does not matter).
    code: String,
}

/// Runs `ferry explain`: exit 0 with the doc on standard output, or exit 2 with the list of codes on standard
/// error when the code is unknown.
///
/// # Errors
/// None today; the signature is the one every subcommand has.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match Rule::from_code(args.code.trim()) {
        Some(rule) => {
            print!("{}", explanation(rule));
            Ok(ExitCode::SUCCESS)
        }
        None => {
            eprintln!("error: unknown rule code `{}`\n\nknown codes:\n{}", args.code, code_list());
            Ok(ExitCode::from(2))
        }
    }
}

/// The text `ferry explain` prints for a rule: code, name, default severity, then the doc.
pub fn explanation(rule: Rule) -> String {
    format!("{} ({})\nDefault severity: {}\n\n{}", rule.code(), rule.name(), rule.default_severity(), rule.doc())
}

/// One line per rule: `  CODE  Name  summary`.
fn code_list() -> String {
    Rule::ALL
        .iter()
        .map(|rule| format!("  {:<9} {:<32} {}\n", rule.code(), rule.name(), rule.summary()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explanation_starts_with_code_name_and_severity() {
        for rule in Rule::ALL {
            let text = explanation(*rule);
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some(format!("{} ({})", rule.code(), rule.name()).as_str()));
            assert_eq!(lines.next(), Some(format!("Default severity: {}", rule.default_severity()).as_str()));
            assert!(text.contains(rule.summary()));
        }
    }

    #[test]
    fn code_list_names_every_rule() {
        let list = code_list();
        for rule in Rule::ALL {
            assert!(list.contains(rule.code()));
        }
    }
}

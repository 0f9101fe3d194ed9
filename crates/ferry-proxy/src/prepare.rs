//! Preparing an import, the same for `ferry import` and the HTTP API: the input is checked and taken into the
//! journal, the pre-flight looks up what the planned records need, provisions what is missing when asked (and
//! looks again), and the records the pre-flight refuses are excluded. Nothing is sent to the Agent here.

use std::collections::HashMap;
use std::io::Read;

use ferry_core::{Diagnostic, Rule, Severity, Summary};

use crate::client::PodClient;
use crate::error::ProxyError;
use crate::intake::{read_into_journal, Checked, IntakeOptions};
use crate::journal::{Exclusion, Journal};
use crate::preflight::{diagnose, gather_facts, provision, Provisioned, Wanted};

/// An import, checked and pre-flighted, ready to run.
#[derive(Debug)]
pub struct Prepared {
    /// What the checks found and what the journal took.
    pub checked: Checked,
    /// The pre-flight's findings (after provisioning, when asked).
    pub pod_diagnostics: Vec<Diagnostic>,
    /// What provisioning did, when asked.
    pub provisioned: Option<Provisioned>,
    /// Records the pre-flight excluded.
    pub pod_excluded: usize,
}

impl Prepared {
    /// Whether the service user may import at all (it holds Content Management).
    pub fn service_user_can_import(&self) -> bool {
        !self.pod_diagnostics.iter().any(|diagnostic| diagnostic.rule == Rule::ServiceUserLacksContentManagement)
    }

    /// Errors over the checks and the pre-flight.
    pub fn errors(&self) -> usize {
        let pod_errors =
            self.pod_diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error).count();
        self.checked.summary.errors + pod_errors
    }
}

/// Checks `inputs` into `journal` for run `run` ([`Journal::begin_run`]), runs the pre-flight against
/// `client`'s pod, and provisions what is missing when asked.
///
/// # Errors
/// An input or the journal cannot be read or written, or a look-up fails after its retries.
pub async fn prepare(
    client: &PodClient,
    journal: &mut Journal,
    run: i64,
    inputs: Vec<(String, Box<dyn Read + Send>)>,
    intake_options: &IntakeOptions,
    provision_missing: bool,
    on_progress: impl FnMut(&Summary),
) -> Result<Prepared, ProxyError> {
    let checked = read_into_journal(run, inputs, intake_options, journal, on_progress)?;
    let wanted = Wanted::of(&checked.planned);
    let mut facts = gather_facts(client, &wanted).await?;
    let mut pod_diagnostics = diagnose(&facts, &checked.planned);
    let mut provisioned = None;
    if provision_missing && !pod_diagnostics.is_empty() {
        provisioned = Some(provision(client, &facts, &checked.planned, &pod_diagnostics).await?);
        facts = gather_facts(client, &wanted).await?;
        pod_diagnostics = diagnose(&facts, &checked.planned);
    }
    let mut errors_by_record: HashMap<usize, Vec<&Diagnostic>> = HashMap::new();
    for diagnostic in pod_diagnostics.iter().filter(|diagnostic| diagnostic.severity == Severity::Error) {
        if let Some(record) = diagnostic.location.record {
            errors_by_record.entry(record).or_default().push(diagnostic);
        }
    }
    let exclusions: Vec<Exclusion> = checked
        .planned
        .iter()
        .filter_map(|record| {
            let findings = errors_by_record.get(&record.location.record?)?;
            let first = findings.first()?;
            let mut codes: Vec<String> = findings.iter().map(|finding| finding.rule.code().to_owned()).collect();
            codes.dedup();
            Some(Exclusion {
                system_id: record.needs.originating_system_id.clone().unwrap_or_default(),
                message_id: record.needs.original_message_id.clone()?,
                codes,
                message: first.message.clone(),
            })
        })
        .collect();
    let pod_excluded = journal.exclude(&exclusions)?;
    Ok(Prepared { checked, pod_diagnostics, provisioned, pod_excluded })
}

//! Rule `POD001` ([`ServiceUserLacksContentManagement`]): the service user cannot import.

use crate::declare_rule;

declare_rule! {
    /// The service user the import runs as lacks the `CONTENT_MANAGEMENT` role.
    ///
    /// ## What it does
    /// Reports, once per batch, that the service user (the bot whose session calls the Agent) was found in
    /// the pod without the Content Management role. Checked only in a pre-flight against a pod.
    ///
    /// ## Why is this bad?
    /// `POST /agent/v4/message/import` requires the Content Management role; without it every request of the
    /// batch is refused, however correct its records are.
    ///
    /// ## Example
    /// A service user `ferry-bot` whose roles are `["INDIVIDUAL"]`.
    pub struct ServiceUserLacksContentManagement;
}

use super::super::{ServiceUser, CONTENT_MANAGEMENT_ROLE};
use crate::diagnostic::Diagnostic;
use crate::registry::Rule;

/// The finding for `service_user`, unlocated.
pub(crate) fn diagnostic(service_user: &ServiceUser) -> Diagnostic {
    Diagnostic::new(
        Rule::ServiceUserLacksContentManagement,
        format!(
            "the service user `{}` (id {}) lacks the {CONTENT_MANAGEMENT_ROLE} role, which the Agent's import requires",
            service_user.username, service_user.id
        ),
    )
    .with_help("grant the Content Management role to the service user in the pod's admin portal, or import with a service user that has it")
}

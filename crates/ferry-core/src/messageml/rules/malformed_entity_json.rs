use crate::declare_rule;

declare_rule! {
    /// The EntityJSON `data` is not a JSON object.
    ///
    /// ## What it does
    /// Reports `data` that is not JSON, or not an object (a string holding a JSON object is accepted), in the Agent's wording `Error parsing EntityJSON: …`.
    ///
    /// ## Why is this bad?
    /// The Agent reads `data` before the message and rejects the record when it cannot.
    ///
    /// ## Example
    /// ```text
    /// {"message": "<messageML>hi</messageML>", "data": "{invalid: json}"}
    /// ```
    pub struct MalformedEntityJson;
}

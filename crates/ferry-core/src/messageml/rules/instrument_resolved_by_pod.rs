use crate::declare_rule;

declare_rule! {
    /// A financial `<tag>` without `fallback-ticker` depends on the pod finding the instrument.
    ///
    /// ## What it does
    /// Notes each `<tag>` whose `fallback-ticker` is missing or blank but that has an identifying attribute
    /// (`fullbbgcompticker`, `unique-id`, `figi`, `bbgcompticker`, `figi-ticker`, `us-code`, `isin`,
    /// `local-code`): the Agent resolves the instrument through the pod, and rejects the message (`No instrument
    /// found , "fallback-ticker" attribute is required`) when none matches. Whether one matches cannot be known
    /// offline. A `<tag>` with none of them can never resolve: that is an error (`MML012`).
    ///
    /// ## Why is this bad?
    /// A ticker the pod does not know fails the import of the whole message; a `fallback-ticker` makes the
    /// message import either way.
    ///
    /// ## Example
    /// ```text
    /// <messageML><tag fullbbgcompticker="226 HK Equity"/></messageML>
    /// ```
    pub struct InstrumentResolvedByPod;
}

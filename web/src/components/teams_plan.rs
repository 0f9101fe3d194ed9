//! The plan of a Teams import, in place of the Agent's plan when the batch was checked for Teams: the Graph
//! requests per conversation and how long they take at the documented throttling rate (see
//! [`crate::teams_plan`] for the counts and the assumption, which the page states).

use std::rc::Rc;

use ferry_core::humanize::duration;
use ferry_core::teams::MESSAGES_PER_SECOND_PER_CONVERSATION;
use yew::prelude::*;

use crate::components::format::{counted, grouped};
use crate::model::CheckedBatch;
use crate::teams_plan::teams_plan;

/// Most conversations listed; the totals count all of them.
const MAX_LISTED_CONVERSATIONS: usize = 50;

/// Properties of [`TeamsPlanView`].
#[derive(Properties, PartialEq)]
pub struct TeamsPlanViewProps {
    /// The batch, checked for Teams.
    pub batch: Rc<CheckedBatch>,
}

/// The Teams plan.
#[function_component(TeamsPlanView)]
pub fn teams_plan_view(props: &TeamsPlanViewProps) -> Html {
    let plan = use_memo(props.batch.clone(), |batch| teams_plan(batch, batch.teams_directory.as_deref()));
    let batch = &props.batch;
    let unmapped = plan.conversations.iter().filter(|conversation| !conversation.mapped).count();
    html! {
        <section class="plan teams-plan" id="plan" aria-labelledby="teams-plan-title">
            <p>
                <strong id="teams-plan-title">{ "Teams import plan: " }</strong>
                <span id="teams-plan-totals">{ format!(
                    "{} into {}: {} ({} left out for errors), about {} with the conversations in parallel ({} one at a time).",
                    counted(plan.messages, "message"),
                    counted(plan.conversations.len(), "conversation"),
                    counted(plan.requests, "Graph request"),
                    grouped(batch.plan.records_excluded as u64),
                    duration(plan.parallel_millis),
                    duration(plan.sequential_millis),
                ) }</span>
            </p>
            <p class="hint">{ format!(
                "Each conversation takes a startMigration, one request per message and a completeMigration; Teams \
                 throttles an import at about {MESSAGES_PER_SECOND_PER_CONVERSATION} requests per second per channel \
                 or chat, so conversations are assumed to import side by side, each at that rate."
            ) }</p>
            if batch.teams_directory.is_none() {
                <p class="problem" id="teams-plan-no-maps">
                    { "Mapping checks are off: without users.csv and streams.csv, senders, mentions and streams were \
                       not checked against Teams, and the plan counts Symphony streams." }
                </p>
            }
            if batch.teams_directory.is_some() && unmapped > 0 {
                <p class="problem" id="teams-plan-unmapped">{ format!(
                    "{} not in streams.csv: {} cannot be imported until mapped.",
                    counted(unmapped, "stream"),
                    if unmapped == 1 { "it" } else { "they" },
                ) }</p>
            }
            if !plan.conversations.is_empty() {
                <table class="teams-plan-table" id="teams-plan-table">
                    <thead>
                        <tr>
                            <th scope="col">{ if batch.teams_directory.is_some() { "Conversation" } else { "Stream (no maps loaded)" } }</th>
                            <th scope="col" class="number">{ "messages" }</th>
                            <th scope="col" class="number">{ "requests" }</th>
                            <th scope="col" class="number">{ "duration" }</th>
                        </tr>
                    </thead>
                    <tbody>
                        { for plan.conversations.iter().take(MAX_LISTED_CONVERSATIONS).map(|conversation| html! {
                            <tr class={classes!("teams-plan-row", (!conversation.mapped).then_some("unmapped"))}>
                                <td><code>{ conversation.name.clone() }</code></td>
                                <td class="number">{ grouped(conversation.messages as u64) }</td>
                                <td class="number">{ grouped(conversation.requests as u64) }</td>
                                <td class="number">{ duration(conversation.duration_millis) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                if plan.conversations.len() > MAX_LISTED_CONVERSATIONS {
                    <p class="note">{ format!("The {MAX_LISTED_CONVERSATIONS} longest conversations are listed; the totals count all {}.", plan.conversations.len()) }</p>
                }
            }
        </section>
    }
}

//! The order requests are sent in, and the millisecond each message takes.
//!
//! Teams keys an imported message by (conversation, `createdDateTime` to the millisecond) and answers
//! `409 Conflict` to a second message at a millisecond already taken (seed `teams-import-messages.txt`). Exports
//! with second precision put many messages of a busy conversation on one millisecond, so [`schedule`] orders
//! each conversation's requests by time (keeping the batch's order between equal times) and moves each message
//! that is not later than the one before it to the next free millisecond: +1 ms, or more after a run of
//! collisions. Every move is reported with the message it concerns; a message moved past `now` (Teams refuses
//! messages in the future) is not scheduled and is reported as such.
//!
//! [`schedule`] orders anything [`Timed`]: [`GraphRequest`]s, or a caller's light stand-ins for requests it keeps
//! elsewhere (the CLI keeps each request's line in a file, the proxy's intake each record in its journal, and
//! both schedule a few bytes per message: a [`StandIn`] or a type of their own).
//!
//! Invariants: pure; the output lists the requests by conversation path, then time; within a conversation
//! every `createdDateTime` is unique and the order of the batch's equal times is kept; no time moves back.

use std::rc::Rc;

use ferry_core::teams::MESSAGES_PER_SECOND_PER_CONVERSATION;

use super::request::GraphRequest;

/// A message moved to another millisecond so that no two messages of its conversation share one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimeMove {
    /// The conversation's Graph path.
    pub conversation: String,
    /// The record's `originalMessageId`.
    pub original_message_id: String,
    /// The record's time, milliseconds since the Unix epoch.
    pub from_millis: i64,
    /// The time the request carries.
    pub to_millis: i64,
}

/// A message as [`schedule`] sees it: its conversation, its time, and the id it is reported by.
pub trait Timed {
    /// The conversation's Graph path.
    fn conversation(&self) -> &str;
    /// The message's `createdDateTime`, milliseconds since the Unix epoch.
    fn created_millis(&self) -> i64;
    /// Moves the message to `created_millis`.
    fn set_created_millis(&mut self, created_millis: i64);
    /// The record's `originalMessageId` (empty when it has none).
    fn original_message_id(&self) -> &str;
}

impl Timed for GraphRequest {
    fn conversation(&self) -> &str {
        &self.conversation
    }

    fn created_millis(&self) -> i64 {
        self.created_millis
    }

    fn set_created_millis(&mut self, created_millis: i64) {
        GraphRequest::set_created_millis(self, created_millis);
    }

    fn original_message_id(&self) -> &str {
        &self.original_message_id
    }
}

/// A message kept elsewhere, as [`schedule`] needs it: its conversation (shared by the conversation's messages),
/// its time and id, and `place`, where the caller keeps the message itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StandIn<P> {
    /// The conversation's Graph path.
    pub conversation: Rc<str>,
    /// The message's `createdDateTime`, milliseconds since the Unix epoch (the scheduled one once scheduled).
    pub created_millis: i64,
    /// The record's `originalMessageId` (empty when it has none).
    pub original_message_id: Box<str>,
    /// Where the caller keeps the message.
    pub place: P,
}

impl<P> Timed for StandIn<P> {
    fn conversation(&self) -> &str {
        &self.conversation
    }

    fn created_millis(&self) -> i64 {
        self.created_millis
    }

    fn set_created_millis(&mut self, created_millis: i64) {
        self.created_millis = created_millis;
    }

    fn original_message_id(&self) -> &str {
        &self.original_message_id
    }
}

/// The requests of a batch in the order to send them, with what scheduling changed.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule<R = GraphRequest> {
    /// Every request scheduled, by conversation path then `createdDateTime`, each millisecond taken once per
    /// conversation.
    pub requests: Vec<R>,
    /// The messages moved to a later millisecond, in the order of [`requests`](Self::requests).
    pub moved: Vec<TimeMove>,
    /// The requests that would have to move past `now` to get a millisecond of their own: not scheduled.
    pub past_now: Vec<R>,
}

/// One conversation's part of a [`Schedule`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationPlan {
    /// The conversation's Graph path.
    pub conversation: String,
    /// Messages to post.
    pub requests: usize,
    /// The first message's time, milliseconds since the Unix epoch.
    pub first_millis: i64,
    /// The last message's time.
    pub last_millis: i64,
    /// How long posting them takes at [`MESSAGES_PER_SECOND_PER_CONVERSATION`], in milliseconds.
    pub duration_millis: u64,
}

/// Orders `requests` by conversation then time and gives each message of a conversation its own millisecond
/// (see the module's documentation); `now_millis` is the latest time Teams accepts.
#[must_use]
pub fn schedule<R: Timed>(mut requests: Vec<R>, now_millis: i64) -> Schedule<R> {
    // A stable sort keeps the batch's order between messages of one conversation at one millisecond.
    requests.sort_by(|left, right| {
        left.conversation().cmp(right.conversation()).then(left.created_millis().cmp(&right.created_millis()))
    });
    let mut schedule =
        Schedule { requests: Vec::with_capacity(requests.len()), moved: Vec::new(), past_now: Vec::new() };
    // The latest millisecond taken in the conversation of the request scheduled last.
    let mut latest: Option<i64> = None;
    for mut request in requests {
        let same_conversation =
            schedule.requests.last().is_some_and(|previous: &R| previous.conversation() == request.conversation());
        let earliest = match latest {
            Some(millis) if same_conversation => millis.saturating_add(1),
            _ => i64::MIN,
        };
        if request.created_millis() < earliest {
            if earliest > now_millis {
                schedule.past_now.push(request);
                continue;
            }
            schedule.moved.push(TimeMove {
                conversation: request.conversation().to_owned(),
                original_message_id: request.original_message_id().to_owned(),
                from_millis: request.created_millis(),
                to_millis: earliest,
            });
            request.set_created_millis(earliest);
        }
        latest = Some(request.created_millis());
        schedule.requests.push(request);
    }
    schedule
}

impl<R: Timed> Schedule<R> {
    /// Each conversation's requests, time span and duration at the documented rate, by conversation path.
    #[must_use]
    pub fn conversations(&self) -> Vec<ConversationPlan> {
        let mut plans: Vec<ConversationPlan> = Vec::new();
        for request in &self.requests {
            match plans.last_mut() {
                Some(plan) if plan.conversation == request.conversation() => {
                    plan.requests += 1;
                    plan.last_millis = request.created_millis();
                }
                _ => plans.push(ConversationPlan {
                    conversation: request.conversation().to_owned(),
                    requests: 1,
                    first_millis: request.created_millis(),
                    last_millis: request.created_millis(),
                    duration_millis: 0,
                }),
            }
        }
        for plan in &mut plans {
            plan.duration_millis = duration_millis(plan.requests);
        }
        plans
    }
}

/// How long posting `requests` messages into one conversation takes at
/// [`MESSAGES_PER_SECOND_PER_CONVERSATION`].
#[must_use]
pub fn duration_millis(requests: usize) -> u64 {
    let requests = u64::try_from(requests).unwrap_or(u64::MAX);
    requests.saturating_mul(1_000) / u64::from(MESSAGES_PER_SECOND_PER_CONVERSATION)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn request(conversation: &str, id: &str, millis: i64) -> GraphRequest {
        let mut request = GraphRequest {
            conversation: conversation.into(),
            created_millis: 0,
            original_message_id: id.into(),
            body: json!({}),
            losses: Vec::new(),
            unmapped_mentions: Vec::new(),
        };
        request.set_created_millis(millis);
        request
    }

    fn summary(schedule: &Schedule) -> Vec<(String, String, i64)> {
        let requests = schedule.requests.iter();
        requests.map(|r| (r.conversation.clone(), r.original_message_id.clone(), r.created_millis)).collect()
    }

    #[test]
    fn each_conversation_gets_unique_milliseconds_in_order() {
        type Case = (&'static [(&'static str, &'static str, i64)], &'static [(&'static str, &'static str, i64)], usize);
        let cases: &[Case] = &[
            // Already unique: only ordered by conversation, then time.
            (&[("/b", "1", 5), ("/a", "2", 9), ("/a", "3", 7)], &[("/a", "3", 7), ("/a", "2", 9), ("/b", "1", 5)], 0),
            // A pair at one millisecond: the second moves 1 ms later.
            (&[("/a", "1", 10), ("/a", "2", 10)], &[("/a", "1", 10), ("/a", "2", 11)], 1),
            // A run of three, and a message already at the first free millisecond: it moves on too.
            (
                &[("/a", "1", 10), ("/a", "2", 10), ("/a", "3", 10), ("/a", "4", 11), ("/a", "5", 20)],
                &[("/a", "1", 10), ("/a", "2", 11), ("/a", "3", 12), ("/a", "4", 13), ("/a", "5", 20)],
                3,
            ),
            // The same millisecond in two conversations is no collision.
            (&[("/a", "1", 10), ("/b", "2", 10)], &[("/a", "1", 10), ("/b", "2", 10)], 0),
        ];
        for (input, expected, moves) in cases {
            let requests = input.iter().map(|(conversation, id, millis)| request(conversation, id, *millis)).collect();
            let scheduled = schedule(requests, i64::MAX);
            let expected: Vec<(String, String, i64)> =
                expected.iter().map(|(c, i, m)| ((*c).to_owned(), (*i).to_owned(), *m)).collect();
            assert_eq!(summary(&scheduled), expected, "{input:?}");
            assert_eq!(scheduled.moved.len(), *moves, "{input:?}");
            for request in &scheduled.requests {
                let written = request.body["createdDateTime"].as_str().unwrap_or_default();
                assert_eq!(written, ferry_core::teams::created_date_time(request.created_millis));
            }
        }
    }

    #[test]
    fn stand_ins_are_scheduled_as_the_requests_they_stand_for() {
        let conversation: Rc<str> = Rc::from("/a");
        let stand_in = |place: usize, millis: i64| StandIn {
            conversation: Rc::clone(&conversation),
            created_millis: millis,
            original_message_id: place.to_string().into_boxed_str(),
            place,
        };
        let scheduled = schedule(vec![stand_in(0, 12), stand_in(1, 10), stand_in(2, 10)], i64::MAX);
        let placed: Vec<(usize, i64)> = scheduled.requests.iter().map(|s| (s.place, s.created_millis)).collect();
        assert_eq!(placed, [(1, 10), (2, 11), (0, 12)]);
        assert_eq!(scheduled.moved.len(), 1);
        assert_eq!(scheduled.moved[0].original_message_id, "2");
    }

    #[test]
    fn a_move_past_now_is_not_scheduled() {
        let scheduled = schedule(vec![request("/a", "1", 100), request("/a", "2", 100)], 100);
        assert_eq!(summary(&scheduled), vec![("/a".to_owned(), "1".to_owned(), 100)]);
        assert_eq!(scheduled.past_now.len(), 1);
        assert_eq!(scheduled.past_now[0].original_message_id, "2");
        assert!(scheduled.moved.is_empty());
    }

    #[test]
    fn conversations_are_summarised_with_their_duration() {
        let requests = (0..12).map(|index| request(if index < 10 { "/a" } else { "/b" }, "x", index)).collect();
        let plans = schedule(requests, i64::MAX).conversations();
        assert_eq!(plans.len(), 2);
        assert_eq!((plans[0].requests, plans[0].first_millis, plans[0].last_millis), (10, 0, 9));
        assert_eq!(plans[0].duration_millis, 2_000);
        assert_eq!(plans[1].duration_millis, 400);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever the times, every scheduled message has its own millisecond in its conversation, the order
        /// is by conversation then time with the batch's order kept between equal times, nothing moves earlier
        /// or past `now`, and every request is scheduled or reported.
        #[test]
        fn schedules_are_unique_ordered_and_complete(
            times in proptest::collection::vec((0_usize..3, 0_i64..20), 0..40),
            now in 0_i64..40,
        ) {
            let requests: Vec<GraphRequest> = times
                .iter()
                .enumerate()
                .map(|(index, (conversation, millis))| {
                    request(["/a", "/b", "/c"][*conversation], &index.to_string(), *millis)
                })
                .collect();
            let scheduled = schedule(requests, now);
            proptest::prop_assert_eq!(scheduled.requests.len() + scheduled.past_now.len(), times.len());
            for pair in scheduled.requests.windows(2) {
                let (left, right) = (&pair[0], &pair[1]);
                proptest::prop_assert!(
                    left.conversation < right.conversation
                        || (left.conversation == right.conversation && left.created_millis < right.created_millis)
                );
            }
            for request in &scheduled.requests {
                let index: usize = request.original_message_id.parse().unwrap();
                let original = times[index].1;
                proptest::prop_assert!(request.created_millis >= original);
                proptest::prop_assert!(request.created_millis == original || request.created_millis <= now);
            }
            // Between two messages of a conversation that had one time, the batch's order is kept.
            let order = |request: &GraphRequest| request.original_message_id.parse::<usize>().unwrap();
            for pair in scheduled.requests.windows(2) {
                let (left, right) = (order(&pair[0]), order(&pair[1]));
                if times[left] == times[right] {
                    proptest::prop_assert!(left < right);
                }
            }
            proptest::prop_assert_eq!(
                scheduled.moved.len(),
                scheduled.requests.iter().filter(|request| request.created_millis != times[order(request)].1).count()
            );
        }
    }
}

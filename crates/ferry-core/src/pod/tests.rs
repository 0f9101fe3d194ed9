//! Unit tests of the pre-flight rules: reading a record's needs, and the findings from pod facts.

use super::*;
use crate::registry::Rule;

fn needs(record: &str) -> RecordNeeds {
    record_needs(record.as_bytes())
}

/// A record with `message` and `data` (JSON values, written as given) and nothing else.
fn with_message(message: &str, data: Option<&str>) -> RecordNeeds {
    let message = serde_json::to_string(message).unwrap();
    let data = data.map_or(String::new(), |data| format!(",\"data\":{}", serde_json::to_string(data).unwrap()));
    needs(&format!("{{\"message\":{message}{data}}}"))
}

#[test]
fn sender_is_read_from_an_integer_or_a_decimal_string() {
    let cases: [(&str, Option<i64>); 9] = [
        (r#"{"intendedMessageFromUserId": 7215545057281}"#, Some(7_215_545_057_281)),
        (r#"{"intendedMessageFromUserId": "7215545057281"}"#, Some(7_215_545_057_281)),
        (r#"{"intendedMessageFromUserId": -5}"#, Some(-5)),
        (r#"{"intendedMessageFromUserId": 7215545057281.5}"#, None),
        (r#"{"intendedMessageFromUserId": 18446744073709551615}"#, None),
        (r#"{"intendedMessageFromUserId": "12ab"}"#, None),
        (r#"{"intendedMessageFromUserId": null}"#, None),
        (r#"{"intendedMessageFromUserId": 1, "intendedMessageFromUserId": 2}"#, Some(2)),
        (r#"{"message": "x"}"#, None),
    ];
    for (record, expected) in cases {
        assert_eq!(needs(record).sender, expected, "{record}");
    }
}

#[test]
fn the_timestamp_is_read_when_it_is_an_integer() {
    let cases: [(&str, Option<i64>); 4] = [
        (r#"{"intendedMessageTimestamp": 1433045622000}"#, Some(1_433_045_622_000)),
        (r#"{"intendedMessageTimestamp": "1433045622000"}"#, None),
        (r#"{"intendedMessageTimestamp": 1.5}"#, None),
        (r#"{"message": "x"}"#, None),
    ];
    for (record, expected) in cases {
        assert_eq!(needs(record).timestamp, expected, "{record}");
    }
}

#[test]
fn stream_ids_are_normalised_to_url_safe_base64_without_padding() {
    let cases = [
        ("Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA", "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"),
        ("Z3oQRAZGTCNl5KjiUH2G1n///qr9lLT8dA==", "Z3oQRAZGTCNl5KjiUH2G1n___qr9lLT8dA"),
        ("ab+/cd==", "ab-_cd"),
        ("", ""),
    ];
    for (given, expected) in cases {
        assert_eq!(normalize_stream_id(given), expected);
        let record = format!("{{\"streamId\": {}}}", serde_json::to_string(given).unwrap());
        assert_eq!(needs(&record).stream.as_deref(), Some(expected), "{record}");
    }
    assert_eq!(needs(r#"{"streamId": 12}"#).stream, None);
}

#[test]
fn ids_of_the_original_message_are_read_as_written() {
    let read = needs(
        r#"{"originatingSystemId": "fooChat", "originalMessageId": "m-1", "attachments": [{"content": "AAAA"}]}"#,
    );
    assert_eq!(read.originating_system_id.as_deref(), Some("fooChat"));
    assert_eq!(read.original_message_id.as_deref(), Some("m-1"));
    assert_eq!(needs(r#"{"originalMessageId": 5}"#).original_message_id, None);
}

#[test]
fn mentions_in_messageml_by_uid_or_email_in_either_quote_style() {
    use MentionedUser::{Email, Id};
    let cases: Vec<(&str, Vec<MentionedUser>)> = vec![
        (r#"<messageML><mention uid="123"/></messageML>"#, vec![Id(123)]),
        ("<messageML><mention uid='123'/></messageML>", vec![Id(123)]),
        (
            r#"<messageML><mention email="Jane.Doe@Example.com"/></messageML>"#,
            vec![Email("jane.doe@example.com".into())],
        ),
        ("<messageML><mention email='a@b.c'></mention></messageML>", vec![Email("a@b.c".into())]),
        (r#"<messageML><mention uid="123" strict="false"/></messageML>"#, vec![]),
        (r#"<messageML><mention uid="123" strict="TRUE"/></messageML>"#, vec![Id(123)]),
        (r#"<messageML><mention uid="1"/><mention uid="2"/><mention uid="1"/></messageML>"#, vec![Id(1), Id(2)]),
        (r#"<messageML><mention uid="9" email="x@y.z"/></messageML>"#, vec![Id(9)]),
        (r#"<messageML><mention email="a&amp;b@c.d"/></messageML>"#, vec![Email("a&b@c.d".into())]),
        (r#"<messageML><p>see <b><mention uid=" 42 "/></b> &nbsp; & co</p></messageML>"#, vec![Id(42)]),
        (r#"<messageML><mention uid="abc"/><mention/><mentions uid="3"/></messageML>"#, vec![]),
        ("plain text, no markup", vec![]),
        // Up to the first XML error.
        (r#"<messageML><mention uid="1"/><a <mention uid="2"/></messageML>"#, vec![Id(1)]),
    ];
    for (message, expected) in cases {
        assert_eq!(with_message(message, None).mentions, expected, "{message}");
    }
}

#[test]
fn a_mention_tag_is_located_in_message() {
    let message = r#"<messageML>hi <mention uid="123"/></messageML>"#;
    let read = with_message(message, None);
    let place = read.mention_place(0);
    assert_eq!(place.pointer, "/message");
    let span = place.span.unwrap();
    assert_eq!(&message[span.start..span.end], r#"<mention uid="123"/>"#);
}

#[test]
fn mentions_in_entity_json() {
    use MentionedUser::Id;
    let entity = |value: &str| {
        format!(
            r#"{{"m1": {{"type": "com.symphony.user.mention", "version": "1.0", "id": [{{"type": "com.symphony.user.userId", "value": {value}}}]}}}}"#
        )
    };
    let cases: Vec<(String, Vec<MentionedUser>)> = vec![
        (entity("123"), vec![Id(123)]),
        (entity("\"456\""), vec![Id(456)]),
        (entity("\"nope\""), vec![]),
        (entity("1.5"), vec![]),
        (r#"{"m1": {"type": "com.symphony.user.mention", "id": [{"type": "com.symphony.user.email", "value": "a@b.c"}]}}"#.into(), vec![]),
        (r#"{"h": {"type": "org.symphonyoss.taxonomy", "id": [{"type": "com.symphony.user.userId", "value": 1}]}}"#.into(), vec![]),
        (r#"{"m1": {"type": "com.symphony.user.mention", "id": "not an array"}}"#.into(), vec![]),
        (r#"[1, 2]"#.into(), vec![]),
        (r#"{"m1": "#.into(), vec![]),
    ];
    for (data, expected) in cases {
        let read = with_message("<messageML>x</messageML>", Some(&data));
        assert_eq!(read.mentions, expected, "{data}");
        assert!(read.mention_places.iter().all(|place| place.pointer == "/data" && place.span.is_none()));
    }
}

#[test]
fn mentions_keep_order_of_first_appearance_across_message_and_data() {
    use MentionedUser::{Email, Id};
    let data = r#"{"a": {"type": "com.symphony.user.mention", "id": [{"type": "com.symphony.user.userId", "value": 2}]},
                   "b": {"type": "com.symphony.user.mention", "id": [{"type": "com.symphony.user.userId", "value": 3}]}}"#;
    let read = with_message(r#"<messageML><mention uid="2"/><mention email="E@x.y"/></messageML>"#, Some(data));
    assert_eq!(read.mentions, vec![Id(2), Email("e@x.y".into()), Id(3)]);
    let pointers: Vec<&str> = read.mention_places.iter().map(|place| place.pointer).collect();
    assert_eq!(pointers, ["/message", "/message", "/data"]);
}

#[test]
fn data_given_as_an_object_still_names_its_mentions() {
    let read = needs(
        r#"{"data": {"m": {"type": "com.symphony.user.mention", "id": [{"type": "com.symphony.user.userId", "value": 8}]}}}"#,
    );
    assert_eq!(read.mentions, vec![MentionedUser::Id(8)]);
}

#[test]
fn malformed_records_keep_what_was_read_before_the_fault() {
    let cases: [(&[u8], Option<i64>); 8] = [
        (b"", None),
        (b"[1,2]", None),
        (b"\"text\"", None),
        (b"{\"intendedMessageFromUserId\": 5, \"message\": ", Some(5)),
        (b"{\"intendedMessageFromUserId\": 5} trailing", Some(5)),
        (b"{\"intendedMessageFromUserId\": 5, \"x\": \"\xFF\"}", Some(5)),
        (b"\xEF\xBB\xBF{\"intendedMessageFromUserId\": 5}", None),
        (b"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", None),
    ];
    for (bytes, sender) in cases {
        assert_eq!(record_needs(bytes).sender, sender, "{}", String::from_utf8_lossy(bytes));
    }
    let deep = format!("{{\"intendedMessageFromUserId\": 1, \"a\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
    assert_eq!(needs(&deep).sender, Some(1));
}

fn user(id: i64, active: bool) -> PodUser {
    PodUser { id, active }
}

fn stream(active: bool, members: Option<&[i64]>) -> PodStream {
    PodStream { active, kind: "ROOM".into(), members: members.map(|members| members.iter().copied().collect()) }
}

fn facts() -> PodFacts {
    let mut facts = PodFacts::default();
    facts.users.insert(1, user(1, true));
    facts.users.insert(2, user(2, false));
    facts.users.insert(3, user(3, true));
    facts.users_by_email.insert("jane@example.com".into(), user(3, true));
    facts.users_by_email.insert("gone@example.com".into(), user(2, false));
    facts.streams.insert("room".into(), stream(true, Some(&[1, 2])));
    facts.streams.insert("unknown-members".into(), stream(true, None));
    facts.streams.insert("closed".into(), stream(false, Some(&[1])));
    facts
}

fn record_needing(sender: Option<i64>, stream: Option<&str>, mentions: Vec<MentionedUser>) -> RecordNeeds {
    RecordNeeds { sender, stream: stream.map(str::to_owned), mentions, ..RecordNeeds::default() }
}

fn codes(findings: &[Diagnostic]) -> Vec<(&'static str, String)> {
    findings.iter().map(|finding| (finding.code(), finding.location.pointer.clone())).collect()
}

#[test]
fn record_findings_follow_the_facts() {
    use MentionedUser::{Email, Id};
    let sender = "/intendedMessageFromUserId";
    let cases: Vec<(RecordNeeds, Vec<(&str, &str)>)> = vec![
        (record_needing(Some(1), Some("room"), vec![]), vec![]),
        (record_needing(Some(9), Some("room"), vec![]), vec![("POD002", sender)]),
        (record_needing(Some(2), Some("room"), vec![]), vec![("POD003", sender)]),
        (record_needing(Some(3), Some("room"), vec![]), vec![("POD004", sender)]),
        (record_needing(Some(3), Some("unknown-members"), vec![]), vec![]),
        (record_needing(Some(3), Some("nowhere"), vec![]), vec![("POD005", "/streamId")]),
        (record_needing(Some(1), Some("closed"), vec![]), vec![("POD006", "/streamId")]),
        (record_needing(Some(3), Some("closed"), vec![]), vec![("POD004", sender), ("POD006", "/streamId")]),
        (
            record_needing(
                None,
                None,
                vec![Id(1), Id(2), Email("jane@example.com".into()), Email("gone@example.com".into())],
            ),
            vec![],
        ),
        (
            record_needing(None, None, vec![Id(9), Email("nobody@example.com".into())]),
            vec![("POD007", "/message"), ("POD007", "/message")],
        ),
        (record_needing(None, None, vec![]), vec![]),
    ];
    for (needs, expected) in cases {
        let findings = check_record(&needs, &facts(), Location::default());
        let expected: Vec<(&str, String)> =
            expected.into_iter().map(|(code, pointer)| (code, pointer.to_owned())).collect();
        assert_eq!(codes(&findings), expected, "{needs:?}");
        assert!(findings.iter().all(|finding| finding.severity == crate::Severity::Error));
    }
}

#[test]
fn findings_copy_the_location_and_name_the_id() {
    let location =
        Location { file: 2, record: Some(7), pointer: String::new(), span: None, source: Some(Span::new(10, 90)) };
    let message = r#"<messageML><mention uid="9"/></messageML>"#;
    let mut needs = with_message(message, None);
    needs.sender = Some(9);
    let findings = check_record(&needs, &facts(), location);
    assert_eq!(findings.len(), 2);
    for finding in &findings {
        assert_eq!(
            (finding.location.file, finding.location.record, finding.location.source),
            (2, Some(7), Some(Span::new(10, 90)))
        );
        assert!(finding.message.contains('9'), "{}", finding.message);
        assert!(finding.help.as_deref().is_some_and(|help| help.contains("--provision")), "{finding:?}");
    }
    assert_eq!(findings[0].rule, Rule::SenderNotFound);
    assert_eq!(findings[1].rule, Rule::MentionedUserNotFound);
    assert_eq!(findings[1].location.span, needs.mention_place(0).span);
}

#[test]
fn the_service_user_needs_content_management() {
    let service_user = |roles: &[&str]| ServiceUser {
        id: 5,
        username: "ferry-bot".into(),
        roles: roles.iter().map(|role| (*role).to_owned()).collect(),
    };
    let cases: [(Option<ServiceUser>, usize); 4] = [
        (None, 0),
        (Some(service_user(&["INDIVIDUAL", "CONTENT_MANAGEMENT"])), 0),
        (Some(service_user(&["content_management"])), 0),
        (Some(service_user(&["INDIVIDUAL"])), 1),
    ];
    for (service_user, expected) in cases {
        let facts = PodFacts { service_user, ..PodFacts::default() };
        let findings = check_service_user(&facts);
        assert_eq!(findings.len(), expected, "{facts:?}");
        for finding in findings {
            assert_eq!(finding.rule, Rule::ServiceUserLacksContentManagement);
            assert_eq!(finding.location.record, None);
            assert!(finding.message.contains("ferry-bot") && finding.message.contains("CONTENT_MANAGEMENT"));
        }
    }
}

#[test]
fn pod_facts_read_from_json() {
    let facts: PodFacts = serde_json::from_str(
        r#"{"serviceUser": {"id": 5, "username": "bot", "roles": ["CONTENT_MANAGEMENT"]},
            "users": {"1": {"id": 1, "active": true}},
            "usersByEmail": {"a@b.c": {"id": 1, "active": true}},
            "streams": {"room": {"active": true, "kind": "ROOM", "members": [1]}, "im": {"active": true, "kind": "IM"}}}"#,
    )
    .unwrap();
    assert_eq!(facts.users.get(&1), Some(&user(1, true)));
    assert_eq!(facts.streams.get("im").and_then(|stream| stream.members.clone()), None);
    assert!(facts
        .streams
        .get("room")
        .is_some_and(|stream| stream.members.as_ref().is_some_and(|members| members.contains(&1))));
}

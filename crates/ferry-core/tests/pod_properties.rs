//! Properties of `pod::record_needs`: it never panics, whatever the bytes; mentions come once each, with a
//! place each, and a mention's span lies inside `message` on character boundaries.

use ferry_core::pod::{record_needs, MentionedUser};
use proptest::prelude::*;

/// Bytes that look like a record with MessageML and EntityJSON often enough to reach the mention scans.
fn recordish_bytes() -> impl Strategy<Value = Vec<u8>> {
    let token = prop_oneof![
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b",".to_vec()),
        Just(b":".to_vec()),
        Just(b"\"".to_vec()),
        Just(b"\\".to_vec()),
        Just(b"\\\"".to_vec()),
        Just(b"\"message\":\"".to_vec()),
        Just(b"\"data\":\"".to_vec()),
        Just(b"\"intendedMessageFromUserId\":".to_vec()),
        Just(b"\"streamId\":\"a+/=".to_vec()),
        Just(b"<mention uid=\\\"12\\\"/>".to_vec()),
        Just(b"<mention email='A@b.c'>".to_vec()),
        Just(b"<messageML>".to_vec()),
        Just(b"&amp;".to_vec()),
        Just(b"{\\\"type\\\":\\\"com.symphony.user.mention\\\",\\\"id\\\":[{\\\"type\\\":\\\"com.symphony.user.userId\\\",\\\"value\\\":7}]}".to_vec()),
        Just(b"123".to_vec()),
        Just("é".as_bytes().to_vec()),
        any::<u8>().prop_map(|byte| vec![byte]),
    ];
    prop::collection::vec(token, 0..48).prop_map(|tokens| tokens.concat())
}

/// A well-formed record whose message is MessageML with mentions among any text.
fn record_with_mentions() -> impl Strategy<Value = (String, Vec<u8>)> {
    let piece = prop_oneof![
        "\\PC{0,12}",
        "[0-9]{1,20}".prop_map(|uid| format!("<mention uid=\"{uid}\"/>")),
        "[a-zA-Zé.]{1,8}@[a-z]{1,6}\\.com".prop_map(|email| format!("<mention email='{email}' strict=\"false\"/>")),
        Just("<b>".to_owned()),
        Just("</b>".to_owned()),
    ];
    prop::collection::vec(piece, 0..10).prop_map(|pieces| {
        let message = format!("<messageML>{}</messageML>", pieces.concat());
        let record = serde_json::json!({"message": message, "intendedMessageFromUserId": 1});
        (message, record.to_string().into_bytes())
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_are_read_without_panicking(bytes in recordish_bytes()) {
        let needs = record_needs(&bytes);
        prop_assert_eq!(needs.mentions.len(), needs.mention_places.len());
        let mut sorted = needs.mentions.clone();
        sorted.sort();
        sorted.dedup();
        prop_assert_eq!(sorted.len(), needs.mentions.len(), "duplicates in {:?}", needs.mentions);
    }

    #[test]
    fn mention_spans_lie_inside_the_message((message, bytes) in record_with_mentions()) {
        let needs = record_needs(&bytes);
        prop_assert_eq!(needs.sender, Some(1));
        for (index, mention) in needs.mentions.iter().enumerate() {
            let place = needs.mention_place(index);
            prop_assert_eq!(place.pointer, "/message");
            let span = place.span.ok_or_else(|| TestCaseError::fail("a <mention> has a span"))?;
            prop_assert!(span.start <= span.end && span.end <= message.len());
            prop_assert!(message.is_char_boundary(span.start) && message.is_char_boundary(span.end));
            let tag = &message[span.start..span.end];
            prop_assert!(tag.starts_with("<mention "), "{tag}");
            if let MentionedUser::Email(email) = mention {
                prop_assert_eq!(email, &email.to_lowercase());
            }
        }
    }
}

//! A record's attachments and previews as the record view lists them: names, decoded sizes, and an image
//! preview made only from the bytes the record already holds.
//!
//! Nothing is fetched: an image is shown through a `data:` URL of the record's own base64 text, and only when
//! its first bytes are those of a PNG, JPEG, GIF or WebP file (so a `data:` URL never carries HTML or SVG,
//! whatever the file name says) and the whole text is valid standard base64 no larger than
//! [`MAX_IMAGE_PREVIEW_BASE64_BYTES`].

use base64::Engine as _;
use serde_json::Value;

/// Largest base64 text shown as an image (about 3 MB of image).
pub const MAX_IMAGE_PREVIEW_BASE64_BYTES: usize = 4 * 1024 * 1024;
/// Most attachments (and previews) listed for one record.
pub const MAX_LISTED: usize = 100;

/// Which list a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FileList {
    /// `attachments`.
    Attachment,
    /// `previews`: thumbnails of the attachments.
    Preview,
}

/// One file of a record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachedFile {
    /// Which list it is in, and its 0-based index there.
    pub list: FileList,
    /// 0-based index in its list.
    pub index: usize,
    /// `filename` as written; empty when absent.
    pub file_name: String,
    /// Bytes after base64 decoding, from the text's length; `None` when `content` is not a string or its
    /// length is not a multiple of four.
    pub decoded_bytes: Option<u64>,
    /// A `data:` URL of the image, when the content is a recognised image small enough to show.
    pub image_data_url: Option<String>,
}

/// The files of a record (`attachments` then `previews`), at most [`MAX_LISTED`].
pub fn attached_files(record: &Value) -> Vec<AttachedFile> {
    let mut files = Vec::new();
    for (member, list) in [("attachments", FileList::Attachment), ("previews", FileList::Preview)] {
        let Some(items) = record.get(member).and_then(Value::as_array) else { continue };
        for (index, item) in items.iter().enumerate().take(MAX_LISTED.saturating_sub(files.len())) {
            let file_name = item.get("filename").and_then(Value::as_str).unwrap_or_default().to_owned();
            let content = item.get("content").and_then(Value::as_str);
            files.push(AttachedFile {
                list,
                index,
                file_name,
                decoded_bytes: content.and_then(decoded_length),
                image_data_url: content.and_then(image_data_url),
            });
        }
    }
    files
}

/// The number of bytes a standard base64 text decodes to, from its length and padding alone; `None` when the
/// length is not a multiple of four.
pub fn decoded_length(base64: &str) -> Option<u64> {
    let length = base64.len();
    if !length.is_multiple_of(4) {
        return None;
    }
    let padding = base64.bytes().rev().take(2).take_while(|&byte| byte == b'=').count();
    Some((length / 4 * 3 - padding) as u64)
}

/// The media type of an image recognised by its first bytes.
pub fn image_media_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        None
    }
}

/// A `data:` URL of `base64` when it decodes (standard alphabet, padded) to a recognised image and is at most
/// [`MAX_IMAGE_PREVIEW_BASE64_BYTES`] long.
pub fn image_data_url(base64: &str) -> Option<String> {
    if base64.len() > MAX_IMAGE_PREVIEW_BASE64_BYTES {
        return None;
    }
    let bytes = base64::engine::general_purpose::STANDARD.decode(base64).ok()?;
    let media_type = image_media_type(&bytes)?;
    Some(format!("data:{media_type};base64,{base64}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PNG_1X1: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

    #[test]
    fn decoded_lengths_follow_padding() {
        let table = [
            ("", Some(0)),
            ("aGk=", Some(2)),
            ("aGVsbG8=", Some(5)),
            ("aGVsbA==", Some(4)),
            ("aGVsbG8h", Some(6)),
            ("abc", None),
        ];
        for (text, expected) in table {
            assert_eq!(decoded_length(text), expected, "{text}");
        }
    }

    #[test]
    fn images_are_recognised_by_their_bytes() {
        let table: [(&[u8], Option<&str>); 6] = [
            (b"\x89PNG\r\n\x1a\n....", Some("image/png")),
            (&[0xFF, 0xD8, 0xFF, 0xE0], Some("image/jpeg")),
            (b"GIF89a...", Some("image/gif")),
            (b"RIFF\0\0\0\0WEBPVP8 ", Some("image/webp")),
            (b"<svg onload='x'>", None),
            (b"<html><script>", None),
        ];
        for (bytes, expected) in table {
            assert_eq!(image_media_type(bytes), expected);
        }
        assert_eq!(image_data_url(PNG_1X1).as_deref(), Some(format!("data:image/png;base64,{PNG_1X1}").as_str()));
        // HTML named like an image is not an image; invalid base64 is not shown.
        assert_eq!(image_data_url("PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="), None);
        assert_eq!(image_data_url("iVBORw0KGgo*"), None);
    }

    #[test]
    fn files_are_listed_with_names_and_sizes() {
        let record = json!({
            "attachments": [{"filename": "a.png", "content": PNG_1X1}, {"filename": "b.txt", "content": "aGk="}],
            "previews": [{"filename": "a-small.png", "content": "not base64!"}]
        });
        let files = attached_files(&record);
        assert_eq!(files.len(), 3);
        assert_eq!(
            (files[0].list, files[0].file_name.as_str(), files[0].decoded_bytes),
            (FileList::Attachment, "a.png", Some(70))
        );
        assert!(files[0].image_data_url.is_some());
        assert_eq!((files[1].decoded_bytes, files[1].image_data_url.clone()), (Some(2), None));
        assert_eq!((files[2].list, files[2].index, files[2].decoded_bytes), (FileList::Preview, 0, None));
    }
}

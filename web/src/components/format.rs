//! Numbers and counts as the page writes them.

/// `count` and `noun`, plural unless the count is one: `1 request`, `5,000 records`.
pub fn counted(count: usize, noun: &str) -> String {
    let plural = if count == 1 { "" } else { "s" };
    format!("{} {noun}{plural}", grouped(count as u64))
}

/// A number with its thousands grouped: 200000 is `200,000`.
pub fn grouped(number: u64) -> String {
    let digits = number.to_string();
    let mut text = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_grouped_and_nouns_agree() {
        let cases = [(0, "0"), (7, "7"), (999, "999"), (1000, "1,000"), (200_000, "200,000"), (1_234_567, "1,234,567")];
        for (number, expected) in cases {
            assert_eq!(grouped(number), expected);
        }
        assert_eq!(counted(1, "request"), "1 request");
        assert_eq!(counted(5000, "record"), "5,000 records");
    }
}

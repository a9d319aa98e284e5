//! Prefix search as a range, how every backend finds search terms: every string that starts
//! with `p` lies in `[p, upper(p))`, so a B-tree (or an ordered map) answers it with one range
//! scan, and `%`, `_` and `\` are ordinary characters (no `LIKE`, no escaping).

/// The least string greater than every string that starts with `prefix`, in code-point order
/// (which is UTF-8 byte order: SQLite's `BINARY` and PostgreSQL's `"C"` collation). `None` when
/// there is none (an empty prefix, or one made only of `char::MAX`): the range is then open.
/// For example the strings that start with `ada` are those in `["ada", "adb")`:
///
/// ```
/// use homeroom::query::prefix_upper_bound;
/// assert_eq!(prefix_upper_bound("ada").as_deref(), Some("adb"));
/// assert_eq!(prefix_upper_bound(""), None);
/// ```
pub fn prefix_upper_bound(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = successor(last) {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

/// The next Unicode scalar value, skipping the surrogate gap.
fn successor(c: char) -> Option<char> {
    match c {
        '\u{D7FF}' => Some('\u{E000}'),
        char::MAX => None,
        c => char::from_u32(u32::from(c) + 1),
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_upper_bound as upper_bound;

    fn in_range(prefix: &str, candidate: &str) -> bool {
        candidate >= prefix && upper_bound(prefix).is_none_or(|upper| candidate < upper.as_str())
    }

    #[test]
    fn the_range_holds_exactly_the_strings_with_the_prefix() {
        let words = [
            "",
            "a",
            "ad",
            "ada",
            "ada lovelace",
            "adam",
            "adb",
            "ad\u{10FFFF}",
            "ada\u{10FFFF}x",
            "s_1",
            "s%2",
            "s\\3",
            "sx1",
            "zoë",
            "zoe",
            "z\u{D7FF}",
            "z\u{E000}",
            "\u{10FFFF}",
        ];
        for prefix in words {
            for word in words {
                assert_eq!(
                    in_range(prefix, word),
                    word.starts_with(prefix),
                    "prefix {prefix:?}, word {word:?}"
                );
            }
        }
    }

    #[test]
    fn bounds() {
        assert_eq!(upper_bound("ada").as_deref(), Some("adb"));
        assert_eq!(upper_bound("s_").as_deref(), Some("s`"));
        assert_eq!(upper_bound("a\u{10FFFF}").as_deref(), Some("b"));
        assert_eq!(upper_bound("\u{D7FF}").as_deref(), Some("\u{E000}"));
        assert_eq!(upper_bound(""), None);
        assert_eq!(upper_bound("\u{10FFFF}"), None);
    }
}

//! Header names as the map stores them, and what a lookup may be keyed by.

use http::header::{self, HeaderName};

/// What the name of a head line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Read {
    /// A listed standard name, by tag (in any case in the head).
    Standard(u8),
    /// Any other name, already lowercase in the head.
    Lowercase,
    /// Any other name, with capitals; with its first sixteen bytes lowercased, if the name is
    /// no longer and the check had them.
    Capitals(Option<[u64; 2]>),
}

/// The name `head[start..colon]` of a header line: `None` if it is empty or has a byte that is
/// not a token character. `first` is the line's first sixteen bytes, if the search read them.
#[inline]
pub(crate) fn read(
    head: &[u8],
    start: usize,
    colon: usize,
    first: Option<[u64; 2]>,
) -> Option<Read> {
    let len = colon - start;
    if let Some(tag) = recognise(head, start, len, first) {
        return Some(Read::Standard(tag));
    }
    if let Some(words) = first.filter(|_| (1..=16).contains(&len)) {
        if let Some(lowered) = crate::scan::plain_name(words, len) {
            return Some(lowered.map_or(Read::Lowercase, |words| Read::Capitals(Some(words))));
        }
    }
    Some(match check(&head[start..colon])? {
        false => Read::Lowercase,
        true => Read::Capitals(None),
    })
}

/// The lowercase text of the listed name `tag`.
#[inline]
pub(crate) fn text(tag: u8) -> &'static [u8] {
    TEXTS[usize::from(tag)]
}

/// The `http` constant of the listed name `tag`.
pub(crate) fn constant(tag: u8) -> &'static HeaderName {
    &LISTED[usize::from(tag)]
}

/// Whether `name` is a non-empty HTTP token (`Some`), and then whether it has capitals
/// (`Some(true)`). One pass through a table, without a branch per byte.
pub(crate) fn check(name: &[u8]) -> Option<bool> {
    let mut changed = 0u8;
    let mut invalid = name.is_empty();
    for &b in name {
        let lower = TOKEN_LOWER[usize::from(b)];
        invalid |= lower == 0;
        changed |= lower ^ b;
    }
    (!invalid).then_some(changed != 0)
}

/// The tag of custom entries.
pub(crate) const CUSTOM_TAG: u8 = u8::MAX;

/// `http`'s index of a standard `HeaderName`, read from what its `Hash` writes (the
/// representation's discriminant, 0 for standard, then the standard header's), or `None` for
/// a custom name or any other shape of writes. Equal names write alike (the `Hash` contract),
/// so equal standard names get equal indices, and different ones different indices.
pub(crate) fn http_index(name: &HeaderName) -> Option<u8> {
    use std::hash::{Hash, Hasher};

    #[derive(Default)]
    struct Capture {
        ints: [u64; 2],
        count: usize,
        bytes: bool,
    }
    impl Hasher for Capture {
        fn finish(&self) -> u64 {
            0
        }
        fn write(&mut self, _: &[u8]) {
            self.bytes = true;
        }
        fn write_isize(&mut self, i: isize) {
            self.int(i as u64);
        }
        fn write_usize(&mut self, i: usize) {
            self.int(i as u64);
        }
        fn write_u8(&mut self, i: u8) {
            self.int(u64::from(i));
        }
    }
    impl Capture {
        fn int(&mut self, i: u64) {
            if let Some(slot) = self.ints.get_mut(self.count) {
                *slot = i;
            }
            self.count += 1;
        }
    }
    let mut capture = Capture::default();
    name.hash(&mut capture);
    match capture {
        Capture {
            ints: [0, index],
            count: 2,
            bytes: false,
        } if index < u64::from(CUSTOM_TAG) => Some(index as u8),
        _ => None,
    }
}

/// For each of `http`'s standard indices, the tag of the [`LISTED`] name with it, or
/// [`CUSTOM_TAG`].
fn listed_tags() -> &'static [u8; 256] {
    static TAGS: std::sync::OnceLock<[u8; 256]> = std::sync::OnceLock::new();
    TAGS.get_or_init(|| {
        let mut table = [CUSTOM_TAG; 256];
        for (tag, name) in LISTED.iter().enumerate() {
            if let Some(index) = http_index(name) {
                table[usize::from(index)] = tag as u8;
            }
        }
        table
    })
}

/// The standard names the map keeps as tags, each on one line with its lowercase text: the
/// constants in [`LISTED`], their texts in [`TEXTS`] and the tags (their indices) follow from it.
/// A test checks each text against its constant.
macro_rules! listed_names {
    ($($name:ident => $text:literal),* $(,)?) => {
        /// The standard names the map keeps as tags, in tag order.
        const LISTED: &[HeaderName] = &[$(header::$name),*];

        /// The lowercase text of each name in [`LISTED`].
        const TEXTS: &[&[u8]] = &[$($text),*];
    };
}

/// How a listed name is recognised in a head: its text in words and, per word, the bits that
/// tell a capital from a small letter (0x20 at each letter). A name of the same length matches
/// when, OR-ed with those bits and cut to the length, its words are the text's.
#[derive(Clone, Copy)]
struct Pattern {
    /// The text's length; 0 for an empty slot.
    len: u8,
    tag: u8,
    /// How many words the text takes.
    words: u8,
    text: [u64; 4],
    case: [u64; 4],
    /// Per word, the bits that belong to the text.
    keep: [u64; 4],
}

/// The slot of a name in [`PATTERNS`], from its length and its first and last bytes (case
/// ignored). Building the table checks at compile time that no two listed names share a slot.
#[inline]
const fn slot(len: usize, first: u8, last: u8) -> usize {
    (len.wrapping_mul(31) + (first | 0x20) as usize * 4 + (last | 0x20) as usize) & 63
}

/// The listed names by [`slot`].
static PATTERNS: [Pattern; 64] = {
    let empty = Pattern {
        len: 0,
        tag: 0,
        words: 0,
        text: [0; 4],
        case: [0; 4],
        keep: [0; 4],
    };
    let mut table = [empty; 64];
    let mut tag = 0;
    while tag < TEXTS.len() {
        let text = TEXTS[tag];
        assert!(!text.is_empty() && text.len() <= 32);
        let mut pattern = Pattern {
            len: text.len() as u8,
            tag: tag as u8,
            words: text.len().div_ceil(8) as u8,
            ..empty
        };
        let mut i = 0;
        while i < text.len() {
            let shift = 8 * (i % 8);
            pattern.text[i / 8] |= (text[i] as u64) << shift;
            if text[i].is_ascii_lowercase() {
                pattern.case[i / 8] |= 0x20 << shift;
            }
            pattern.keep[i / 8] |= 0xff << shift;
            i += 1;
        }
        let at = slot(text.len(), text[0], text[text.len() - 1]);
        assert!(
            table[at].len == 0,
            "two listed names share a slot: change `slot`"
        );
        table[at] = pattern;
        tag += 1;
    }
    table
};

/// The tag of the listed name at `head[start..start + len]`, in any case; `None` for any other
/// name. Up to four word compares, no copy: a match also proves the name a valid token.
/// `first` is the name's first sixteen bytes, if the caller has them: a name of up to sixteen
/// bytes is then compared without reading the head again.
#[inline]
fn recognise(head: &[u8], start: usize, len: usize, first: Option<[u64; 2]>) -> Option<u8> {
    if len == 0 {
        return None;
    }
    let pattern = &PATTERNS[slot(len, head[start], head[start + len - 1])];
    if usize::from(pattern.len) != len {
        return None;
    }
    if let Some(words) = first.filter(|_| pattern.words <= 2) {
        // Both words, without a branch: the second's `keep` is 0 for a name of one word.
        let differ = |i: usize| (words[i] | pattern.case[i]) & pattern.keep[i] ^ pattern.text[i];
        return (differ(0) | differ(1) == 0).then_some(pattern.tag);
    }
    for i in 0..usize::from(pattern.words) {
        let word = crate::scan::word_at(head, start + 8 * i);
        if (word | pattern.case[i]) & pattern.keep[i] != pattern.text[i] {
            return None;
        }
    }
    Some(pattern.tag)
}

/// The tag of a listed standard name, given in any case.
#[cfg(test)]
fn standard(name: &[u8]) -> Option<u8> {
    recognise(name, 0, name.len(), None)
}

listed_names!(
    HOST => b"host",
    ACCEPT => b"accept",
    ACCEPT_ENCODING => b"accept-encoding",
    ACCEPT_LANGUAGE => b"accept-language",
    ACCEPT_CHARSET => b"accept-charset",
    AUTHORIZATION => b"authorization",
    CACHE_CONTROL => b"cache-control",
    CONNECTION => b"connection",
    CONTENT_ENCODING => b"content-encoding",
    CONTENT_LENGTH => b"content-length",
    CONTENT_TYPE => b"content-type",
    COOKIE => b"cookie",
    DATE => b"date",
    ETAG => b"etag",
    EXPECT => b"expect",
    IF_MATCH => b"if-match",
    IF_MODIFIED_SINCE => b"if-modified-since",
    IF_NONE_MATCH => b"if-none-match",
    LOCATION => b"location",
    ORIGIN => b"origin",
    PRAGMA => b"pragma",
    RANGE => b"range",
    REFERER => b"referer",
    SERVER => b"server",
    SET_COOKIE => b"set-cookie",
    TE => b"te",
    TRANSFER_ENCODING => b"transfer-encoding",
    UPGRADE => b"upgrade",
    UPGRADE_INSECURE_REQUESTS => b"upgrade-insecure-requests",
    USER_AGENT => b"user-agent",
    VARY => b"vary",
);

/// For each byte: its lowercase form if it is a `tchar` (RFC 9110, section 5.6.2), else 0.
static TOKEN_LOWER: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        let token = c.is_ascii_alphanumeric()
            || matches!(
                c,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'.'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'|'
                    | b'~'
            );
        if token {
            table[b] = c.to_ascii_lowercase();
        }
        b += 1;
    }
    table
};

/// What a lookup can be keyed by: an `http::HeaderName` (a standard one compares by tag) or a
/// string in any case.
pub trait Key: key::Sealed {}

pub(crate) mod key {
    /// The comparison behind [`Key`](super::Key); sealed so the map's name type stays private.
    pub trait Sealed {
        /// Whether the stored name `lowercase` is this key.
        fn matches_name(&self, lowercase: &[u8]) -> bool;

        /// For a key that is one of the standard names the map keeps as constants, the tag its
        /// entries carry (`NameLoc::tag`); `None` to compare names instead.
        #[inline]
        fn listed_tag(&self) -> Option<u8> {
            None
        }
    }
}

impl Key for HeaderName {}
impl Key for &HeaderName {}
impl Key for &str {}
impl Key for String {}
impl Key for &String {}

impl key::Sealed for HeaderName {
    #[inline]
    fn matches_name(&self, lowercase: &[u8]) -> bool {
        // `http` keeps names lowercase.
        self.as_str().as_bytes() == lowercase
    }

    #[inline]
    fn listed_tag(&self) -> Option<u8> {
        let tag = listed_tags()[usize::from(http_index(self)?)];
        (tag != CUSTOM_TAG).then_some(tag)
    }
}

impl key::Sealed for &HeaderName {
    #[inline]
    fn matches_name(&self, lowercase: &[u8]) -> bool {
        (*self).matches_name(lowercase)
    }

    #[inline]
    fn listed_tag(&self) -> Option<u8> {
        (*self).listed_tag()
    }
}

impl key::Sealed for &str {
    #[inline]
    fn matches_name(&self, lowercase: &[u8]) -> bool {
        lowercase.eq_ignore_ascii_case(self.as_bytes())
    }
}

impl key::Sealed for String {
    #[inline]
    fn matches_name(&self, lowercase: &[u8]) -> bool {
        lowercase.eq_ignore_ascii_case(self.as_bytes())
    }
}

impl key::Sealed for &String {
    #[inline]
    fn matches_name(&self, lowercase: &[u8]) -> bool {
        lowercase.eq_ignore_ascii_case(self.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::word_at;

    #[test]
    fn the_listed_names_are_the_recognised_ones_with_their_tags() {
        let mut seen = std::collections::HashSet::new();
        for (tag, name) in LISTED.iter().enumerate() {
            assert_eq!(
                standard(name.as_str().as_bytes()),
                Some(tag as u8),
                "{name}"
            );
            let index = http_index(name).expect("a standard name has an index");
            assert!(seen.insert(index), "{name} shares its index");
            assert_eq!(listed_tags()[usize::from(index)], tag as u8);
        }
        assert_eq!(http_index(&HeaderName::from_static("x-custom")), None);
        let unlisted = http_index(&header::ACCESS_CONTROL_ALLOW_ORIGIN).unwrap();
        assert_eq!(listed_tags()[usize::from(unlisted)], CUSTOM_TAG);
    }

    /// Every one-byte change of every listed name, at every position, is recognised exactly
    /// when it only changes a letter's case; what follows the name in the buffer never matters.
    #[test]
    fn recognise_matches_exactly_the_listed_names_in_any_case() {
        for (tag, text) in TEXTS.iter().enumerate() {
            for at in 0..text.len() {
                for b in 0..=255u8 {
                    let mut name = text.to_vec();
                    name[at] = b;
                    let expected = name.eq_ignore_ascii_case(text).then_some(tag as u8);
                    assert_eq!(standard(&name), expected, "{:?}", name.escape_ascii());
                    let mut line = name.clone();
                    line.extend_from_slice(b": value\r\n\r\n");
                    assert_eq!(recognise(&line, 0, name.len(), None), expected);
                    // From the line's first sixteen bytes, as the parse hands them over.
                    let words = [word_at(&line, 0), word_at(&line, 8)];
                    assert_eq!(recognise(&line, 0, name.len(), Some(words)), expected);
                    let mut shifted = b"x-a: 1\r\n".to_vec();
                    shifted.extend_from_slice(&line);
                    assert_eq!(recognise(&shifted, 8, name.len(), None), expected);
                    let words = [word_at(&shifted, 8), word_at(&shifted, 16)];
                    assert_eq!(recognise(&shifted, 8, name.len(), Some(words)), expected);
                }
            }
            let upper = text.to_ascii_uppercase();
            assert_eq!(standard(&upper), Some(tag as u8));
            assert_eq!(standard(&text[..text.len() - 1]), None);
            assert_eq!(standard(&[*text, b"x"].concat()), None);
        }
        assert_eq!(standard(b""), None);
        assert_eq!(standard(b"x-custom"), None);
    }

    /// A custom name read from the line's first sixteen bytes (letters, digits and dashes at
    /// once) agrees with [`check`] and the byte-by-byte lowercase copy, for names of every length
    /// up to seventeen with every byte at every position; the rest of the block never matters,
    /// and the usual names do take that path.
    #[test]
    fn read_from_the_first_block_agrees_with_check() {
        let base = b"x-Custom-Name-4a9";
        for len in 1..=base.len() {
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut name = base[..len].to_vec();
                    name[at] = b;
                    for tail in [&b": v\r\n\r\n"[..], b":AZaz09--\x80\xff\r\n\r\n"] {
                        let line = [&name[..], tail, b"................"].concat();
                        let words = [word_at(&line, 0), word_at(&line, 8)];
                        let got = read(&line, 0, len, Some(words));
                        let expected = match check(&name) {
                            _ if standard(&name).is_some() => continue,
                            None => None,
                            Some(false) => Some(Read::Lowercase),
                            Some(true) => Some(Read::Capitals(None)),
                        };
                        let got = got.map(|read| match read {
                            Read::Capitals(Some([a, b])) => {
                                let lowered = [a.to_le_bytes(), b.to_le_bytes()].concat();
                                assert_eq!(lowered[..len], name.to_ascii_lowercase());
                                Read::Capitals(None)
                            }
                            other => other,
                        });
                        assert_eq!(got, expected, "{:?}", name.escape_ascii());
                        // The usual names take the sixteen-byte path wherever it exists.
                        let usual = name.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-');
                        if cfg!(target_arch = "x86_64") && usual && len <= 16 {
                            assert!(crate::scan::plain_name(words, len).is_some());
                        }
                    }
                }
            }
        }
    }
}

//! Header names as the map stores them, and what a lookup may be keyed by.

use bytes::Bytes;
use http::header::{self, HeaderName};

/// A stored name, always lowercase: a standard name as its index in [`LISTED`] (its tag), any
/// other as a [`CustomName`].
#[derive(Clone, PartialEq, Eq)]
#[allow(
    unreachable_pub,
    reason = "named by the sealed `Key` trait; its module is private"
)]
pub enum Name {
    Standard(u8),
    Custom(CustomName),
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The bytes of a lowercase custom name: shared with the request's buffer when the name arrived
/// lowercase, else lowercased into the value itself when short (no allocation), else into a
/// buffer of its own. Two custom names are equal when their bytes are.
#[derive(Clone)]
#[allow(
    unreachable_pub,
    reason = "named by the sealed `Key` trait; its module is private"
)]
pub struct CustomName(CustomRepr);

/// The longest custom name kept inline.
const INLINE_NAME: usize = 30;

#[derive(Clone)]
enum CustomRepr {
    Shared(Bytes),
    Inline { len: u8, bytes: [u8; INLINE_NAME] },
}

impl CustomName {
    /// `bytes`, already lowercase, shared.
    pub(crate) fn shared(bytes: Bytes) -> Self {
        CustomName(CustomRepr::Shared(bytes))
    }

    /// The lowercase form of `bytes` (ASCII), inline when short.
    fn lowercase(bytes: &[u8]) -> Self {
        if bytes.len() <= INLINE_NAME {
            let mut inline = [0u8; INLINE_NAME];
            for (slot, b) in inline.iter_mut().zip(bytes) {
                *slot = b.to_ascii_lowercase();
            }
            CustomName(CustomRepr::Inline {
                len: bytes.len() as u8,
                bytes: inline,
            })
        } else {
            CustomName::shared(Bytes::from(bytes.to_ascii_lowercase()))
        }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            CustomRepr::Shared(bytes) => bytes,
            CustomRepr::Inline { len, bytes } => &bytes[..usize::from(*len)],
        }
    }
}

impl PartialEq for CustomName {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for CustomName {}

impl std::fmt::Debug for CustomName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("CustomName")
            .field(&String::from_utf8_lossy(self.as_bytes()))
            .finish()
    }
}

impl Name {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Name::Standard(tag) => LISTED[usize::from(*tag)].as_str(),
            // Custom names are validated tokens: ASCII, so UTF-8.
            Name::Custom(name) => std::str::from_utf8(name.as_bytes()).unwrap_or_default(),
        }
    }

    /// The entry tag: `http`'s index for a standard name, [`CUSTOM_TAG`] for a custom one.
    pub(crate) fn tag(&self) -> u8 {
        match self {
            Name::Standard(tag) => *tag,
            Name::Custom(_) => CUSTOM_TAG,
        }
    }

    pub(crate) fn to_header_name(&self) -> HeaderName {
        match self {
            Name::Standard(tag) => LISTED[usize::from(*tag)].clone(),
            Name::Custom(name) => {
                HeaderName::from_bytes(name.as_bytes()).expect("a validated lowercase token")
            }
        }
    }

    /// From an `http` name: a listed standard name becomes its tag, any other its bytes.
    pub(crate) fn from_header_name(name: HeaderName) -> Self {
        match standard(name.as_str().as_bytes()) {
            Some(tag) => Name::Standard(tag),
            None => Name::Custom(CustomName::lowercase(name.as_str().as_bytes())),
        }
    }

    /// From raw bytes (any case), validated as an HTTP token. `raw` is the buffer the bytes live
    /// in, so that a lowercase custom name is kept without a copy.
    /// The name of the header line at `start` of `raw`, up to its colon: `Ok((None, None))` at
    /// the empty line that ends a head, `Err(())` for a byte that is not a token character
    /// (including a line end before any colon) or an empty name.
    pub(crate) fn parse_until_colon(
        raw: &Bytes,
        start: usize,
    ) -> Result<(Option<Name>, Option<usize>), ()> {
        let bytes: &[u8] = raw;
        match bytes.get(start..start + 2) {
            Some(b"\r\n") => return Ok((None, None)),
            _ if bytes[start] == b'\n' => return Ok((None, None)),
            _ => {}
        }
        // The colon first, eight bytes at a time; then the name's bytes validated and lowercased
        // through the table without a branch per byte. A line without a colon finds a later
        // line's (or none): its line end is not a token byte, so it fails validation.
        let len = crate::map::find_byte(&bytes[start..], b':').ok_or(())?;
        let name = &bytes[start..start + len];
        let mut lower = [0u8; 32];
        let mut changed = 0u8;
        let mut invalid = false;
        if len <= lower.len() {
            for (slot, &b) in lower.iter_mut().zip(name) {
                let l = TOKEN_LOWER[usize::from(b)];
                invalid |= l == 0;
                changed |= l ^ b;
                *slot = l;
            }
        } else {
            for &b in name {
                let l = TOKEN_LOWER[usize::from(b)];
                invalid |= l == 0;
                changed |= l ^ b;
            }
        }
        if invalid {
            return Err(());
        }
        let i = start + len;
        if len == 0 {
            return Err(());
        }
        if len <= lower.len() {
            if let Some(tag) = standard(&lower[..len]) {
                return Ok((Some(Name::Standard(tag)), Some(i)));
            }
        }
        let name = Name::Custom(if changed != 0 {
            CustomName::lowercase(&bytes[start..i])
        } else {
            CustomName::shared(raw.slice(start..i))
        });
        Ok((Some(name), Some(i)))
    }
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
/// constants in [`LISTED`], the tags (their indices) and the matching in [`standard`] follow
/// from it. A test checks each text against its constant.
macro_rules! listed_names {
    ($($name:ident => $text:literal),* $(,)?) => {
        /// The tags, in list order.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, reason = "named as `http`'s constants")]
        #[repr(u8)]
        enum Tag {
            $($name),*
        }

        /// The standard names the map keeps as tags, in tag order.
        const LISTED: &[HeaderName] = &[$(header::$name),*];

        /// The tag (index in [`LISTED`]) of a lowercase standard name.
        pub(crate) fn standard(lower: &[u8]) -> Option<u8> {
            Some(match lower {
                $($text => Tag::$name as u8,)*
                _ => return None,
            })
        }
    };
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
    use super::Name;

    /// The comparison behind [`Key`](super::Key); sealed so the map's name type stays private.
    pub trait Sealed {
        fn matches_name(&self, name: &Name) -> bool;

        /// For a key that is one of the standard names the map keeps as constants, the tag its
        /// entries carry (`Name::tag`); `None` to compare names instead.
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
    fn matches_name(&self, name: &Name) -> bool {
        match name {
            Name::Standard(tag) => LISTED[usize::from(*tag)] == *self,
            Name::Custom(name) => name.as_bytes() == self.as_str().as_bytes(),
        }
    }

    #[inline]
    fn listed_tag(&self) -> Option<u8> {
        let tag = listed_tags()[usize::from(http_index(self)?)];
        (tag != CUSTOM_TAG).then_some(tag)
    }
}

impl key::Sealed for &HeaderName {
    #[inline]
    fn matches_name(&self, name: &Name) -> bool {
        (*self).matches_name(name)
    }

    #[inline]
    fn listed_tag(&self) -> Option<u8> {
        (*self).listed_tag()
    }
}

impl key::Sealed for &str {
    #[inline]
    fn matches_name(&self, name: &Name) -> bool {
        name.as_str().eq_ignore_ascii_case(self)
    }
}

impl key::Sealed for String {
    #[inline]
    fn matches_name(&self, name: &Name) -> bool {
        name.as_str().eq_ignore_ascii_case(self)
    }
}

impl key::Sealed for &String {
    #[inline]
    fn matches_name(&self, name: &Name) -> bool {
        name.as_str().eq_ignore_ascii_case(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}

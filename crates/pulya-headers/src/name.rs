//! Header names as the map stores them, and what a lookup may be keyed by.

use bytes::Bytes;
use http::header::{self, HeaderName};

/// A stored name, always lowercase: a standard name as `http`'s constant (compared by tag), any
/// other as a [`CustomName`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    unreachable_pub,
    reason = "named by the sealed `Key` trait; its module is private"
)]
pub enum Name {
    Standard(HeaderName),
    Custom(CustomName),
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
            Name::Standard(name) => name.as_str(),
            // Custom names are validated tokens: ASCII, so UTF-8.
            Name::Custom(name) => std::str::from_utf8(name.as_bytes()).unwrap_or_default(),
        }
    }

    pub(crate) fn to_header_name(&self) -> HeaderName {
        match self {
            Name::Standard(name) => name.clone(),
            Name::Custom(name) => {
                HeaderName::from_bytes(name.as_bytes()).expect("a validated lowercase token")
            }
        }
    }

    /// From an `http` name: standard names stay constants, custom ones become their bytes.
    pub(crate) fn from_header_name(name: HeaderName) -> Self {
        if standard(name.as_str().as_bytes()).is_some() {
            Name::Standard(name)
        } else {
            Name::Custom(CustomName::lowercase(name.as_str().as_bytes()))
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
        // One pass: validate and lowercase through the table until the colon.
        let mut lower = [0u8; 32];
        let mut changed = 0u8;
        let mut len = 0;
        let mut colon = false;
        for &b in &bytes[start..] {
            if b == b':' {
                colon = true;
                break;
            }
            let l = TOKEN_LOWER[usize::from(b)];
            if l == 0 {
                return Err(());
            }
            changed |= l ^ b;
            if len < lower.len() {
                lower[len] = l;
            }
            len += 1;
        }
        if !colon {
            return Err(());
        }
        let i = start + len;
        if len == 0 {
            return Err(());
        }
        if len <= lower.len() {
            if let Some(name) = standard(&lower[..len]) {
                return Ok((Some(Name::Standard(name)), Some(i)));
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

pub(crate) fn standard(lower: &[u8]) -> Option<HeaderName> {
    Some(match lower {
        b"host" => header::HOST,
        b"accept" => header::ACCEPT,
        b"accept-encoding" => header::ACCEPT_ENCODING,
        b"accept-language" => header::ACCEPT_LANGUAGE,
        b"accept-charset" => header::ACCEPT_CHARSET,
        b"authorization" => header::AUTHORIZATION,
        b"cache-control" => header::CACHE_CONTROL,
        b"connection" => header::CONNECTION,
        b"content-encoding" => header::CONTENT_ENCODING,
        b"content-length" => header::CONTENT_LENGTH,
        b"content-type" => header::CONTENT_TYPE,
        b"cookie" => header::COOKIE,
        b"date" => header::DATE,
        b"etag" => header::ETAG,
        b"expect" => header::EXPECT,
        b"if-match" => header::IF_MATCH,
        b"if-modified-since" => header::IF_MODIFIED_SINCE,
        b"if-none-match" => header::IF_NONE_MATCH,
        b"location" => header::LOCATION,
        b"origin" => header::ORIGIN,
        b"pragma" => header::PRAGMA,
        b"range" => header::RANGE,
        b"referer" => header::REFERER,
        b"server" => header::SERVER,
        b"set-cookie" => header::SET_COOKIE,
        b"te" => header::TE,
        b"transfer-encoding" => header::TRANSFER_ENCODING,
        b"upgrade" => header::UPGRADE,
        b"upgrade-insecure-requests" => header::UPGRADE_INSECURE_REQUESTS,
        b"user-agent" => header::USER_AGENT,
        b"vary" => header::VARY,
        _ => return None,
    })
}

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
            Name::Standard(standard) => standard == self,
            Name::Custom(name) => name.as_bytes() == self.as_str().as_bytes(),
        }
    }
}

impl key::Sealed for &HeaderName {
    #[inline]
    fn matches_name(&self, name: &Name) -> bool {
        (*self).matches_name(name)
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

//! Byte searches sixteen bytes at a time (SSE2 on x86-64) or eight (SWAR): a header line's end
//! and colon in one pass ([`line`]), and the single searches behind it and the error paths.

const LOW: u64 = 0x0101_0101_0101_0101;
const HIGH: u64 = 0x8080_8080_8080_8080;

/// The high bit of each byte of `word` that is below `n` (`n` ≤ 128). The lowest flag is always
/// right: a wrong flag can only appear above a right one, through the borrow of a subtraction.
#[inline]
fn below(word: u64, n: u8) -> u64 {
    word.wrapping_sub(LOW * u64::from(n)) & !word & HIGH
}

/// The first byte of `haystack` that `flags` marks (in the high bit of each byte of a word);
/// the bytes after the last whole word are tested one by one with `is`.
#[inline]
fn find(haystack: &[u8], flags: impl Fn(u64) -> u64, is: impl Fn(u8) -> bool) -> Option<usize> {
    let mut chunks = haystack.chunks_exact(8);
    let mut offset = 0;
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = flags(word);
        if found != 0 {
            return Some(offset + (found.trailing_zeros() / 8) as usize);
        }
        offset += 8;
    }
    chunks
        .remainder()
        .iter()
        .position(|&b| is(b))
        .map(|i| offset + i)
}

/// The first `needle` in `haystack`.
#[inline]
pub(crate) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    let (at, found) = sse2::find_byte(haystack, needle);
    if found.is_some() {
        return found;
    }
    let pattern = LOW * u64::from(needle);
    let i = find(
        &haystack[at..],
        |word| below(word ^ pattern, 1),
        |b| b == needle,
    )?;
    Some(at + i)
}

/// The first byte of `word` (little-endian) that is `needle`.
#[inline]
pub(crate) fn find_in_word(word: u64, needle: u8) -> Option<usize> {
    let found = below(word ^ (LOW * u64::from(needle)), 1);
    (found != 0).then(|| (found.trailing_zeros() / 8) as usize)
}

/// The first control character (below 0x20, tab included) or DEL in `haystack`: where a header
/// value ends (`\r`, `\n`), may go on (tab), or is invalid (any other).
#[inline]
pub(crate) fn find_control(haystack: &[u8]) -> Option<usize> {
    const DEL: u64 = LOW * 0x7f;
    let (at, found) = sse2::find_control(haystack);
    if found.is_some() {
        return found;
    }
    let i = find(
        &haystack[at..],
        |word| below(word, 0x20) | below(word ^ DEL, 1),
        |b| b < 0x20 || b == 0x7f,
    )?;
    Some(at + i)
}

/// What [`line`] finds of the header line at `start`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Line {
    /// The first control byte or DEL at or after `start` (the head's length if none).
    pub(crate) end: usize,
    /// The first colon at or after `start` when that lies before `end`; else an index at or
    /// past `end` (`usize::MAX` if none was looked for there).
    pub(crate) colon: usize,
    /// The line's first sixteen bytes as two little-endian words, when the search read them as
    /// one block (not near the end of the head): a name of up to sixteen bytes is recognised
    /// from them without reading the head again.
    pub(crate) first: Option<[u64; 2]>,
}

/// Where the header line at `start` (`< head.len()`) of `head` ends, and where its name does.
///
/// One search for both, so that finding the next line waits only for this line's end, not
/// for its colon: a name is token bytes, so the first control byte of a line is its end (or a
/// tab inside its value, or an error, which the caller tells apart).
#[inline]
pub(crate) fn line(head: &[u8], start: usize) -> Line {
    match sse2::line(head, start) {
        Some(found) => found,
        None => line_by_words(head, start),
    }
}

/// [`line`] a word at a time: for short heads, and targets without SSE2.
#[inline(never)]
fn line_by_words(head: &[u8], start: usize) -> Line {
    let rest = &head[start..];
    let end = find_control(rest).map_or(head.len(), |i| start + i);
    Line {
        end,
        colon: colon_before(head, start, end),
        first: None,
    }
}

/// The first colon of `head[start..end]`, else `usize::MAX`; out of line, as most names end in
/// the first block, where [`line`] finds their colon.
#[inline(never)]
fn colon_before(head: &[u8], start: usize, end: usize) -> usize {
    find_byte(&head[start..end], b':').map_or(usize::MAX, |i| start + i)
}

/// The same searches sixteen bytes at a time, with SSE2 (part of every x86-64 processor).
/// `find_byte` and `find_control` search the whole blocks of sixteen and return where they
/// stopped and what they found, for the caller to search the rest a word at a time; `line` reads
/// the head's last sixteen bytes, shifted, for the rest.
#[cfg(target_arch = "x86_64")]
#[allow(
    unsafe_code,
    reason = "unaligned SSE2 loads, measured faster for the header parse (docs/performance.md)"
)]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_cvtsi128_si64,
        _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set_epi64x,
        _mm_set1_epi8, _mm_unpackhi_epi64,
    };

    /// The first byte of `haystack`'s whole blocks of sixteen for which `mask` (one bit per
    /// byte, from `_mm_movemask_epi8`) of the block is set.
    #[inline(always)]
    fn find(haystack: &[u8], mask: impl Fn(*const __m128i) -> i32) -> (usize, Option<usize>) {
        let mut at = 0;
        while at + 16 <= haystack.len() {
            // `at + 16 <= haystack.len()`: the block lies inside `haystack`.
            let bits = mask(haystack[at..].as_ptr().cast());
            if bits != 0 {
                return (at, Some(at + bits.trailing_zeros() as usize));
            }
            at += 16;
        }
        (at, None)
    }

    #[inline]
    pub(super) fn find_byte(haystack: &[u8], needle: u8) -> (usize, Option<usize>) {
        find(haystack, |block| {
            // SAFETY: `find` passes the address of sixteen bytes inside a slice; `loadu` reads
            // them at any alignment. SSE2 is enabled on every x86-64 target.
            unsafe {
                let block = _mm_loadu_si128(block);
                _mm_movemask_epi8(_mm_cmpeq_epi8(block, _mm_set1_epi8(needle as i8)))
            }
        })
    }

    /// The control bytes and DEL of a block, one bit per byte.
    #[inline(always)]
    fn controls(block: __m128i) -> i32 {
        // SAFETY: operations on a value in registers; SSE2 is enabled on every x86-64 target.
        unsafe {
            // A byte is below 0x20 when the smaller of it and 0x1f (unsigned) is itself.
            let control = _mm_cmpeq_epi8(_mm_min_epu8(block, _mm_set1_epi8(0x1f)), block);
            let del = _mm_cmpeq_epi8(block, _mm_set1_epi8(0x7f));
            _mm_movemask_epi8(_mm_or_si128(control, del))
        }
    }

    /// [`super::line`] for a head of at least sixteen bytes (`None` for a shorter one). Each
    /// block is sixteen bytes from `at`, or the head's last sixteen when fewer are left, with
    /// the bits of the bytes before `at` shifted out. The colon is looked for in the first
    /// block only (most names are shorter), else in the whole line once its end is known.
    #[inline]
    pub(super) fn line(head: &[u8], start: usize) -> Option<super::Line> {
        let last = head.len().checked_sub(16)?;
        let block = |at: usize| {
            let from = at.min(last);
            // SAFETY: `from + 16 <= head.len()` (`from <= last`): the block lies inside `head`;
            // `loadu` reads it at any alignment. SSE2 is enabled on every x86-64 target.
            (
                unsafe { _mm_loadu_si128(head[from..].as_ptr().cast()) },
                at - from,
            )
        };
        let (first, skip) = block(start);
        // SAFETY: as in `controls`.
        let colons =
            unsafe { _mm_movemask_epi8(_mm_cmpeq_epi8(first, _mm_set1_epi8(b':' as i8))) >> skip };
        let ends = controls(first) >> skip;
        let end = if ends != 0 {
            start + ends.trailing_zeros() as usize
        } else {
            // Whole blocks, then the last one shifted.
            let mut at = start + 16 - skip;
            loop {
                if at > last {
                    let (block, skip) = block(at);
                    let ends = controls(block) >> skip;
                    break if ends != 0 {
                        at + ends.trailing_zeros() as usize
                    } else {
                        head.len()
                    };
                }
                // SAFETY: `at <= last`: the block lies inside `head`.
                let ends = controls(unsafe { _mm_loadu_si128(head[at..].as_ptr().cast()) });
                if ends != 0 {
                    break at + ends.trailing_zeros() as usize;
                }
                at += 16;
            }
        };
        let colon = if colons != 0 {
            start + colons.trailing_zeros() as usize
        } else if end < start + 16 - skip {
            usize::MAX // the line ends in the first block, which has no colon
        } else {
            super::colon_before(head, start, end)
        };
        // SAFETY: as in `controls`.
        let first = (skip == 0).then(|| unsafe {
            [
                _mm_cvtsi128_si64(first) as u64,
                _mm_cvtsi128_si64(_mm_unpackhi_epi64(first, first)) as u64,
            ]
        });
        Some(super::Line { end, colon, first })
    }

    /// [`super::plain_name`] on the sixteen bytes at once.
    #[inline]
    pub(super) fn plain_name(words: [u64; 2], len: usize) -> Option<Option<[u64; 2]>> {
        let all = (1i32 << len) - 1;
        // SAFETY: as in `controls`.
        unsafe {
            let block = _mm_set_epi64x(words[1] as i64, words[0] as i64);
            let within = |v, low: u8, high: u8| {
                // Signed compares: bytes from 0x80 are negative, below any of the bounds.
                _mm_and_si128(
                    _mm_cmpgt_epi8(v, _mm_set1_epi8(low as i8 - 1)),
                    _mm_cmplt_epi8(v, _mm_set1_epi8(high as i8 + 1)),
                )
            };
            let case = _mm_set1_epi8(0x20);
            let letters = within(_mm_or_si128(block, case), b'a', b'z');
            let plain = _mm_or_si128(
                _mm_or_si128(letters, within(block, b'0', b'9')),
                _mm_cmpeq_epi8(block, _mm_set1_epi8(b'-' as i8)),
            );
            if _mm_movemask_epi8(plain) & all != all {
                return None;
            }
            let small = _mm_cmpeq_epi8(_mm_and_si128(block, case), case);
            if _mm_movemask_epi8(letters) & !_mm_movemask_epi8(small) & all == 0 {
                return Some(None);
            }
            let lower = _mm_or_si128(block, _mm_and_si128(letters, case));
            Some(Some([
                _mm_cvtsi128_si64(lower) as u64,
                _mm_cvtsi128_si64(_mm_unpackhi_epi64(lower, lower)) as u64,
            ]))
        }
    }

    #[inline]
    pub(super) fn find_control(haystack: &[u8]) -> (usize, Option<usize>) {
        find(haystack, |block| {
            // SAFETY: as in `find_byte`.
            controls(unsafe { _mm_loadu_si128(block) })
        })
    }
}

/// Elsewhere, nothing: the word loops search everything.
#[cfg(not(target_arch = "x86_64"))]
mod sse2 {
    pub(super) fn find_byte(_: &[u8], _: u8) -> (usize, Option<usize>) {
        (0, None)
    }

    pub(super) fn find_control(_: &[u8]) -> (usize, Option<usize>) {
        (0, None)
    }

    pub(super) fn line(_: &[u8], _: usize) -> Option<super::Line> {
        None
    }

    pub(super) fn plain_name(_: [u64; 2], _: usize) -> Option<Option<[u64; 2]>> {
        None
    }
}

/// Whether the name of `len` bytes (1 to 16) that `words` (a line's first sixteen bytes,
/// little-endian) begin with is all letters, digits and dashes, as most names are, and then
/// whether it has capitals: `Some(None)` for a lowercase name, `Some(Some(words))` with the
/// sixteen bytes lowercased for one with capitals, `None` for any other name, or where there is
/// no SSE2.
#[inline]
pub(crate) fn plain_name(words: [u64; 2], len: usize) -> Option<Option<[u64; 2]>> {
    debug_assert!((1..=16).contains(&len));
    sse2::plain_name(words, len)
}

/// The eight bytes of `bytes` from `at`, little-endian, zero past its end.
#[inline]
pub(crate) fn word_at(bytes: &[u8], at: usize) -> u64 {
    match bytes.get(at..at + 8) {
        Some(chunk) => u64::from_le_bytes(chunk.try_into().expect("eight bytes")),
        None => {
            let mut padded = [0u8; 8];
            let tail = bytes.get(at..).unwrap_or_default();
            padded[..tail.len()].copy_from_slice(tail);
            u64::from_le_bytes(padded)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Random short strings over few distinct bytes, so that matches and near-matches (0x0a ± 1,
    /// 0x1f, 0x20, 0x7e..0x80, 0x8a) are common.
    fn samples(mut each: impl FnMut(&[u8])) {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        for len in 0..70 {
            for _ in 0..50 {
                let bytes: Vec<u8> = (0..len)
                    .map(|_| {
                        seed ^= seed << 13;
                        seed ^= seed >> 7;
                        seed ^= seed << 17;
                        const ALPHABET: [u8; 12] = [
                            b'\n', 0x0b, b'\t', 0x8a, b'a', 0, 0xff, 0x1f, 0x20, 0x7e, 0x7f, 0x80,
                        ];
                        ALPHABET[(seed % 12) as usize]
                    })
                    .collect();
                each(&bytes);
            }
        }
    }

    #[test]
    fn find_byte_agrees_with_a_plain_scan() {
        samples(|bytes| {
            for needle in [b'\n', b':', 0, 0xff, 0x7f] {
                let plain = bytes.iter().position(|&b| b == needle);
                assert_eq!(find_byte(bytes, needle), plain, "{bytes:?} {needle}");
            }
        });
    }

    #[test]
    fn find_in_word_agrees_with_a_plain_scan() {
        samples(|bytes| {
            if let Ok(word) = <[u8; 8]>::try_from(bytes) {
                for needle in [b'\n', 0, 0xff, 0x7f, 0x1f] {
                    let plain = word.iter().position(|&b| b == needle);
                    assert_eq!(find_in_word(u64::from_le_bytes(word), needle), plain);
                }
            }
        });
    }

    #[test]
    fn find_control_agrees_with_a_plain_scan() {
        samples(|bytes| {
            let plain = bytes.iter().position(|&b| b < 0x20 || b == 0x7f);
            assert_eq!(find_control(bytes), plain, "{bytes:?}");
        });
    }

    #[test]
    fn line_agrees_with_a_plain_scan() {
        samples(|bytes| {
            // The same strings with colons in place of one of their letters.
            let colons: Vec<u8> = bytes
                .iter()
                .map(|&b| if b == b'a' { b':' } else { b })
                .collect();
            for head in [bytes, &colons[..]] {
                for start in 0..head.len() {
                    let rest = &head[start..];
                    let end = rest
                        .iter()
                        .position(|&b| b < 0x20 || b == 0x7f)
                        .map_or(head.len(), |i| start + i);
                    let colon = rest.iter().position(|&b| b == b':').map(|i| start + i);
                    let found = line(head, start);
                    assert_eq!(found.end, end, "{head:?} from {start}");
                    match colon {
                        Some(colon) if colon < end => assert_eq!(found.colon, colon),
                        _ => assert!(found.colon >= end, "{head:?} from {start}"),
                    }
                    if let Some(words) = found.first {
                        assert_eq!(words[0], word_at(head, start));
                        assert_eq!(words[1], word_at(head, start + 8));
                        assert!(start + 16 <= head.len());
                    }
                }
            }
        });
    }

    #[test]
    fn word_at_pads_with_zeros() {
        assert_eq!(word_at(b"abcdefghij", 0), u64::from_le_bytes(*b"abcdefgh"));
        assert_eq!(
            word_at(b"abcdefghij", 8),
            u64::from_le_bytes(*b"ij\0\0\0\0\0\0")
        );
        assert_eq!(word_at(b"abc", 5), 0);
    }
}

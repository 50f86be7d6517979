//! Compressed responses: `Content-Encoding` negotiated from the request's
//! `Accept-Encoding` (brotli, gzip, or none), applied to text bodies large
//! enough to gain (JSON, HTML, Markdown, feeds, the sitemap).
//!
//! Each encoding is its own representation, with its own strong `ETag`:
//! the identity tag with `-br` or `-gzip` inside the quotes (as Apache
//! does), so a shared cache never mixes the bytes of two encodings under
//! one tag. Validators compare the tag without that suffix
//! ([`without_encoding`]): `If-None-Match` with the tag of any encoding of
//! the same content answers 304, and `If-Match` on a write accepts the tag
//! of any encoding of the post's current version.
//!
//! Never compressed: streams (server-sent events are never buffered),
//! images and other binary types, bodies under [`MIN_BYTES`], responses
//! that say `Cache-Control: no-transform` or are already encoded, and
//! partial content.

use std::borrow::Cow;
use std::io::Write;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::web::Bytes;

use crate::middleware::metrics;

/// Bodies smaller than this are sent as they are: a few hundred bytes gain
/// less than the header costs, and the work is not worth it.
pub const MIN_BYTES: usize = 1024;
/// Larger bodies are sent as they are rather than held whole a second time.
const MAX_BYTES: usize = 16 << 20;

/// A content coding Folio sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

impl Encoding {
    /// The token in `Content-Encoding` and `Accept-Encoding`.
    pub fn token(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Gzip => "gzip",
            Self::Brotli => "br",
        }
    }

    /// The suffix this encoding adds inside an entity tag's quotes.
    fn etag_suffix(self) -> &'static str {
        match self {
            Self::Identity => "",
            Self::Gzip => "-gzip",
            Self::Brotli => "-br",
        }
    }

    /// The encoding `Accept-Encoding` asks for: the highest `q` among
    /// those Folio sends, brotli before gzip on a tie; identity when the
    /// header is absent, or allows neither (`q=0`, or only unknown codings).
    pub fn negotiate(headers: &HeaderMap) -> Self {
        let Some(accept) = headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
        else {
            return Self::Identity;
        };
        let (mut br, mut gzip, mut star) = (None, None, None);
        for item in accept.split(',') {
            let mut parts = item.split(';');
            let coding = parts.next().unwrap_or("").trim();
            let mut q = 1.0_f32;
            for param in parts {
                if let Some((name, value)) = param.split_once('=')
                    && name.trim().eq_ignore_ascii_case("q")
                {
                    // A malformed weight counts as "not acceptable".
                    q = value.trim().parse().unwrap_or(0.0);
                }
            }
            let slot = if coding.eq_ignore_ascii_case("br") {
                &mut br
            } else if coding.eq_ignore_ascii_case("gzip") || coding.eq_ignore_ascii_case("x-gzip") {
                &mut gzip
            } else if coding == "*" {
                &mut star
            } else {
                continue;
            };
            *slot = Some(q);
        }
        let br = br.or(star).unwrap_or(0.0);
        let gzip = gzip.or(star).unwrap_or(0.0);
        if br > 0.0 && br >= gzip {
            Self::Brotli
        } else if gzip > 0.0 {
            Self::Gzip
        } else {
            Self::Identity
        }
    }
}

/// An entity tag without the encoding suffix [`encode`] adds: the tag of
/// the content, whichever encoding it was sent in. Weak prefixes and quotes
/// are kept.
pub fn without_encoding(tag: &str) -> Cow<'_, str> {
    let (inner, close) = match tag.strip_suffix('"') {
        Some(inner) => (inner, "\""),
        None => (tag, ""),
    };
    for suffix in [Encoding::Brotli.etag_suffix(), Encoding::Gzip.etag_suffix()] {
        if let Some(base) = inner.strip_suffix(suffix) {
            return Cow::Owned(format!("{base}{close}"));
        }
    }
    Cow::Borrowed(tag)
}

/// Whether a body of this type gains from compression: text, JSON, XML
/// (feeds, the sitemap); never event streams or binary types.
fn compressible(headers: &HeaderMap) -> bool {
    let Some(content_type) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    // Images (SVG too: media is served as stored) and streams never.
    if essence == "text/event-stream" || essence.starts_with("image/") {
        return false;
    }
    essence.starts_with("text/")
        || essence == "application/json"
        || essence == "application/xml"
        || essence.ends_with("+json")
        || essence.ends_with("+xml")
}

/// Whether a body of `len` bytes with these headers may be sent in
/// another encoding than the identity (for a caller that must decide
/// before reading it).
pub fn may_encode(headers: &HeaderMap, len: usize) -> bool {
    (MIN_BYTES..=MAX_BYTES).contains(&len)
        && compressible(headers)
        && !headers.contains_key(header::CONTENT_ENCODING)
        && !headers.contains_key(header::CONTENT_RANGE)
        && !headers
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|cc| cc.to_ascii_lowercase().contains("no-transform"))
}

/// The body in `encoding` where it gains, with `headers` made to match:
/// `Content-Encoding`, the entity tag's suffix, `Vary: Accept-Encoding`
/// (also on the identity form of a body that other clients get
/// compressed). Anything else comes back as it was.
pub fn encode(headers: &mut HeaderMap, body: Bytes, encoding: Encoding) -> Bytes {
    if !may_encode(headers, body.len()) {
        return body;
    }
    add_vary(headers);
    if encoding == Encoding::Identity {
        return body;
    }
    let encoded = compress(encoding, &body);
    headers.insert(
        header::CONTENT_ENCODING,
        HeaderValue::from_static(encoding.token()),
    );
    headers.remove(header::CONTENT_LENGTH);
    if let Some(tag) = headers.get(header::ETAG).and_then(|v| v.to_str().ok())
        && let Some(inner) = tag.strip_suffix('"')
        && let Ok(value) = HeaderValue::from_str(&format!("{inner}{}\"", encoding.etag_suffix()))
    {
        headers.insert(header::ETAG, value);
    }
    encoded
}

/// Adds `Accept-Encoding` to `Vary` unless it is there (or `*` is).
fn add_vary(headers: &mut HeaderMap) {
    let present = headers.get_all(header::VARY).any(|v| {
        v.to_str().is_ok_and(|v| {
            v.split(',').any(|f| {
                let f = f.trim();
                f == "*" || f.eq_ignore_ascii_case("accept-encoding")
            })
        })
    });
    if present {
        return;
    }
    // One header line, so that readers of the first `Vary` see it all.
    let mut fields: Vec<&str> = headers
        .get_all(header::VARY)
        .filter_map(|v| v.to_str().ok())
        .collect();
    fields.push("Accept-Encoding");
    if let Ok(value) = HeaderValue::from_str(&fields.join(", ")) {
        headers.insert(header::VARY, value);
    }
}

/// Compresses `body`: brotli at quality 5 and gzip at level 6, the usual
/// balance for responses made on demand (the read cache keeps the result,
/// so a cached answer is compressed once).
fn compress(encoding: Encoding, body: &[u8]) -> Bytes {
    metrics::compressed(encoding.token());
    let mut out = Vec::with_capacity(body.len() / 3 + 64);
    match encoding {
        Encoding::Identity => return Bytes::copy_from_slice(body),
        Encoding::Brotli => {
            let params = brotli::enc::BrotliEncoderParams {
                quality: 5,
                lgwin: 20,
                // Lets the encoder size its tables to the body rather than
                // to the window (a third cheaper for a 10 KB post).
                size_hint: body.len(),
                ..Default::default()
            };
            let mut reader = body;
            // Writing into a Vec cannot fail.
            let _ = brotli::BrotliCompress(&mut reader, &mut out, &params);
        }
        Encoding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(&mut out, flate2::Compression::new(6));
            let _ = encoder.write_all(body);
            let _ = encoder.finish();
        }
    }
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    fn accept(value: &str) -> Encoding {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        Encoding::negotiate(&headers)
    }

    #[test]
    fn accept_encoding_is_negotiated_by_weight() {
        assert_eq!(Encoding::negotiate(&HeaderMap::new()), Encoding::Identity);
        assert_eq!(accept("gzip, deflate, br"), Encoding::Brotli);
        assert_eq!(accept("gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0.5, gzip"), Encoding::Gzip);
        assert_eq!(accept("br;q=0, gzip;q=0.1"), Encoding::Gzip);
        assert_eq!(accept("gzip;q=0, br;q=0"), Encoding::Identity);
        assert_eq!(accept("identity"), Encoding::Identity);
        assert_eq!(accept("deflate, zstd"), Encoding::Identity);
        assert_eq!(accept("*"), Encoding::Brotli);
        assert_eq!(accept("*;q=0.5, br;q=0"), Encoding::Gzip);
        assert_eq!(accept("BR;Q=1"), Encoding::Brotli);
        assert_eq!(accept("br;q=nonsense"), Encoding::Identity);
    }

    #[test]
    fn an_encodings_tag_reads_back_to_the_contents() {
        assert_eq!(without_encoding("\"abc-br\""), "\"abc\"");
        assert_eq!(without_encoding("\"abc-gzip\""), "\"abc\"");
        assert_eq!(without_encoding("W/\"abc-gzip\""), "W/\"abc\"");
        assert_eq!(without_encoding("\"abc-html\""), "\"abc-html\"");
        assert_eq!(without_encoding("abc-br"), "abc");
        assert_eq!(without_encoding("\"\""), "\"\"");
    }

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(header::ETAG, HeaderValue::from_static("\"abc\""));
        headers
    }

    #[test]
    fn large_text_is_compressed_and_reads_back() {
        let body = Bytes::from("{\"text\": \"words words words\"}".repeat(100));
        let mut headers = json_headers();
        let br = encode(&mut headers, body.clone(), Encoding::Brotli);
        assert!(br.len() * 3 < body.len());
        assert_eq!(headers.get(header::CONTENT_ENCODING).unwrap(), "br");
        assert_eq!(headers.get(header::ETAG).unwrap(), "\"abc-br\"");
        assert_eq!(headers.get(header::VARY).unwrap(), "Accept-Encoding");
        let mut plain = Vec::new();
        brotli::Decompressor::new(&br[..], 4096)
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, body);

        let mut headers = json_headers();
        let gz = encode(&mut headers, body.clone(), Encoding::Gzip);
        assert_eq!(headers.get(header::ETAG).unwrap(), "\"abc-gzip\"");
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(&gz[..])
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, body);

        let mut headers = json_headers();
        let same = encode(&mut headers, body.clone(), Encoding::Identity);
        assert_eq!(same, body);
        assert_eq!(headers.get(header::ETAG).unwrap(), "\"abc\"");
        assert_eq!(
            headers.get(header::VARY).unwrap(),
            "Accept-Encoding",
            "others get it compressed"
        );
    }

    #[test]
    fn small_bodies_streams_and_binary_types_are_left_alone() {
        let small = Bytes::from(vec![b'a'; MIN_BYTES - 1]);
        let mut headers = json_headers();
        assert_eq!(
            encode(&mut headers, small, Encoding::Brotli).len(),
            MIN_BYTES - 1
        );
        assert!(!headers.contains_key(header::VARY));
        for content_type in [
            "text/event-stream",
            "image/png",
            "image/svg+xml",
            "application/octet-stream",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_str(content_type).unwrap(),
            );
            let body = Bytes::from(vec![b'a'; 4096]);
            assert_eq!(encode(&mut headers, body, Encoding::Gzip).len(), 4096);
            assert!(
                !headers.contains_key(header::CONTENT_ENCODING),
                "{content_type}"
            );
        }
        let mut headers = json_headers();
        headers.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, no-transform"),
        );
        let body = Bytes::from(vec![b'a'; 4096]);
        assert_eq!(encode(&mut headers, body, Encoding::Gzip).len(), 4096);
    }
}

//! What an upload goes through before it is stored: its type from its
//! magic bytes (never its name or `Content-Type`), its dimensions from
//! its header (checked against the caps before a single pixel is
//! decoded), a full decode under [`image::Limits`] (a truncated or
//! corrupt file is refused here), EXIF orientation applied, metadata
//! stripped, a ThumbHash placeholder, and the SHA-256 of what is stored.
//!
//! Metadata is removed by rewriting the file's own structure, losslessly:
//! JPEG APPn segments other than JFIF, ICC and Adobe, and comments; PNG
//! `eXIf`, `tEXt`, `iTXt`, `zTXt` and `tIME` chunks; WebP `EXIF` and `XMP `
//! chunks; GIF comments and application extensions other than looping.
//! Anything after the format's end marker (a ZIP glued to a PNG, HTML after
//! a GIF) is dropped with them. Only an image whose EXIF orientation is not
//! the identity is re-encoded (JPEG at quality 90, keeping its ICC
//! profile), so that every viewer shows it upright.
//!
//! AVIF cannot be decoded here (no AV1 decoder without C libraries): it is
//! stored as uploaded, original only (no variants, no placeholder), and an
//! AVIF that carries EXIF or XMP metadata is refused rather than served
//! with it.
//!
//! Everything here is CPU-bound and blocking: callers run it on
//! `spawn_blocking`, a bounded number at once.

use std::io::Cursor;

use base64::Engine;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, metadata::Orientation};
use sha2::{Digest, Sha256};

/// The types accepted (by magic bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Png,
    Jpeg,
    Gif,
    Webp,
    Avif,
}

impl Kind {
    pub fn ext(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpg",
            Self::Gif => "gif",
            Self::Webp => "webp",
            Self::Avif => "avif",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Avif => "image/avif",
        }
    }

    pub fn from_ext(ext: &str) -> Option<Self> {
        [Self::Png, Self::Jpeg, Self::Gif, Self::Webp, Self::Avif]
            .into_iter()
            .find(|k| k.ext() == ext)
    }

    fn format(self) -> Option<ImageFormat> {
        match self {
            Self::Png => Some(ImageFormat::Png),
            Self::Jpeg => Some(ImageFormat::Jpeg),
            Self::Gif => Some(ImageFormat::Gif),
            Self::Webp => Some(ImageFormat::WebP),
            Self::Avif => None,
        }
    }

    /// The type the bytes say they are, if it is one of ours.
    pub fn sniff(bytes: &[u8]) -> Option<Self> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(Self::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(Self::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(Self::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(Self::Webp)
        } else if is_avif(bytes) {
            Some(Self::Avif)
        } else {
            None
        }
    }
}

/// An ISO-BMFF file whose `ftyp` names the AVIF brand.
fn is_avif(bytes: &[u8]) -> bool {
    if bytes.len() < 16 || &bytes[4..8] != b"ftyp" {
        return false;
    }
    let size = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]) as usize;
    let end = size.min(bytes.len()).min(256);
    let brands = |b: &[u8]| b == b"avif" || b == b"avis";
    brands(&bytes[8..12]) || bytes[16.min(end)..end].chunks_exact(4).any(brands)
}

/// Whether the bytes look like SVG (refused with its own message).
pub fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(1024)];
    let text = String::from_utf8_lossy(head).to_ascii_lowercase();
    let text = text.trim_start_matches('\u{feff}').trim_start();
    (text.starts_with("<?xml") || text.starts_with("<svg") || text.starts_with("<!doctype svg"))
        && text.contains("<svg")
        || text.starts_with("<svg")
}

/// Why an upload is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not an allowed type (415).
    #[error("{0}")]
    Unsupported(String),
    /// Unreadable, truncated, too many pixels (422).
    #[error("{0}")]
    Invalid(String),
}

/// The caps an image must fit, checked from its header before decoding.
#[derive(Debug, Clone, Copy)]
pub struct Caps {
    pub max_pixels: u64,
    pub max_side: u32,
}

impl Caps {
    fn check(&self, width: u32, height: u32) -> Result<(), Refusal> {
        if width == 0 || height == 0 {
            return Err(Refusal::Invalid("the image has no pixels".into()));
        }
        if width.max(height) > self.max_side {
            return Err(Refusal::Invalid(format!(
                "the image is {width}×{height} pixels; neither side may exceed {}",
                self.max_side
            )));
        }
        if u64::from(width) * u64::from(height) > self.max_pixels {
            return Err(Refusal::Invalid(format!(
                "the image is {width}×{height} pixels; at most {} pixels are accepted",
                self.max_pixels
            )));
        }
        Ok(())
    }

    /// Decoder limits: the same sides, and memory for the pixels (up to 16
    /// bits per channel with alpha) plus room for the decoder's own state.
    pub fn limits(&self) -> image::Limits {
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(self.max_side);
        limits.max_image_height = Some(self.max_side);
        limits.max_alloc = Some(self.max_pixels.saturating_mul(8) + (64 << 20));
        limits
    }
}

/// An upload ready to store.
#[derive(Debug, Clone)]
pub struct Ingested {
    pub kind: Kind,
    /// What is stored and served: the upload without its metadata.
    pub bytes: Vec<u8>,
    pub sha256: String,
    /// Upright (after the orientation was applied).
    pub width: u32,
    pub height: u32,
    /// Some pixel is not fully opaque.
    pub has_alpha: bool,
    /// More than one frame (GIF, WebP): served as uploaded, no variants.
    pub animated: bool,
    /// Whether variants can be made (decodable, still).
    pub resizable: bool,
    pub placeholder: Option<String>,
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn corrupt() -> Refusal {
    Refusal::Invalid("the image is truncated or corrupt".into())
}

/// Checks, cleans and measures an upload.
pub fn ingest(input: &[u8], caps: Caps) -> Result<Ingested, Refusal> {
    let Some(kind) = Kind::sniff(input) else {
        return Err(Refusal::Unsupported(if looks_like_svg(input) {
            "SVG is not accepted (it can carry scripts); upload a PNG, JPEG, GIF, WebP or AVIF"
                .into()
        } else {
            "not an accepted image: PNG, JPEG, GIF, WebP and AVIF are (the type is read from the file's content, not its name)"
                .into()
        }));
    };
    let size = imagesize::blob_size(input).map_err(|_| corrupt())?;
    let (width, height) = (
        u32::try_from(size.width).map_err(|_| corrupt())?,
        u32::try_from(size.height).map_err(|_| corrupt())?,
    );
    caps.check(width, height)?;

    let Some(format) = kind.format() else {
        check_avif_has_no_metadata(input)?;
        return Ok(Ingested {
            kind,
            sha256: sha256_hex(input),
            bytes: input.to_vec(),
            width,
            height,
            has_alpha: false,
            animated: false,
            resizable: false,
            placeholder: None,
        });
    };

    let stripped = strip_metadata(kind, input)?;

    let mut reader = ImageReader::with_format(Cursor::new(input), format);
    reader.limits(caps.limits());
    let mut decoder = reader.into_decoder().map_err(|_| corrupt())?;
    let (dw, dh) = decoder.dimensions();
    caps.check(dw, dh)?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let icc = decoder.icc_profile().ok().flatten();
    let mut img = DynamicImage::from_decoder(decoder).map_err(|_| corrupt())?;

    let bytes = if orientation == Orientation::NoTransforms {
        stripped.bytes
    } else {
        img.apply_orientation(orientation);
        reencode(kind, &img, icc).map_err(|e| Refusal::Invalid(format!("cannot re-encode: {e}")))?
    };
    let has_alpha = img.color().has_alpha() && !fully_opaque(&img);
    let placeholder = placeholder(&img);
    Ok(Ingested {
        kind,
        sha256: sha256_hex(&bytes),
        bytes,
        width: img.width(),
        height: img.height(),
        has_alpha,
        animated: stripped.animated,
        resizable: !stripped.animated,
        placeholder: Some(placeholder),
    })
}

fn fully_opaque(img: &DynamicImage) -> bool {
    match img {
        DynamicImage::ImageRgba8(b) => b.pixels().all(|p| p.0[3] == 255),
        DynamicImage::ImageLumaA8(b) => b.pixels().all(|p| p.0[1] == 255),
        DynamicImage::ImageRgba16(b) => b.pixels().all(|p| p.0[3] == u16::MAX),
        DynamicImage::ImageLumaA16(b) => b.pixels().all(|p| p.0[1] == u16::MAX),
        _ => !img.color().has_alpha(),
    }
}

/// A ThumbHash of the image (from a thumbnail of at most 100×100), base64.
pub fn placeholder(img: &DynamicImage) -> String {
    let small = img.thumbnail(100, 100).to_rgba8();
    let hash = thumbhash::rgba_to_thumb_hash(
        small.width() as usize,
        small.height() as usize,
        small.as_raw(),
    );
    base64::engine::general_purpose::STANDARD.encode(hash)
}

fn reencode(kind: Kind, img: &DynamicImage, icc: Option<Vec<u8>>) -> image::ImageResult<Vec<u8>> {
    use image::ImageEncoder;
    let mut out = Vec::new();
    match kind {
        Kind::Jpeg => {
            let rgb = img.to_rgb8();
            let mut encoder = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
            if let Some(icc) = icc {
                // A profile the encoder cannot carry is dropped, not fatal.
                let _ = encoder.set_icc_profile(icc);
            }
            encoder.write_image(
                rgb.as_raw(),
                rgb.width(),
                rgb.height(),
                image::ExtendedColorType::Rgb8,
            )?;
        }
        Kind::Webp => {
            let rgba = img.to_rgba8();
            image::codecs::webp::WebPEncoder::new_lossless(&mut out).write_image(
                rgba.as_raw(),
                rgba.width(),
                rgba.height(),
                image::ExtendedColorType::Rgba8,
            )?;
        }
        // PNG (and GIF, which has no EXIF): PNG keeps every pixel.
        _ => img.write_to(&mut Cursor::new(&mut out), ImageFormat::Png)?,
    }
    Ok(out)
}

/// A file rewritten without its metadata.
struct Stripped {
    bytes: Vec<u8>,
    animated: bool,
}

fn strip_metadata(kind: Kind, input: &[u8]) -> Result<Stripped, Refusal> {
    let still = |bytes| Stripped {
        bytes,
        animated: false,
    };
    match kind {
        Kind::Jpeg => strip_jpeg(input).map(still),
        Kind::Png => strip_png(input).map(still),
        Kind::Gif => strip_gif(input),
        Kind::Webp => strip_webp(input),
        Kind::Avif => Some(still(input.to_vec())),
    }
    .ok_or_else(corrupt)
}

fn be16(b: &[u8], at: usize) -> Option<usize> {
    Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]) as usize)
}

/// JPEG: every segment up to EOI, less APPn (but JFIF, ICC and Adobe)
/// and COM; the entropy-coded data of each scan copied as is.
fn strip_jpeg(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&[0xFF, 0xD8]);
    let mut pos = 2;
    loop {
        if *b.get(pos)? != 0xFF {
            return None;
        }
        // Fill bytes before a marker.
        while *b.get(pos + 1)? == 0xFF {
            pos += 1;
        }
        let marker = b[pos + 1];
        match marker {
            0xD9 => {
                out.extend_from_slice(&[0xFF, 0xD9]);
                return Some(out);
            }
            0x01 | 0xD0..=0xD7 => {
                out.extend_from_slice(&b[pos..pos + 2]);
                pos += 2;
                continue;
            }
            _ => {}
        }
        let len = be16(b, pos + 2)?;
        if len < 2 {
            return None;
        }
        let segment = b.get(pos..pos + 2 + len)?;
        let payload = &segment[4..];
        let keep = match marker {
            0xE0 => payload.starts_with(b"JFIF\0") || payload.starts_with(b"JFXX\0"),
            0xE2 => payload.starts_with(b"ICC_PROFILE\0"),
            0xEE => payload.starts_with(b"Adobe"),
            0xE1 | 0xE3..=0xED | 0xEF | 0xFE => false,
            _ => true,
        };
        if keep {
            out.extend_from_slice(segment);
        }
        pos += 2 + len;
        if marker == 0xDA {
            // Entropy-coded data runs to the next marker that is not a
            // stuffed 0xFF00 or a restart marker.
            let start = pos;
            loop {
                let byte = *b.get(pos)?;
                if byte == 0xFF {
                    let next = *b.get(pos + 1)?;
                    if next == 0x00 || (0xD0..=0xD7).contains(&next) {
                        pos += 2;
                        continue;
                    }
                    if next == 0xFF {
                        pos += 1;
                        continue;
                    }
                    break;
                }
                pos += 1;
            }
            out.extend_from_slice(&b[start..pos]);
        }
    }
}

/// PNG: every chunk up to IEND, less text, time and EXIF chunks.
fn strip_png(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(b.len());
    out.extend_from_slice(&b[..8]);
    let mut pos = 8;
    loop {
        let len = u32::from_be_bytes(b.get(pos..pos + 4)?.try_into().ok()?) as usize;
        if len > 0x7FFF_FFFF {
            return None;
        }
        let kind = b.get(pos + 4..pos + 8)?;
        let chunk = b.get(pos..pos + 12 + len)?;
        if !matches!(kind, b"eXIf" | b"tEXt" | b"iTXt" | b"zTXt" | b"tIME") {
            out.extend_from_slice(chunk);
        }
        pos += 12 + len;
        if kind == b"IEND" {
            return Some(out);
        }
    }
}

/// GIF sub-blocks from `pos`: the position after their terminator.
fn gif_sub_blocks(b: &[u8], mut pos: usize) -> Option<usize> {
    loop {
        let size = *b.get(pos)? as usize;
        pos += 1;
        if size == 0 {
            return Some(pos);
        }
        pos += size;
    }
}

/// GIF: every block up to the trailer, less comments and application
/// extensions other than looping (XMP travels in one).
fn strip_gif(b: &[u8]) -> Option<Stripped> {
    let mut out = Vec::with_capacity(b.len());
    let flags = *b.get(10)?;
    let mut pos = 13;
    if flags & 0x80 != 0 {
        pos += 3 << ((flags & 7) + 1);
    }
    out.extend_from_slice(b.get(..pos)?);
    let mut frames = 0;
    loop {
        match *b.get(pos)? {
            0x3B => {
                out.push(0x3B);
                return Some(Stripped {
                    bytes: out,
                    animated: frames > 1,
                });
            }
            0x21 => {
                let label = *b.get(pos + 1)?;
                let end = gif_sub_blocks(b, pos + 2)?;
                let block = b.get(pos..end)?;
                let keep = match label {
                    0xFE => false,
                    0xFF => {
                        let id = b.get(pos + 3..pos + 14)?;
                        id == b"NETSCAPE2.0" || id == b"ANIMEXTS1.0"
                    }
                    _ => true,
                };
                if keep {
                    out.extend_from_slice(block);
                }
                pos = end;
            }
            0x2C => {
                frames += 1;
                let flags = *b.get(pos + 9)?;
                let mut data = pos + 10;
                if flags & 0x80 != 0 {
                    data += 3 << ((flags & 7) + 1);
                }
                // The LZW minimum code size, then the image data.
                let end = gif_sub_blocks(b, data + 1)?;
                out.extend_from_slice(b.get(pos..end)?);
                pos = end;
            }
            _ => return None,
        }
    }
}

/// WebP: the RIFF chunks less `EXIF` and `XMP `, with the extended
/// header's flags and the RIFF size made to match.
fn strip_webp(b: &[u8]) -> Option<Stripped> {
    let riff_size = u32::from_le_bytes(b.get(4..8)?.try_into().ok()?) as usize;
    let end = 8usize.checked_add(riff_size)?;
    if end > b.len() || riff_size < 4 {
        return None;
    }
    let mut out = Vec::with_capacity(end);
    out.extend_from_slice(&b[..12]);
    let mut pos = 12;
    let mut animated = false;
    while pos < end {
        let fourcc = b.get(pos..pos + 4)?;
        let size = u32::from_le_bytes(b.get(pos + 4..pos + 8)?.try_into().ok()?) as usize;
        let padded = size + (size & 1);
        let chunk_end = (pos + 8 + padded).min(end);
        if pos + 8 + size > end {
            return None;
        }
        let chunk = &b[pos..chunk_end];
        match fourcc {
            b"EXIF" | b"XMP " => {}
            b"VP8X" => {
                let at = out.len();
                out.extend_from_slice(chunk);
                let flags = out.get_mut(at + 8)?;
                animated = *flags & 0x02 != 0;
                *flags &= !(0x08 | 0x04);
            }
            _ => out.extend_from_slice(chunk),
        }
        pos += 8 + padded;
    }
    let size = u32::try_from(out.len() - 8).ok()?;
    out[4..8].copy_from_slice(&size.to_le_bytes());
    Some(Stripped {
        bytes: out,
        animated,
    })
}

/// AVIF metadata lives in items of the `meta` box: `Exif`, or `mime`
/// items holding XMP. Either is refused (it cannot be removed here).
fn check_avif_has_no_metadata(b: &[u8]) -> Result<(), Refusal> {
    let mut pos = 0;
    while pos + 8 <= b.len() {
        let size = u32::from_be_bytes(b[pos..pos + 4].try_into().unwrap_or_default()) as usize;
        let kind = &b[pos + 4..pos + 8];
        let (header, size) = match size {
            0 => (8, b.len() - pos),
            1 => {
                let large = b
                    .get(pos + 8..pos + 16)
                    .and_then(|s| s.try_into().ok())
                    .map(u64::from_be_bytes)
                    .ok_or_else(corrupt)?;
                (16, usize::try_from(large).map_err(|_| corrupt())?)
            }
            n => (8, n),
        };
        if size < header || pos + size > b.len() {
            return Err(corrupt());
        }
        if kind == b"meta" {
            let meta = &b[pos..pos + size];
            let has = |needle: &[u8]| meta.windows(needle.len()).any(|w| w == needle);
            if has(b"Exif") || has(b"application/rdf+xml") {
                return Err(Refusal::Invalid(
                    "AVIF files carrying EXIF or XMP metadata are not accepted (it cannot be stripped from them here): remove it and upload again".into(),
                ));
            }
        }
        pos += size;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CAPS: Caps = Caps {
        max_pixels: 40_000_000,
        max_side: 16_384,
    };

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 128]));
        let mut out = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut out), ImageFormat::Png)
            .unwrap();
        out
    }

    #[test]
    fn types_come_from_magic_bytes() {
        assert_eq!(Kind::sniff(&png(2, 2)), Some(Kind::Png));
        assert_eq!(Kind::sniff(b"GIF89a...."), Some(Kind::Gif));
        assert_eq!(
            Kind::sniff(b"<svg xmlns='http://www.w3.org/2000/svg'/>"),
            None
        );
        assert!(looks_like_svg(b"  <?xml version='1.0'?><svg/>"));
        assert!(!looks_like_svg(b"hello"));
    }

    #[test]
    fn png_text_chunks_and_trailing_bytes_are_dropped() {
        let clean = png(4, 3);
        // A tEXt chunk after IHDR (8 + 25 bytes), and a ZIP after IEND.
        let mut text = Vec::new();
        let data = b"Comment\0secret location";
        text.extend_from_slice(&(data.len() as u32).to_be_bytes());
        text.extend_from_slice(b"tEXt");
        text.extend_from_slice(data);
        text.extend_from_slice(&[0, 0, 0, 0]);
        let mut dirty = clean[..33].to_vec();
        dirty.extend_from_slice(&text);
        dirty.extend_from_slice(&clean[33..]);
        dirty.extend_from_slice(b"PK\x03\x04zip");
        assert_eq!(strip_png(&dirty).unwrap(), clean);
    }

    #[test]
    fn a_truncated_png_is_refused() {
        let clean = png(40, 30);
        let cut = &clean[..clean.len() - 20];
        assert!(matches!(ingest(cut, CAPS), Err(Refusal::Invalid(_))));
    }

    #[test]
    fn caps_are_checked_before_decoding() {
        let clean = png(50, 40);
        let small = Caps {
            max_pixels: 1_000,
            max_side: 16_384,
        };
        assert!(matches!(ingest(&clean, small), Err(Refusal::Invalid(m)) if m.contains("50×40")));
        let ok = ingest(&clean, CAPS).unwrap();
        assert_eq!((ok.width, ok.height, ok.kind), (50, 40, Kind::Png));
        assert!(!ok.has_alpha && ok.resizable && ok.placeholder.is_some());
    }
}

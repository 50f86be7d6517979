//! Responsive variants: which are planned for an image, and making them.
//!
//! Planned at upload: each configured width strictly below the image's
//! width, plus the image's own width capped at the largest configured one
//! (so an image narrower than every preset still gets a WebP). Each width
//! comes as WebP (lossy, quality 80) and a fallback: JPEG (quality 82) for
//! opaque images, PNG for images with transparency. Animated images and
//! AVIF get none (served as uploaded).
//!
//! Made by a job ([`crate::media::worker`]): the original is decoded once,
//! then each width is made from the previous, larger one (widest first),
//! with area averaging, so memory holds the decoded original and one
//! smaller copy at a time. No preset crops (the aspect ratio is always
//! kept), so the focal point is stored and exposed for frontends that crop,
//! and used by nothing here.

use std::io::Cursor;

use image::{DynamicImage, ImageEncoder, ImageFormat, ImageReader};

use super::ingest::{Caps, Kind};

/// One planned variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Planned {
    pub width: u32,
    pub height: u32,
    pub format: &'static str,
}

/// The variants of an image of this size.
pub fn plan(width: u32, height: u32, has_alpha: bool, widths: &[u32]) -> Vec<Planned> {
    let Some(&largest) = widths.iter().max() else {
        return Vec::new();
    };
    let mut targets: Vec<u32> = widths.iter().copied().filter(|w| *w < width).collect();
    let own = width.min(largest);
    if !targets.contains(&own) {
        targets.push(own);
    }
    targets.sort_unstable();
    let fallback = if has_alpha { "png" } else { "jpeg" };
    targets
        .into_iter()
        .flat_map(|w| {
            let h = scaled_height(width, height, w);
            [
                Planned {
                    width: w,
                    height: h,
                    format: "webp",
                },
                Planned {
                    width: w,
                    height: h,
                    format: fallback,
                },
            ]
        })
        .collect()
}

fn scaled_height(width: u32, height: u32, to: u32) -> u32 {
    ((u64::from(height) * u64::from(to) + u64::from(width) / 2) / u64::from(width)).max(1) as u32
}

pub fn content_type(format: &str) -> &'static str {
    match format {
        "webp" => "image/webp",
        "jpeg" => "image/jpeg",
        _ => "image/png",
    }
}

/// Decodes a stored original and makes the variants, widest first;
/// `made` is called with each as soon as it is encoded (so its bytes
/// need not wait for the rest).
pub fn make(
    original: &[u8],
    kind: Kind,
    caps: Caps,
    planned: &[Planned],
    mut made: impl FnMut(Planned, Vec<u8>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let format = match kind {
        Kind::Png => ImageFormat::Png,
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Gif => ImageFormat::Gif,
        Kind::Webp => ImageFormat::WebP,
        Kind::Avif => anyhow::bail!("AVIF cannot be decoded here"),
    };
    let mut reader = ImageReader::with_format(Cursor::new(original), format);
    reader.limits(caps.limits());
    let img = reader.decode()?;
    let alpha = planned.iter().any(|p| p.format == "png");
    let mut source = if alpha {
        DynamicImage::ImageRgba8(img.into_rgba8())
    } else {
        DynamicImage::ImageRgb8(img.into_rgb8())
    };
    let mut widths: Vec<(u32, u32)> = planned.iter().map(|p| (p.width, p.height)).collect();
    widths.sort_unstable_by(|a, b| b.cmp(a));
    widths.dedup();
    for (w, h) in widths {
        if (source.width(), source.height()) != (w, h) {
            // Area averaging from the previous (larger) one; the larger
            // one is dropped here, so only one copy of each size lives.
            source = match &source {
                DynamicImage::ImageRgba8(b) => {
                    DynamicImage::ImageRgba8(image::imageops::thumbnail(b, w, h))
                }
                DynamicImage::ImageRgb8(b) => {
                    DynamicImage::ImageRgb8(image::imageops::thumbnail(b, w, h))
                }
                other => other.thumbnail_exact(w, h),
            };
        }
        for p in planned.iter().filter(|p| p.width == w) {
            made(*p, encode(&source, p.format)?)?;
        }
    }
    Ok(())
}

fn encode(img: &DynamicImage, format: &str) -> anyhow::Result<Vec<u8>> {
    let (w, h) = (img.width(), img.height());
    let mut out = Vec::new();
    match (format, img) {
        ("webp", DynamicImage::ImageRgba8(b)) => {
            out = webp::Encoder::from_rgba(b.as_raw(), w, h)
                .encode_simple(false, 80.0)
                .map_err(|e| anyhow::anyhow!("webp: {e:?}"))?
                .to_vec();
        }
        ("webp", DynamicImage::ImageRgb8(b)) => {
            out = webp::Encoder::from_rgb(b.as_raw(), w, h)
                .encode_simple(false, 80.0)
                .map_err(|e| anyhow::anyhow!("webp: {e:?}"))?
                .to_vec();
        }
        ("jpeg", _) => {
            let rgb = img.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 82).write_image(
                rgb.as_raw(),
                w,
                h,
                image::ExtendedColorType::Rgb8,
            )?;
        }
        ("png", _) => {
            let rgba = img.to_rgba8();
            image::codecs::png::PngEncoder::new(&mut out).write_image(
                rgba.as_raw(),
                w,
                h,
                image::ExtendedColorType::Rgba8,
            )?;
        }
        (other, _) => anyhow::bail!("no encoder for {other}"),
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WIDTHS: &[u32] = &[320, 640, 960, 1280, 1920];

    #[test]
    fn widths_below_the_image_and_its_own_capped_at_the_largest() {
        let widths = |w, h| {
            plan(w, h, false, WIDTHS)
                .iter()
                .filter(|p| p.format == "webp")
                .map(|p| (p.width, p.height))
                .collect::<Vec<_>>()
        };
        assert_eq!(widths(800, 400), vec![(320, 160), (640, 320), (800, 400)]);
        assert_eq!(widths(200, 100), vec![(200, 100)]);
        assert_eq!(
            widths(6000, 4000),
            vec![
                (320, 213),
                (640, 427),
                (960, 640),
                (1280, 853),
                (1920, 1280)
            ]
        );
        assert_eq!(widths(640, 10).len(), 2);
    }

    #[test]
    fn the_fallback_follows_transparency() {
        assert!(
            plan(100, 100, true, WIDTHS)
                .iter()
                .any(|p| p.format == "png")
        );
        assert!(
            plan(100, 100, false, WIDTHS)
                .iter()
                .any(|p| p.format == "jpeg")
        );
    }

    #[test]
    fn variants_are_made_at_their_sizes_in_their_formats() {
        let img = image::RgbImage::from_fn(700, 350, |x, y| image::Rgb([x as u8, y as u8, 9]));
        let mut png = Vec::new();
        DynamicImage::ImageRgb8(img)
            .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
            .unwrap();
        let planned = plan(700, 350, false, WIDTHS);
        let caps = Caps {
            max_pixels: 1 << 30,
            max_side: 10_000,
        };
        let mut made = Vec::new();
        make(&png, Kind::Png, caps, &planned, |p, bytes| {
            made.push((p, bytes));
            Ok(())
        })
        .unwrap();
        assert_eq!(made.len(), planned.len());
        for (p, bytes) in made {
            let decoded = image::load_from_memory(&bytes).unwrap();
            assert_eq!((decoded.width(), decoded.height()), (p.width, p.height));
            let expected = if p.format == "webp" {
                ImageFormat::WebP
            } else {
                ImageFormat::Jpeg
            };
            assert_eq!(image::guess_format(&bytes).unwrap(), expected);
        }
    }
}

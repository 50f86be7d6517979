//! The fields people write about an image (alt text, caption, focal
//! point, file name), checked the same way on upload and on edit.

use super::dto::FocalPoint;
use super::upload::UploadQuery;
use crate::domain::problems::Problems;
use crate::error::AppError;

pub const MAX_ALT_CHARS: usize = 1_000;
pub const MAX_CAPTION_CHARS: usize = 2_000;
const MAX_FILENAME_CHARS: usize = 255;

/// What an upload says about its file, checked.
#[derive(Debug, Default)]
pub struct Described {
    pub filename: Option<String>,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub focal: Option<FocalPoint>,
}

/// Trimmed text of at most `max` characters without control characters
/// (but line breaks); blank means none.
pub fn text(p: &mut Problems, field: &str, raw: &str, max: usize) -> Option<Option<String>> {
    let value = raw.trim();
    if value.is_empty() {
        return Some(None);
    }
    if value.chars().count() > max {
        p.push(field, format!("must be at most {max} characters"));
        return None;
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        p.push(field, "must not contain control characters");
        return None;
    }
    Some(Some(value.to_owned()))
}

/// Both coordinates or neither, each from 0 to 1.
pub fn focal(p: &mut Problems, x: Option<f32>, y: Option<f32>) -> Option<Option<FocalPoint>> {
    match (x, y) {
        (None, None) => Some(None),
        (Some(x), Some(y)) => {
            let mut ok = true;
            for (field, v) in [("focal_x", x), ("focal_y", y)] {
                if !(0.0..=1.0).contains(&v) {
                    p.push(field, "must be from 0 to 1");
                    ok = false;
                }
            }
            ok.then_some(Some(FocalPoint { x, y }))
        }
        (Some(_), None) => {
            p.push("focal_y", "is required with focal_x");
            None
        }
        (None, Some(_)) => {
            p.push("focal_x", "is required with focal_y");
            None
        }
    }
}

/// The name a file was uploaded under, without any folders.
fn filename(p: &mut Problems, raw: &str) -> Option<Option<String>> {
    let base = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    text(p, "filename", base, MAX_FILENAME_CHARS)
}

pub fn described(q: UploadQuery) -> Result<Described, AppError> {
    let mut p = Problems::default();
    let filename = q.filename.as_deref().map(|f| filename(&mut p, f));
    let alt = q
        .alt
        .as_deref()
        .map(|a| text(&mut p, "alt", a, MAX_ALT_CHARS));
    let caption = q
        .caption
        .as_deref()
        .map(|c| text(&mut p, "caption", c, MAX_CAPTION_CHARS));
    let focal = focal(&mut p, q.focal_x, q.focal_y);
    p.finish()?;
    Ok(Described {
        filename: filename.flatten().flatten(),
        alt: alt.flatten().flatten(),
        caption: caption.flatten().flatten(),
        focal: focal.flatten(),
    })
}

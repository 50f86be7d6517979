//! Media: uploaded images, stored content-addressed in an object store,
//! with responsive variants made off the request path.
//!
//! Public URLs (under the site's public URL):
//! - the original: `/media/{sha256}.{ext}`;
//! - a variant: `/media/{sha256}/{width}w.{format}` (only planned ones).

pub mod ingest;
pub mod store;
pub mod variants;
pub mod worker;

use std::sync::Arc;

use tokio::sync::{Notify, Semaphore};

use crate::config::MediaConfig;
use ingest::Caps;
use store::MediaStore;

/// What uploads, serving and the variant worker share in one instance.
pub struct MediaService {
    pub store: MediaStore,
    pub caps: Caps,
    pub widths: Vec<u32>,
    pub max_bytes: usize,
    pub workers: usize,
    /// Images decoded at once in this instance, by uploads and variant
    /// jobs together: each holds its pixels (a 24-megapixel photo is
    /// ~70 MiB as RGB), so this is what bounds the memory images take.
    pub decoding: Arc<Semaphore>,
    /// Wakes this instance's workers after an upload (other instances
    /// find the job when they next poll).
    pub wake: Notify,
    /// Names this process in job leases (`leased_by`).
    pub instance: String,
}

impl MediaService {
    pub fn new(config: &MediaConfig) -> anyhow::Result<Self> {
        Ok(Self {
            store: MediaStore::open(config)?,
            caps: Caps {
                max_pixels: config.max_pixels,
                max_side: config.max_side,
            },
            widths: config.widths.clone(),
            max_bytes: config.max_bytes,
            workers: config.workers,
            decoding: Arc::new(Semaphore::new(config.workers.max(1))),
            wake: Notify::new(),
            instance: format!("{}-{}", std::process::id(), uuid::Uuid::new_v4().simple()),
        })
    }
}

/// The path of a stored original.
pub fn original_path(sha256: &str, ext: &str) -> String {
    format!("/media/{sha256}.{ext}")
}

/// The path of a variant.
pub fn variant_path(sha256: &str, width: i32, format: &str) -> String {
    format!("/media/{sha256}/{width}w.{format}")
}

/// What a `/media/…` path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaPath {
    Original {
        sha256: String,
        ext: String,
    },
    Variant {
        sha256: String,
        width: u32,
        format: String,
    },
}

impl MediaPath {
    /// Parses a URL path (no query or fragment) such as
    /// `/media/ab12….png` or `/media/ab12…/640w.webp`; anything else,
    /// including upper-case hex, is `None`.
    pub fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/media/")?;
        let is_sha = |s: &str| {
            s.len() == 64
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        };
        let is_word = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase());
        if let Some((sha, file)) = rest.split_once('/') {
            let (width, format) = file.split_once("w.")?;
            let width: u32 = width.parse().ok().filter(|w| *w > 0)?;
            if !is_sha(sha) || !is_word(format) || width.to_string().len() != file.find('w')? {
                return None;
            }
            return Some(Self::Variant {
                sha256: sha.to_owned(),
                width,
                format: format.to_owned(),
            });
        }
        let (sha, ext) = rest.split_once('.')?;
        (is_sha(sha) && is_word(ext)).then(|| Self::Original {
            sha256: sha.to_owned(),
            ext: ext.to_owned(),
        })
    }

    pub fn sha256(&self) -> &str {
        match self {
            Self::Original { sha256, .. } | Self::Variant { sha256, .. } => sha256,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12";

    #[test]
    fn media_paths_parse_back_from_what_they_are_built_from() {
        assert_eq!(
            MediaPath::parse(&original_path(SHA, "png")),
            Some(MediaPath::Original {
                sha256: SHA.into(),
                ext: "png".into()
            })
        );
        assert_eq!(
            MediaPath::parse(&variant_path(SHA, 640, "webp")),
            Some(MediaPath::Variant {
                sha256: SHA.into(),
                width: 640,
                format: "webp".into()
            })
        );
    }

    #[test]
    fn anything_else_is_not_a_media_path() {
        for bad in [
            "/media/abc.png".to_owned(),
            format!("/media/{}.png", SHA.to_uppercase()),
            format!("/media/{SHA}"),
            format!("/media/{SHA}/0w.webp"),
            format!("/media/{SHA}/0640w.webp"),
            format!("/media/{SHA}/640.webp"),
            format!("/media/{SHA}/640w.webp/x"),
            format!("/blog/{SHA}.png"),
        ] {
            assert_eq!(MediaPath::parse(&bad), None, "{bad}");
        }
    }
}

//! Where media files live: an [`ObjectStore`] (a local folder by default,
//! or an S3-compatible bucket), addressed by content.
//!
//! Keys are derived from the SHA-256 of the stored original, so the same
//! bytes are stored once, any instance finds them, and a key's content
//! never changes (which is what makes the `immutable` caching of
//! `/media/…` correct):
//! - the original: `originals/{sha[0..2]}/{sha}.{ext}`;
//! - a variant: `variants/{sha[0..2]}/{sha}/{width}w.{format}`.
//!
//! Reads are streamed chunk by chunk from the store; nothing here holds a
//! whole file to serve it.

use std::ops::Range;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::BoxStream;
use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutPayload};

use crate::config::media::{MediaConfig, Storage};

#[derive(Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({})", self.inner)
    }
}

/// The key of an original.
pub fn original_key(sha256: &str, ext: &str) -> Path {
    Path::from(format!("originals/{}/{sha256}.{ext}", &sha256[..2]))
}

/// The key of a variant.
pub fn variant_key(sha256: &str, width: i32, format: &str) -> Path {
    Path::from(format!(
        "variants/{}/{sha256}/{width}w.{format}",
        &sha256[..2]
    ))
}

impl MediaStore {
    /// Opens the configured store; the local folder is created if missing.
    pub fn open(config: &MediaConfig) -> anyhow::Result<Self> {
        let inner: Arc<dyn ObjectStore> = match &config.storage {
            Storage::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| {
                    anyhow::anyhow!("FOLIO_MEDIA_DIR: cannot create {}: {e}", dir.display())
                })?;
                Arc::new(object_store::local::LocalFileSystem::new_with_prefix(dir)?)
            }
            Storage::S3(s3) => {
                // reqwest is built without a bundled TLS provider (see
                // Cargo.toml); an https endpoint needs one installed.
                let _ = rustls::crypto::ring::default_provider().install_default();
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        // S3-compatible stores name the bucket in the path.
                        .with_virtual_hosted_style_request(false);
                }
                match (&s3.access_key_id, &s3.secret_access_key) {
                    (Some(id), Some(secret)) => {
                        builder = builder
                            .with_access_key_id(id)
                            .with_secret_access_key(secret.expose());
                    }
                    _ => builder = builder.with_skip_signature(true),
                }
                Arc::new(builder.build()?)
            }
        };
        Ok(Self { inner })
    }

    /// Stores bytes under a key (atomically: readers see all or nothing).
    pub async fn put(&self, key: &Path, bytes: Bytes) -> object_store::Result<()> {
        self.inner.put(key, PutPayload::from(bytes)).await.map(drop)
    }

    /// A whole object, for processing (bounded by the upload limit).
    pub async fn read_all(&self, key: &Path) -> object_store::Result<Bytes> {
        self.inner.get(key).await?.bytes().await
    }

    /// The bytes of an object, or of `range` of it, as a stream.
    pub async fn stream(
        &self,
        key: &Path,
        range: Option<Range<u64>>,
    ) -> object_store::Result<BoxStream<'static, std::io::Result<Bytes>>> {
        let options = GetOptions {
            range: range.map(GetRange::Bounded),
            ..GetOptions::default()
        };
        let result = self.inner.get_opts(key, options).await?;
        Ok(result.into_stream().map_err(std::io::Error::other).boxed())
    }

    /// Removes an object; one already gone is no error.
    pub async fn delete(&self, key: &Path) -> object_store::Result<()> {
        match self.inner.delete(key).await {
            Err(object_store::Error::NotFound { .. }) => Ok(()),
            other => other,
        }
    }
}

//! Media: where uploaded images are stored, what is accepted, and which
//! variants are made.
//!
//! | Variable | Default | Meaning |
//! |---|---|---|
//! | `FOLIO_MEDIA_DIR` | `./data/media` | Folder the media files are stored in (created at start), unless an S3 bucket is set |
//! | `FOLIO_MEDIA_S3_BUCKET` | unset | An S3-compatible bucket to store media in instead of the folder; several instances share media this way |
//! | `FOLIO_MEDIA_S3_ENDPOINT` | unset | The S3 endpoint URL (for SeaweedFS, MinIO, R2…); unset: AWS's, from the region |
//! | `FOLIO_MEDIA_S3_REGION` | `us-east-1` | The bucket's region |
//! | `FOLIO_MEDIA_S3_ACCESS_KEY_ID` | unset | The S3 access key id (with the secret; unset: unsigned requests) |
//! | `FOLIO_MEDIA_S3_SECRET_ACCESS_KEY` | unset | The S3 secret access key |
//! | `FOLIO_MEDIA_S3_ALLOW_HTTP` | `false` | `true`: allow a plain-http endpoint (a store on the same host or network) |
//! | `FOLIO_MEDIA_MAX_BYTES` | `20971520` (20 MiB) | Largest upload accepted (1024–1073741824) |
//! | `FOLIO_MEDIA_MAX_PIXELS` | `40000000` (40 MP) | Most pixels an image may have, read from its header before decoding (1–200000000) |
//! | `FOLIO_MEDIA_MAX_SIDE` | `16384` | Longest side an image may have, in pixels (1–65535) |
//! | `FOLIO_MEDIA_WIDTHS` | `320,640,960,1280,1920` | Widths of the responsive variants (each 16–8192) |
//! | `FOLIO_MEDIA_WORKERS` | `1` | Images each instance makes variants of at once (0 turns the worker off, up to 64) |

use super::DefaultIs::{Noted, Value, Words};
use super::{ConfigError, Secret, Variable, Vars, err, variable};

pub const DIR: Variable = variable!("FOLIO_MEDIA_DIR", Value("./data/media"));
pub const S3_BUCKET: Variable = variable!("FOLIO_MEDIA_S3_BUCKET", Words("unset"));
pub const S3_ENDPOINT: Variable = variable!("FOLIO_MEDIA_S3_ENDPOINT", Words("unset"));
pub const S3_REGION: Variable = variable!("FOLIO_MEDIA_S3_REGION", Value("us-east-1"));
pub const S3_ACCESS_KEY_ID: Variable = variable!("FOLIO_MEDIA_S3_ACCESS_KEY_ID", Words("unset"));
pub const S3_SECRET_ACCESS_KEY: Variable =
    variable!("FOLIO_MEDIA_S3_SECRET_ACCESS_KEY", Words("unset"));
pub const S3_ALLOW_HTTP: Variable = variable!("FOLIO_MEDIA_S3_ALLOW_HTTP", Value("false"));
pub const MAX_BYTES: Variable = variable!("FOLIO_MEDIA_MAX_BYTES", Noted("20971520", "20 MiB"));
pub const MAX_PIXELS: Variable = variable!("FOLIO_MEDIA_MAX_PIXELS", Noted("40000000", "40 MP"));
pub const MAX_SIDE: Variable = variable!("FOLIO_MEDIA_MAX_SIDE", Value("16384"));
pub const WIDTHS: Variable = variable!("FOLIO_MEDIA_WIDTHS", Value("320,640,960,1280,1920"));
pub const WORKERS: Variable = variable!("FOLIO_MEDIA_WORKERS", Value("1"));

pub const VARIABLES: &[Variable] = &[
    DIR,
    S3_BUCKET,
    S3_ENDPOINT,
    S3_REGION,
    S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY,
    S3_ALLOW_HTTP,
    MAX_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    WIDTHS,
    WORKERS,
];

/// Where media files are kept.
#[derive(Debug, Clone)]
pub enum Storage {
    Folder(std::path::PathBuf),
    S3(S3Config),
}

#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    pub endpoint: Option<String>,
    pub region: String,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<Secret<String>>,
    pub allow_http: bool,
}

#[derive(Debug, Clone)]
pub struct MediaConfig {
    pub storage: Storage,
    pub max_bytes: usize,
    pub max_pixels: u64,
    pub max_side: u32,
    /// The variant widths, ascending, without repeats.
    pub widths: Vec<u32>,
    pub workers: usize,
}

impl MediaConfig {
    pub fn read(vars: &Vars<'_>) -> Result<Self, ConfigError> {
        // Every variable is read (and checked) whichever store is used.
        let dir = vars.var_or_default(&DIR);
        let access_key_id = vars.var(&S3_ACCESS_KEY_ID);
        let secret = vars.var(&S3_SECRET_ACCESS_KEY);
        if access_key_id.is_some() != secret.is_some() {
            return Err(err(
                S3_SECRET_ACCESS_KEY.name,
                "set both FOLIO_MEDIA_S3_ACCESS_KEY_ID and FOLIO_MEDIA_S3_SECRET_ACCESS_KEY, or neither",
            ));
        }
        let endpoint = vars.var(&S3_ENDPOINT);
        if let Some(e) = &endpoint
            && url::Url::parse(e)
                .ok()
                .is_none_or(|u| !matches!(u.scheme(), "http" | "https"))
        {
            return Err(err(S3_ENDPOINT.name, "must be an http(s) URL"));
        }
        let region = vars.var_or_default(&S3_REGION);
        let allow_http = vars.flag(&S3_ALLOW_HTTP)?;
        let storage = match vars.var(&S3_BUCKET) {
            None => Storage::Folder(dir.into()),
            Some(bucket) => Storage::S3(S3Config {
                bucket,
                endpoint,
                region,
                access_key_id,
                secret_access_key: secret.map(Secret::new),
                allow_http,
            }),
        };
        let mut widths = Vec::new();
        for raw in vars.var_or_default(&WIDTHS).split(',').map(str::trim) {
            match raw.parse::<u32>() {
                Ok(w) if (16..=8192).contains(&w) => widths.push(w),
                _ => {
                    return Err(err(
                        WIDTHS.name,
                        format!(
                            "expected widths from 16 to 8192, separated by commas, got `{raw}`"
                        ),
                    ));
                }
            }
        }
        widths.sort_unstable();
        widths.dedup();
        Ok(Self {
            storage,
            max_bytes: vars.var_parsed(&MAX_BYTES, 1024, 1 << 30)?,
            max_pixels: vars.var_parsed(&MAX_PIXELS, 1, 200_000_000)?,
            max_side: vars.var_parsed(&MAX_SIDE, 1, 65_535)?,
            widths,
            workers: vars.var_parsed(&WORKERS, 0, 64)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_config as config;
    use super::*;

    #[test]
    fn the_default_is_a_folder_and_widths_are_sorted() {
        let c = config(&[("FOLIO_MEDIA_WIDTHS", "640, 320,640")]).unwrap();
        assert!(matches!(c.media.storage, Storage::Folder(_)));
        assert_eq!(c.media.widths, vec![320, 640]);
        assert_eq!(c.media.workers, 1);
    }

    #[test]
    fn bad_values_name_their_variable() {
        for (var, value) in [
            ("FOLIO_MEDIA_WIDTHS", "320,abc"),
            ("FOLIO_MEDIA_WIDTHS", "4"),
            ("FOLIO_MEDIA_MAX_BYTES", "10"),
            ("FOLIO_MEDIA_WORKERS", "65"),
        ] {
            let e = config(&[(var, value)]).unwrap_err();
            assert_eq!(e.var, var, "{var}={value}");
        }
        let e = config(&[
            ("FOLIO_MEDIA_S3_BUCKET", "b"),
            ("FOLIO_MEDIA_S3_ACCESS_KEY_ID", "k"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "FOLIO_MEDIA_S3_SECRET_ACCESS_KEY");
        let e = config(&[
            ("FOLIO_MEDIA_S3_BUCKET", "b"),
            ("FOLIO_MEDIA_S3_ENDPOINT", "ftp://x"),
        ])
        .unwrap_err();
        assert_eq!(e.var, "FOLIO_MEDIA_S3_ENDPOINT");
    }
}

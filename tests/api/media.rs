//! The media library: uploads (the allow-list, hostile files, metadata
//! stripping, deduplication), the files under `/media/…` (Range, 304,
//! HEAD, variants) and the library operations.

use std::io::Cursor;
use std::time::Duration;

use image::{DynamicImage, ImageFormat, RgbImage, RgbaImage};
use reqwest::Method;
use serde_json::Value;

use crate::helpers::test_app::TestApp;

// ---- fixtures: real images made here -------------------------------------

pub fn encode(img: DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap();
    out
}

pub fn photo(w: u32, h: u32) -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x * 7) as u8, (y * 5) as u8, ((x + y) * 3) as u8])
    }))
}

pub fn png(w: u32, h: u32) -> Vec<u8> {
    encode(photo(w, h), ImageFormat::Png)
}

pub fn jpeg(w: u32, h: u32) -> Vec<u8> {
    encode(photo(w, h), ImageFormat::Jpeg)
}

fn transparent_png(w: u32, h: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, _| image::Rgba([10, 200, 30, (x * 3) as u8]));
    encode(DynamicImage::ImageRgba8(img), ImageFormat::Png)
}

const AVIF: &[u8] = include_bytes!("../fixtures/media/tiny.avif");

/// A JPEG with an EXIF APP1 segment: orientation 6 (rotate 90° clockwise
/// to view) and a GPS IFD holding a latitude reference and a marker
/// string that must not survive.
pub fn jpeg_with_exif(w: u32, h: u32) -> Vec<u8> {
    let plain = jpeg(w, h);
    let mut tiff = Vec::new();
    tiff.extend_from_slice(b"MM\0\x2a");
    tiff.extend_from_slice(&8u32.to_be_bytes());
    // IFD0 at 8: two entries.
    tiff.extend_from_slice(&2u16.to_be_bytes());
    // Orientation, SHORT, 1, value 6.
    tiff.extend_from_slice(&0x0112u16.to_be_bytes());
    tiff.extend_from_slice(&3u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&[0, 6, 0, 0]);
    // GPSInfo, LONG, 1, offset of the GPS IFD (8 + 2 + 2*12 + 4 = 38).
    tiff.extend_from_slice(&0x8825u16.to_be_bytes());
    tiff.extend_from_slice(&4u16.to_be_bytes());
    tiff.extend_from_slice(&1u32.to_be_bytes());
    tiff.extend_from_slice(&38u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    // GPS IFD at 38: one entry, GPSAreaInformation-like ASCII at 56.
    tiff.extend_from_slice(&1u16.to_be_bytes());
    tiff.extend_from_slice(&0x001Cu16.to_be_bytes());
    tiff.extend_from_slice(&2u16.to_be_bytes());
    let secret = b"SECRET-GPS-PLACE\0";
    tiff.extend_from_slice(&(secret.len() as u32).to_be_bytes());
    tiff.extend_from_slice(&56u32.to_be_bytes());
    tiff.extend_from_slice(&0u32.to_be_bytes());
    assert_eq!(tiff.len(), 56);
    tiff.extend_from_slice(secret);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = vec![0xFF, 0xD8, 0xFF, 0xE1];
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

/// A PNG whose header declares `w`×`h` pixels, with almost no data:
/// decoding it would allocate w×h×3 bytes.
fn png_declaring(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let chunk = |out: &mut Vec<u8>, kind: &[u8], data: &[u8]| {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    };
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // A zlib stream of a few zero bytes (deflates to far more).
    chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x60, 0x18, 0x05, 0x00, 0x00, 0x00, 0x00],
    );
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// A JPEG whose frame header declares `w`×`h`.
fn jpeg_declaring(w: u16, h: u16) -> Vec<u8> {
    let mut bytes = jpeg(16, 16);
    let sof = bytes
        .windows(2)
        .position(|m| m == [0xFF, 0xC0])
        .expect("a baseline frame header");
    bytes[sof + 5..sof + 7].copy_from_slice(&h.to_be_bytes());
    bytes[sof + 7..sof + 9].copy_from_slice(&w.to_be_bytes());
    bytes
}

// ---- helpers ---------------------------------------------------------------

pub async fn upload_raw(
    app: &TestApp,
    token: &str,
    bytes: Vec<u8>,
    content_type: &str,
    query: &str,
) -> reqwest::Response {
    app.request(Method::POST, &format!("/api/v1/media{query}"))
        .bearer_auth(token)
        .header("content-type", content_type)
        .body(bytes)
        .send()
        .await
        .expect("upload")
}

/// Uploads and expects a 201; returns the Media JSON.
pub async fn uploaded(app: &TestApp, token: &str, bytes: Vec<u8>, filename: &str) -> Value {
    let res = upload_raw(
        app,
        token,
        bytes,
        "application/octet-stream",
        &format!("?filename={filename}"),
    )
    .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 201, "{body}");
    body
}

fn path_of(url: &str) -> String {
    let u = url::Url::parse(url).unwrap();
    u.path().to_owned()
}

async fn status_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body)
}

/// Waits until every variant of an item is ready; returns the item.
pub async fn all_ready(app: &TestApp, token: &str, id: &str) -> Value {
    for _ in 0..300 {
        let item: Value = app
            .get(&format!("/api/v1/media/{id}"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let variants = item["variants"].as_array().cloned().unwrap_or_default();
        if !variants.is_empty() && variants.iter().all(|v| v["ready"] == true) {
            return item;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the variants of {id} were not made in time");
}

// ---- the allow-list ----------------------------------------------------------

#[tokio::test]
async fn each_allowed_type_is_stored_under_its_true_type() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let gif = encode(photo(12, 8), ImageFormat::Gif);
    let webp = encode(photo(12, 8), ImageFormat::WebP);
    for (bytes, ext, content_type, size) in [
        (png(12, 8), "png", "image/png", (12, 8)),
        (jpeg(12, 8), "jpg", "image/jpeg", (12, 8)),
        (gif, "gif", "image/gif", (12, 8)),
        (webp, "webp", "image/webp", (12, 8)),
        (AVIF.to_vec(), "avif", "image/avif", (8, 6)),
    ] {
        let item = uploaded(&app, &token, bytes, &format!("x.{ext}")).await;
        assert_eq!(item["content_type"], content_type);
        assert_eq!(
            (
                item["width"].as_u64().unwrap(),
                item["height"].as_u64().unwrap()
            ),
            (size.0, size.1)
        );
        let url = item["url"].as_str().unwrap();
        assert!(url.ends_with(&format!(".{ext}")), "{url}");
        let res = app.get(&path_of(url)).send().await.unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.headers()["content-type"], content_type);
        assert_eq!(res.headers()["x-content-type-options"], "nosniff");
        assert_eq!(
            res.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
        let body = res.bytes().await.unwrap();
        assert_eq!(body.len() as u64, item["bytes"].as_u64().unwrap());
        assert_eq!(
            folio::media::ingest::sha256_hex(&body),
            item["sha256"].as_str().unwrap()
        );
        if ext == "avif" {
            // Not decodable here: the original only.
            assert!(item["variants"].as_array().unwrap().is_empty());
            assert!(item["placeholder"].is_null());
        } else {
            assert!(item["placeholder"].is_string(), "{item}");
        }
    }
}

#[tokio::test]
async fn svg_and_other_types_are_refused_with_415() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let svg = br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let (status, body) = status_of(
        upload_raw(
            &app,
            &token,
            svg.to_vec(),
            "image/svg+xml",
            "?filename=a.svg",
        )
        .await,
    )
    .await;
    assert_eq!(status, 415);
    assert!(body["detail"].as_str().unwrap().contains("SVG"), "{body}");
    let (status, _) = status_of(
        upload_raw(
            &app,
            &token,
            b"%PDF-1.7 hello".to_vec(),
            "image/png",
            "?filename=a.png",
        )
        .await,
    )
    .await;
    assert_eq!(status, 415);
    // A JSON body is no upload.
    let (status, _) =
        status_of(upload_raw(&app, &token, b"{}".to_vec(), "application/json", "").await).await;
    assert_eq!(status, 415);
}

#[tokio::test]
async fn an_extension_that_lies_is_corrected_from_the_content() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let res = upload_raw(
        &app,
        &token,
        jpeg(10, 10),
        "image/png",
        "?filename=holiday.png",
    )
    .await;
    let (status, item) = status_of(res).await;
    assert_eq!(status, 201);
    assert_eq!(item["content_type"], "image/jpeg");
    assert!(item["url"].as_str().unwrap().ends_with(".jpg"));
    let wrong = format!("/media/{}.png", item["sha256"].as_str().unwrap());
    assert_eq!(app.get(&wrong).send().await.unwrap().status(), 404);
}

#[tokio::test]
async fn polyglots_lose_what_follows_the_image_or_are_refused() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    // PNG + ZIP: stored without the ZIP.
    let clean = png(9, 9);
    let mut polyglot = clean.clone();
    polyglot.extend_from_slice(b"PK\x03\x04<html><script>alert(1)</script></html>");
    let item = uploaded(&app, &token, polyglot, "p.png").await;
    let res = app
        .get(&path_of(item["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), clean.as_slice());
    // A GIF header followed by HTML is no GIF.
    let fake = b"GIF89a<html><script>alert(document.cookie)</script></html>".to_vec();
    let (status, body) = status_of(upload_raw(&app, &token, fake, "image/gif", "").await).await;
    assert_eq!(status, 422, "{body}");
}

#[tokio::test]
async fn truncated_bombs_and_huge_headers_are_refused_before_decoding() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let full = png(64, 64);
    let jpg = jpeg(64, 64);
    for (what, bytes) in [
        ("truncated png", full[..full.len() / 2].to_vec()),
        ("truncated jpeg", jpg[..jpg.len() / 2].to_vec()),
        ("png declaring 50000x50000", png_declaring(50_000, 50_000)),
        (
            "png declaring 10000x10000 (100 MP)",
            png_declaring(10_000, 10_000),
        ),
        ("jpeg declaring 60000x60000", jpeg_declaring(60_000, 60_000)),
        ("empty", Vec::new()),
    ] {
        let (status, body) =
            status_of(upload_raw(&app, &token, bytes, "application/octet-stream", "").await).await;
        assert_eq!(status, 422, "{what}: {body}");
    }
    let count: i64 = {
        use diesel::QueryDsl;
        use diesel_async::RunQueryDsl;
        let mut conn = app.db.conn().await;
        folio::db::schema::media::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap()
    };
    assert_eq!(count, 0);
}

#[tokio::test]
async fn a_file_over_the_size_cap_is_a_413() {
    let app = TestApp::spawn_with(|env| {
        env.insert("FOLIO_MEDIA_MAX_BYTES".into(), "2048".into());
    })
    .await;
    let token = app.admin_token().await;
    let big = png(200, 200);
    assert!(big.len() > 2048);
    let (status, _) = status_of(upload_raw(&app, &token, big, "image/png", "").await).await;
    assert_eq!(status, 413);
}

// ---- metadata ------------------------------------------------------------------

#[tokio::test]
async fn exif_orientation_is_applied_and_gps_is_stripped() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let upload = jpeg_with_exif(40, 20);
    assert!(upload.windows(16).any(|w| w == b"SECRET-GPS-PLACE"));
    let item = uploaded(&app, &token, upload, "gps.jpg").await;
    // Orientation 6: a 40×20 sensor image is viewed 20 wide, 40 high.
    assert_eq!(
        (item["width"].as_u64(), item["height"].as_u64()),
        (Some(20), Some(40))
    );
    let stored = app
        .get(&path_of(item["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert!(!stored.windows(16).any(|w| w == b"SECRET-GPS-PLACE"));
    assert!(!stored.windows(4).any(|w| w == b"Exif"));
    let decoded = image::load_from_memory(&stored).unwrap();
    assert_eq!((decoded.width(), decoded.height()), (20, 40));
}

// ---- deduplication, multipart ---------------------------------------------------

#[tokio::test]
async fn the_same_bytes_are_stored_once_and_answer_200() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let first = uploaded(&app, &token, png(30, 20), "a.png").await;
    let res = upload_raw(&app, &token, png(30, 20), "image/png", "?filename=b.png").await;
    let (status, second) = status_of(res).await;
    assert_eq!(status, 200);
    assert_eq!(first["id"], second["id"]);
    assert_eq!(first["sha256"], second["sha256"]);
}

#[tokio::test]
async fn a_multipart_upload_carries_its_fields() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let boundary = "folio-test-boundary";
    let mut body = Vec::new();
    let text = |body: &mut Vec<u8>, name: &str, value: &str| {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    };
    text(&mut body, "alt", "A red square");
    text(&mut body, "caption", "Seen from above");
    text(&mut body, "focal_x", "0.25");
    text(&mut body, "focal_y", "0.75");
    body.extend_from_slice(
        format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"red.png\"\r\nContent-Type: image/png\r\n\r\n")
            .as_bytes(),
    );
    body.extend_from_slice(&transparent_png(50, 40));
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let res = app
        .request(Method::POST, "/api/v1/media")
        .bearer_auth(&token)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    let (status, item) = status_of(res).await;
    assert_eq!(status, 201, "{item}");
    assert_eq!(item["alt"], "A red square");
    assert_eq!(item["caption"], "Seen from above");
    assert_eq!(item["focal_point"]["x"], 0.25);
    assert_eq!(item["focal_point"]["y"], 0.75);
    // Transparency: the fallback is PNG.
    let formats: Vec<&str> = item["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["format"].as_str().unwrap())
        .collect();
    assert!(
        formats.contains(&"png") && formats.contains(&"webp"),
        "{formats:?}"
    );
}

// ---- serving ---------------------------------------------------------------------

#[tokio::test]
async fn files_answer_range_304_and_head() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let item = uploaded(&app, &token, png(64, 64), "r.png").await;
    let path = path_of(item["url"].as_str().unwrap());
    let size = item["bytes"].as_u64().unwrap();
    let whole = app.get(&path).send().await.unwrap();
    let etag = whole.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", item["sha256"].as_str().unwrap()));
    assert_eq!(whole.headers()["accept-ranges"], "bytes");
    let whole = whole.bytes().await.unwrap();

    let part = app
        .get(&path)
        .header("range", "bytes=10-19")
        .send()
        .await
        .unwrap();
    assert_eq!(part.status(), 206);
    assert_eq!(
        part.headers()["content-range"],
        format!("bytes 10-19/{size}").as_str()
    );
    assert_eq!(part.bytes().await.unwrap().as_ref(), &whole[10..20]);

    let tail = app
        .get(&path)
        .header("range", "bytes=-5")
        .send()
        .await
        .unwrap();
    assert_eq!(tail.status(), 206);
    assert_eq!(
        tail.bytes().await.unwrap().as_ref(),
        &whole[whole.len() - 5..]
    );

    let beyond = app
        .get(&path)
        .header("range", format!("bytes={size}-"))
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(
        beyond.headers()["content-range"],
        format!("bytes */{size}").as_str()
    );

    let cached = app
        .get(&path)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    assert!(cached.bytes().await.unwrap().is_empty());

    let head = app.request(Method::HEAD, &path).send().await.unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], size.to_string().as_str());
    assert_eq!(head.headers()["etag"], etag.as_str());

    let missing = format!("/media/{}.png", "0".repeat(64));
    assert_eq!(app.get(&missing).send().await.unwrap().status(), 404);
    assert_eq!(
        app.get("/media/not-a-hash.png")
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn variants_are_made_in_the_background_and_redirect_until_then() {
    // No worker here: the variants stay planned.
    let idle = TestApp::spawn_with(|env| {
        env.insert("FOLIO_MEDIA_WORKERS".into(), "0".into());
    })
    .await;
    let token = idle.admin_token().await;
    let item = uploaded(&idle, &token, jpeg(700, 350), "v.jpg").await;
    let widths: Vec<(u64, &str)> = item["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| (v["width"].as_u64().unwrap(), v["format"].as_str().unwrap()))
        .collect();
    assert_eq!(
        widths,
        vec![
            (320, "webp"),
            (320, "jpeg"),
            (640, "webp"),
            (640, "jpeg"),
            (700, "webp"),
            (700, "jpeg")
        ]
    );
    let variant = path_of(item["variants"][0]["url"].as_str().unwrap());
    let res = idle.get(&variant).send().await.unwrap();
    assert_eq!(res.status(), 307);
    assert_eq!(res.headers()["cache-control"], "no-store");
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .ends_with(".jpg")
    );
    // Unplanned sizes do not exist.
    let sha = item["sha256"].as_str().unwrap();
    assert_eq!(
        idle.get(&format!("/media/{sha}/500w.webp"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    // An instance with a worker on the same database and store makes them.
    let busy = idle
        .another_instance(|env| {
            env.insert("FOLIO_MEDIA_WORKERS".into(), "1".into());
        })
        .await;
    let ready = all_ready(&idle, &token, item["id"].as_str().unwrap()).await;
    for v in ready["variants"].as_array().unwrap() {
        let res = idle
            .client
            .get(format!("{busy}{}", path_of(v["url"].as_str().unwrap())))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let format = v["format"].as_str().unwrap();
        assert_eq!(
            res.headers()["content-type"],
            format!("image/{format}").as_str()
        );
        let decoded = image::load_from_memory(&res.bytes().await.unwrap()).unwrap();
        assert_eq!(u64::from(decoded.width()), v["width"].as_u64().unwrap());
        assert_eq!(u64::from(decoded.height()), v["height"].as_u64().unwrap());
    }
}

//! Compressed responses: `Accept-Encoding` negotiation, a tag per
//! encoding, conditional requests across encodings, and cached answers
//! kept compressed.

use std::io::Read;
use std::time::{Duration, Instant};

use reqwest::{Method, Response};
use serde_json::json;

use crate::helpers::{TestApp, id_of};

fn header(res: &Response, name: &str) -> String {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// The body as sent, decoded by its `Content-Encoding`; checks that
/// `Content-Length` is the length of what was sent.
async fn decoded(res: Response) -> (String, Vec<u8>) {
    let encoding = header(&res, "content-encoding");
    let length = res.content_length();
    let raw = res.bytes().await.unwrap().to_vec();
    if let Some(length) = length {
        assert_eq!(length as usize, raw.len(), "Content-Length");
    }
    let mut plain = Vec::new();
    match encoding.as_str() {
        "" => plain.clone_from(&raw),
        "br" => {
            brotli::Decompressor::new(&raw[..], 4096)
                .read_to_end(&mut plain)
                .unwrap();
        }
        "gzip" => {
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut plain)
                .unwrap();
        }
        other => panic!("unexpected Content-Encoding {other:?}"),
    }
    assert!(
        encoding.is_empty() || raw.len() < plain.len(),
        "{encoding} made it smaller"
    );
    (encoding, plain)
}

async fn get(app: &TestApp, path: &str, accept_encoding: Option<&str>) -> Response {
    let mut req = app.get(path);
    if let Some(value) = accept_encoding {
        req = req.header("accept-encoding", value);
    }
    req.send().await.unwrap()
}

fn compressed_count(metrics: &str, encoding: &str) -> u64 {
    let name = format!("folio_compressed_responses_total{{encoding=\"{encoding}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&name))
        .map_or(0, |v| v.trim().parse().unwrap())
}

/// One test, because it counts compressions in the process-wide metric:
/// it is the only test that sends `Accept-Encoding`.
#[tokio::test]
async fn responses_are_compressed_as_accept_encoding_asks_with_a_tag_per_encoding() {
    let app = TestApp::spawn().await;
    let token = app.admin_token().await;
    let paragraph = "Compressible words about Rust and caching, said again. ".repeat(60);
    let post = app
        .publish_with(
            &token,
            "Long",
            json!({"slug": "long", "markdown": format!("# Long\n\n{paragraph}"), "tags": ["rust"]}),
        )
        .await;
    let path = "/api/v1/posts/long";

    // Identity: without the header, or when only the identity is allowed.
    let plain = get(&app, path, None).await;
    assert_eq!(plain.status(), 200);
    let etag = header(&plain, "etag");
    assert!(header(&plain, "vary").contains("Accept-Encoding"));
    let (encoding, identity) = decoded(plain).await;
    assert_eq!(encoding, "");
    for value in ["identity", "gzip;q=0, br;q=0", "deflate, zstd"] {
        let res = get(&app, path, Some(value)).await;
        assert_eq!(header(&res, "etag"), etag, "{value}");
        assert_eq!(
            decoded(res).await,
            (String::new(), identity.clone()),
            "{value}"
        );
    }

    // brotli when allowed, else gzip; each with its own tag, the same
    // content inside.
    let cases = [
        ("gzip, deflate, br", "br"),
        ("br", "br"),
        ("gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0.5, gzip;q=0.8", "gzip"),
        ("*", "br"),
    ];
    for (value, expected) in cases {
        let res = get(&app, path, Some(value)).await;
        assert_eq!(res.status(), 200);
        assert!(header(&res, "vary").contains("Accept-Encoding"), "{value}");
        let tag = header(&res, "etag");
        let suffix = if expected == "br" { "-br" } else { "-gzip" };
        assert_eq!(
            tag,
            format!("{}{suffix}\"", etag.trim_end_matches('"')),
            "{value}"
        );
        let (encoding, body) = decoded(res).await;
        assert_eq!(encoding, expected, "{value}");
        assert_eq!(body, identity, "{value}");
    }
    let sent_br = get(&app, path, Some("br")).await.bytes().await.unwrap();
    assert!(
        sent_br.len() * 3 < identity.len(),
        "a post's JSON shrinks at least 3×: {} → {}",
        identity.len(),
        sent_br.len()
    );

    // A tag of any encoding of the same content revalidates any other.
    let br_tag = format!("{}-br\"", etag.trim_end_matches('"'));
    for (if_none_match, accept, answered_tag) in [
        (etag.as_str(), Some("br"), br_tag.as_str()),
        (br_tag.as_str(), None, etag.as_str()),
        (br_tag.as_str(), Some("gzip"), ""),
    ] {
        let res = app
            .get(path)
            .header("if-none-match", if_none_match)
            .header("accept-encoding", accept.unwrap_or("identity"))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 304, "{if_none_match} {accept:?}");
        if !answered_tag.is_empty() {
            assert_eq!(header(&res, "etag"), answered_tag);
        } else {
            assert!(header(&res, "etag").ends_with("-gzip\""));
        }
        assert!(res.bytes().await.unwrap().is_empty());
    }

    // HTML, Markdown, feeds and the sitemap too.
    for (path, accept) in [
        ("/api/v1/posts/long/html", None),
        ("/api/v1/posts/long/html?document=true", None),
        ("/api/v1/posts/long", Some("text/markdown")),
        ("/feed.json", None),
        ("/rss.xml", None),
        ("/atom.xml", None),
    ] {
        let mut req = app.get(path).header("accept-encoding", "gzip");
        if let Some(accept) = accept {
            req = req.header("accept", accept);
        }
        let res = req.send().await.unwrap();
        assert_eq!(res.status(), 200, "{path}");
        let (encoding, body) = decoded(res).await;
        assert_eq!(encoding, "gzip", "{path}");
        assert!(
            String::from_utf8(body).unwrap().contains("Compressible"),
            "{path}"
        );
    }

    // Small bodies are left alone, with no Vary (they never vary).
    let res = get(&app, "/api/v1/tags/rust", Some("br")).await;
    assert_eq!(res.status(), 200);
    assert!(!header(&res, "vary").contains("Accept-Encoding"));
    assert_eq!(decoded(res).await.0, "");

    // The event stream is never compressed (nor buffered).
    let res = tokio::time::timeout(
        Duration::from_secs(5),
        get(&app, "/api/v1/events", Some("br, gzip")),
    )
    .await
    .expect("the stream's head comes at once");
    assert_eq!(res.status(), 200);
    assert!(header(&res, "content-type").starts_with("text/event-stream"));
    assert_eq!(header(&res, "content-encoding"), "");
    drop(res);

    // Authenticated reads (never cached) and write answers are compressed
    // too, and a write accepts the tag of a compressed answer in If-Match.
    let res = app
        .get(path)
        .bearer_auth(&token)
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(header(&res, "cache-control"), "private, no-store");
    assert_eq!(header(&res, "x-cache"), "");
    let (encoding, body) = decoded(res).await;
    assert_eq!((encoding.as_str(), body), ("gzip", identity.clone()));
    let res = app
        .request(Method::PATCH, &format!("/api/v1/posts/{}", id_of(&post)))
        .bearer_auth(&token)
        .header("accept-encoding", "br")
        .header("if-match", &br_tag)
        .json(&json!({"title": "Long, changed"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "If-Match with the br tag");
    let (encoding, body) = decoded(res).await;
    assert_eq!(encoding, "br");
    let changed: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(changed["title"], "Long, changed");

    // A cached answer is kept compressed: hits cost no compression.
    let start = Instant::now();
    let first = loop {
        let res = get(&app, path, Some("br")).await;
        if header(&res, "x-cache") == "hit" {
            break res.bytes().await.unwrap();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "never cached");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let before = compressed_count(&app.get_text("/metrics").await, "br");
    assert!(before > 0);
    for _ in 0..20 {
        let res = get(&app, path, Some("br")).await;
        assert_eq!(header(&res, "x-cache"), "hit");
        assert_eq!(header(&res, "content-encoding"), "br");
        assert!(header(&res, "etag").ends_with("-br\""));
        assert_eq!(res.bytes().await.unwrap(), first);
    }
    let after = compressed_count(&app.get_text("/metrics").await, "br");
    assert_eq!(after, before, "hits were compressed again");
    // gzip and identity readers have their own entries.
    let res = get(&app, path, Some("gzip")).await;
    assert_eq!(header(&res, "content-encoding"), "gzip");
    let res = get(&app, path, None).await;
    assert_eq!(header(&res, "content-encoding"), "");
}

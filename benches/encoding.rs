//! What compressing one answer costs: a ~9.5 KB post as JSON (its
//! Markdown, HTML and plain text, like `bench/load.sh`'s post-1), as the
//! read cache compresses it on a miss, in brotli and gzip.
//!
//! `cargo bench --bench encoding -- --measurement-time 3 --warm-up-time 1`
//!
//! The bench runs with glibc's own allocator settings. The server fixes
//! the mmap and trim thresholds (src/main.rs) above the brotli encoder's
//! 1 MiB hash table: with the mmap threshold at 1 MiB, as it was, each
//! compression mapped, zeroed and unmapped a table of its own (measured
//! with `mallopt` here: 538 µs a brotli answer, against 86 µs at 4 MiB).

use std::hint::black_box;

use actix_web::http::header::{self, HeaderMap, HeaderValue};
use bytes::Bytes;
use criterion::{Criterion, criterion_group, criterion_main};
use folio::encoding::{Encoding, encode};

/// A post's JSON of about 9.5 KB, in the words of `bench/load_seed.py`.
fn post_json() -> Bytes {
    let words = "the reader would make a simple change to the server and every \
                 client would see the release notes before the next version of \
                 the caching layer";
    let mut markdown = String::new();
    let mut section = 0;
    while markdown.len() < 3_000 {
        section += 1;
        markdown.push_str(&format!(
            "## Deploy in practice, part {section}\n\n{words}, see [the notes](https://example.com/deploy/{section}).\n\n```rust\nlet x_{section} = deploy::run({section});\n```\n\n"
        ));
    }
    let html = markdown
        .replace("## ", "<h2 id=\"h-deploy\">")
        .replace("\n\n", "</p>\n<p>");
    let plain = words.repeat(8);
    let post = serde_json::json!({
        "id": "0193a5b2-7c1d-7e00-8000-000000000001",
        "slug": "post-1",
        "title": "Post 1: notes on deploy",
        "status": "published",
        "tags": ["deploy", "caching"],
        "markdown": markdown,
        "html": html,
        "plaintext": plain,
        "excerpt": words,
        "author": {"id": "0193a5b2-7c1d-7e00-8000-000000000002", "name": "Admin"},
    });
    Bytes::from(serde_json::to_vec(&post).unwrap())
}

fn bench(c: &mut Criterion) {
    let body = post_json();
    let mut group = c.benchmark_group(format!("post_json_{}B", body.len()));
    for encoding in [Encoding::Brotli, Encoding::Gzip] {
        group.bench_function(encoding.token(), |b| {
            b.iter(|| {
                let mut headers = HeaderMap::new();
                headers.insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static("application/json"),
                );
                black_box(encode(&mut headers, black_box(body.clone()), encoding))
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

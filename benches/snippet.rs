//! A search hit's snippet, as `GET /api/v1/posts?q=…` makes one per hit:
//! title, excerpt and the first 2,000 characters of a ~4 KB post's plain
//! text, in English, for a match near the start, one ~1,200 characters in,
//! and no match (every word read).
//!
//! `cargo bench --bench snippet -- --measurement-time 3 --warm-up-time 1`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use folio::snippet::{Highlighter, Lexemes};

/// Ordinary prose in the words of `bench/load_seed.py`, with `topic` once
/// near the start of the body and `late` once ~1,200 characters in.
fn text(late: &str) -> String {
    let filler = "the reader would make a simple change to the server, and \
                  every client would see the release notes before the next \
                  version; ";
    let mut body = String::from("Deploy notes for the caching layer. ");
    while body.len() < 1_200 {
        body.push_str(filler);
    }
    body.push_str(late);
    body.push(' ');
    while body.len() < 2_000 {
        body.push_str(filler);
    }
    format!("Notes on deploy\nA short excerpt about this post.\n{body}")
}

fn snippets(c: &mut Criterion) {
    let english = Highlighter::new("english");
    let text = text("pangolins");
    let mut group = c.benchmark_group("snippet");
    for (name, query) in [
        ("early match", "'cach'"),
        ("late match", "'pangolin'"),
        ("no match", "'xylophon'"),
    ] {
        let lexemes = Lexemes::from_tsquery(query);
        group.bench_function(name, |b| {
            b.iter(|| english.snippet(black_box(&text), black_box(&lexemes)));
        });
    }
    group.finish();
}

criterion_group!(benches, snippets);
criterion_main!(benches);

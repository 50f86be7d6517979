//! The whole rendering pipeline (front matter, CommonMark, anchors, table
//! of contents, sanitiser, derived text) beside raw pulldown-cmark on the
//! same input, for a realistic 4 KB post and a 100 KB one.
//!
//! `cargo bench --bench render -- --measurement-time 3 --warm-up-time 1`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use folio::render::{RenderOptions, front_matter, render};
use pulldown_cmark::{Options, Parser, html};

/// One section of a typical technical post: headings, emphasis, links,
/// an image, a list, a code block, a table, a quote and a footnote.
fn section(n: usize) -> String {
    format!(
        r#"## Step {n}: setting up the *workspace*

Before we start, make sure you have read [the previous part](../part-{n}/) and
installed the [toolchain](https://www.rust-lang.org/tools/install). This step
takes about **ten minutes**; most of it is waiting for `cargo build` to finish.
We will also touch on error handling, which deserves a post of its own.[^n{n}]

![Architecture diagram for step {n}](../images/step-{n}.png "Step {n}")

- Create the project with `cargo new folio-demo`
- Add the dependencies listed below
- Run the tests, then commit

```rust
fn main() -> anyhow::Result<()> {{
    let config = Config::from_env()?;
    println!("listening on {{}}", config.addr);
    Ok(())
}}
```

| Crate | Version | Why |
|:------|:-------:|-----|
| actix-web | 4 | HTTP |
| diesel | 2.3 | SQL |

> Tip: keep each step in its own commit, so that a mistake is easy to undo
and the history reads like the tutorial itself.

[^n{n}]: See the chapter on errors in the Rust book.

"#
    )
}

fn post(target_bytes: usize) -> String {
    let mut out = String::from(
        "---\ntitle: \"Building a CMS in Rust\"\ndate: 2024-05-01\ntags: [rust, web]\ndescription: A walk-through.\n---\n\n# Building a CMS in Rust\n\nAn introduction with *emphasis*, `code` and a <kbd>Ctrl</kbd> key.\n\n",
    );
    let mut n = 1;
    while out.len() < target_bytes {
        out.push_str(&section(n));
        n += 1;
    }
    out
}

/// What Folio does with a Markdown file: split and parse the front matter,
/// render, sanitise, derive text.
fn pipeline(source: &str, options: &RenderOptions) -> usize {
    let doc = front_matter::split(source).expect("front matter");
    let fm = doc.fields().expect("front matter");
    let r = render(doc.body, options).expect("renders");
    let excerpt = r.excerpt();
    fm.len() + r.html.as_str().len() + r.toc.len() + r.word_count + excerpt.len()
}

fn raw_pulldown(source: &str) -> usize {
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, Parser::new_ext(source, Options::all()));
    out.len()
}

fn bench(c: &mut Criterion) {
    let options = RenderOptions::new(Some(
        url::Url::parse("https://cdn.example.com/content/posts/").expect("url"),
    ));
    for (name, size) in [("4KB", 4 * 1024), ("100KB", 100 * 1024)] {
        let source = post(size);
        let mut group = c.benchmark_group(format!("render_{name}"));
        group.throughput(Throughput::Bytes(source.len() as u64));
        group.bench_function("folio_pipeline", |b| {
            b.iter(|| pipeline(black_box(&source), &options))
        });
        group.bench_function("raw_pulldown_cmark", |b| {
            b.iter(|| raw_pulldown(black_box(&source)))
        });
        group.finish();
    }
}

/// The inputs the security review found slow, at the limits (rendered)
/// and past them (refused): what one hostile request can cost.
fn hostile(c: &mut Criterion) {
    use folio::render::limits::{MAX_HEADINGS, MAX_NESTING};
    let options = RenderOptions::default();
    let cases = [
        ("headings_at_limit", "## Intro\n".repeat(MAX_HEADINGS)),
        ("headings_20000_refused", "## Intro\n".repeat(20_000)),
        (
            "quotes_at_limit",
            format!("{} x\n", ">".repeat(MAX_NESTING - 2)),
        ),
        (
            "quotes_20000_refused",
            format!("{} x\n", ">".repeat(20_000)),
        ),
        ("divs_at_limit", "<div>".repeat(MAX_NESTING - 1)),
        ("divs_40000_refused", "<div>".repeat(40_000)),
    ];
    let mut group = c.benchmark_group("hostile");
    for (name, md) in &cases {
        group.bench_function(*name, |b| {
            b.iter(|| render(black_box(md), &options).is_ok())
        });
    }
    let items = (0..3_000)
        .map(|i| format!("x{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let refs = vec!["*a"; 3_000].join(", ");
    let bomb = format!("list: &a [{items}]\nboom: [{refs}]\n");
    group.bench_function("yaml_alias_bomb_refused", |b| {
        b.iter(|| front_matter::yaml::parse(black_box(&bomb)).is_err())
    });
    group.finish();
}

criterion_group!(benches, bench, hostile);
criterion_main!(benches);

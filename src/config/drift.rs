//! The configuration is written in four places: the code, each module's
//! documentation, `.env.example` and `docs/CONFIGURATION.md`. These tests
//! hold all of them to [`VARIABLES`]: the same names, the same defaults.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use clap::Args;

use super::{Config, DefaultIs, PROD_SECRET, ReadBy, VARIABLES, Variable, test_config};

const ENV_EXAMPLE: &str = include_str!("../../.env.example");
const CONFIGURATION_MD: &str = include_str!("../../docs/CONFIGURATION.md");

/// Each module's source, for its documentation table.
const MODULE_SOURCES: &[(&str, &str)] = &[
    ("server", include_str!("server.rs")),
    ("database", include_str!("database.rs")),
    ("auth", include_str!("auth.rs")),
    ("cache", include_str!("cache.rs")),
    ("site", include_str!("site.rs")),
    ("limits", include_str!("limits.rs")),
    ("webhooks", include_str!("webhooks.rs")),
    ("live", include_str!("live.rs")),
    ("media", include_str!("media.rs")),
];

fn listed(read_by: &[ReadBy]) -> impl Iterator<Item = &'static Variable> {
    VARIABLES
        .iter()
        .filter(move |v| read_by.contains(&v.read_by))
}

fn names(variables: impl Iterator<Item = &'static Variable>) -> BTreeSet<&'static str> {
    variables.map(|v| v.name).collect()
}

fn find(name: &str) -> Option<&'static Variable> {
    VARIABLES.iter().find(|v| v.name == name)
}

/// Every `FOLIO_…` word in a text (what the list calls a variable).
fn folio_words(text: &str) -> BTreeSet<String> {
    regex_lite::Regex::new(r"\bFOLIO_[A-Z0-9_]+\b")
        .unwrap()
        .find_iter(text)
        .map(|m| m.as_str().to_owned())
        .collect()
}

/// The rows of every `| Variable | Default | Meaning |` table in a
/// Markdown text: name (without its backticks) and default, in order.
fn table_rows(markdown: &str) -> Vec<(String, String)> {
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in markdown.lines().map(str::trim) {
        if line == "| Variable | Default | Meaning |" {
            in_table = true;
        } else if !line.starts_with('|') {
            in_table = false;
        } else if in_table && !line.starts_with("|---") {
            let cells: Vec<&str> = line
                .trim_matches('|')
                .splitn(3, " | ")
                .map(str::trim)
                .collect();
            let name = cells[0].trim_matches('`').to_owned();
            rows.push((name, cells.get(1).copied().unwrap_or_default().to_owned()));
        }
    }
    rows
}

/// Checks a table against some of the list: one row per variable, with
/// the listed default. Returns the problems, one a line.
fn check_table(
    what: &str,
    rows: &[(String, String)],
    expected: &[&'static Variable],
) -> Vec<String> {
    let mut problems = Vec::new();
    let mut seen = BTreeMap::<&str, usize>::new();
    for (name, default) in rows {
        *seen.entry(name.as_str()).or_default() += 1;
        match expected.iter().find(|v| v.name == name) {
            None => problems.push(format!("{what}: `{name}` is not a listed variable here")),
            Some(v) if *default != v.default.text() => problems.push(format!(
                "{what}: `{name}` defaults to {default}, the list says {}",
                v.default.text()
            )),
            Some(_) => {}
        }
    }
    for v in expected {
        match seen.get(v.name).copied().unwrap_or(0) {
            1 => {}
            0 => problems.push(format!("{what}: no row for `{}`", v.name)),
            n => problems.push(format!("{what}: {n} rows for `{}`", v.name)),
        }
    }
    problems
}

fn assert_none(problems: Vec<String>) {
    assert!(problems.is_empty(), "\n{}\n", problems.join("\n"));
}

#[test]
fn the_list_names_each_variable_once() {
    let mut seen = BTreeSet::new();
    for v in VARIABLES {
        assert!(seen.insert(v.name), "{} is listed twice", v.name);
        assert!(
            v.name.starts_with("FOLIO_") || ["DATABASE_URL", "RUST_LOG"].contains(&v.name),
            "{}: Folio's own variables start with FOLIO_",
            v.name
        );
    }
}

/// What `Config::from_lookup` asks for, in development and in production,
/// is exactly what the list says it reads. (The readers take a listed
/// `Variable`, and debug builds assert that it is listed; this also finds
/// a listed variable nothing reads.)
#[test]
fn config_reads_exactly_the_listed_variables() {
    let asked = RefCell::new(BTreeSet::new());
    let environments: &[&[(&str, &str)]] = &[
        &[],
        &[
            ("FOLIO_ENV", "production"),
            ("FOLIO_JWT_SECRET", PROD_SECRET),
            ("FOLIO_ADMIN_EMAIL", "ops@example.com"),
            ("FOLIO_ADMIN_PASSWORD", "tangerine-orbit-7-lantern"),
        ],
    ];
    for env in environments {
        Config::from_lookup(|name| {
            asked.borrow_mut().insert(name.to_owned());
            env.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .unwrap();
    }
    let listed: BTreeSet<String> = listed(&[ReadBy::Config])
        .map(|v| v.name.to_owned())
        .collect();
    assert_eq!(asked.into_inner(), listed);
}

/// No code or test names a `FOLIO_…` variable the list lacks, and only
/// `Config::from_env` reads the environment.
#[test]
fn the_code_names_only_listed_variables() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    let mut dirs = vec![root.join("src"), root.join("tests"), root.join("benches")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(
        files.len() > 20,
        "the scan found too few files: it is broken"
    );
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(root).unwrap().display().to_string();
        for word in folio_words(&text) {
            if find(&word).is_none() {
                problems.push(format!(
                    "{shown}: names {word}, which config::VARIABLES lacks"
                ));
            }
        }
        let reads_env = text.contains("env::var(") || text.contains("env::var_os(");
        let test_only = shown.starts_with("tests/") || shown.starts_with("benches/");
        let allowed = ["src/config/mod.rs", "src/config/drift.rs"].contains(&shown.as_str());
        if reads_env && !test_only && !allowed {
            problems.push(format!(
                "{shown}: reads the environment; read settings in src/config/"
            ));
        }
    }
    assert_none(problems);
}

/// A default given as a value is what the code does when the variable is
/// unset: setting it to that value changes nothing.
#[test]
fn documented_values_are_what_the_code_does_when_unset() {
    let unset = format!("{:?}", test_config(&[]).unwrap());
    for v in listed(&[ReadBy::Config]) {
        let Some(value) = v.default.value() else {
            continue;
        };
        let set =
            test_config(&[(v.name, value)]).unwrap_or_else(|e| panic!("{}={value}: {e}", v.name));
        assert_eq!(format!("{set:?}"), unset, "{}={value}", v.name);
    }
}

/// `RUST_LOG` is tracing's own variable, and telemetry falls back to the
/// listed default.
#[test]
fn rust_log_is_the_log_filter_variable() {
    let rust_log = find("RUST_LOG").unwrap();
    assert_eq!(rust_log.read_by, ReadBy::Tracing);
    assert_eq!(
        tracing_subscriber::EnvFilter::DEFAULT_ENV,
        super::server::RUST_LOG.name
    );
    assert_eq!(rust_log.default.value(), Some("info"));
}

/// The CLI's variables are the ones its arguments read, with clap's
/// defaults.
#[test]
fn the_cli_variables_are_the_ones_clap_reads() {
    let mut found = BTreeMap::new();
    for command in [
        crate::cli::import::ImportArgs::augment_args(clap::Command::new("import")),
        crate::cli::export::ExportArgs::augment_args(clap::Command::new("export")),
    ] {
        for arg in command.get_arguments() {
            if let Some(env) = arg.get_env() {
                let default = arg
                    .get_default_values()
                    .first()
                    .map(|d| d.to_string_lossy().into_owned());
                found.insert(env.to_string_lossy().into_owned(), default);
            }
        }
    }
    let listed: BTreeMap<String, Option<String>> = listed(&[ReadBy::Cli])
        .map(|v| (v.name.to_owned(), v.default.value().map(str::to_owned)))
        .collect();
    assert_eq!(found, listed);
}

/// `.env.example` sets or comments out every variable the server reads,
/// once; what it sets is the listed default; it names nothing else. The
/// CLI's variables stay out: the CLI never reads `.env`.
#[test]
fn env_example_follows_the_list() {
    let assignment = regex_lite::Regex::new(r"^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$").unwrap();
    let mut problems = Vec::new();
    let mut seen = BTreeMap::<String, usize>::new();
    for line in ENV_EXAMPLE.lines() {
        let Some(caps) = assignment.captures(line.trim()) else {
            continue;
        };
        let (commented, name, value) = (caps.get(1).is_some(), &caps[2], caps[3].trim());
        *seen.entry(name.to_owned()).or_default() += 1;
        let Some(v) = find(name) else {
            problems.push(format!("`{line}`: {name} is not a listed variable"));
            continue;
        };
        if v.read_by == ReadBy::Cli {
            problems.push(format!("`{line}`: the CLI does not read .env"));
        } else if !commented && v.default.value() != Some(value) {
            problems.push(match v.default {
                DefaultIs::Words(words) => {
                    format!("`{line}`: {name} defaults to {words}; leave it commented out")
                }
                _ => format!("`{line}`: {name} defaults to {}", v.default.text()),
            });
        }
    }
    for v in listed(&[ReadBy::Config, ReadBy::Tracing]) {
        match seen.get(v.name).copied().unwrap_or(0) {
            1 => {}
            0 => problems.push(format!("no `{0}=` or `#{0}=` line", v.name)),
            n => problems.push(format!("{n} lines for {}", v.name)),
        }
    }
    for word in folio_words(ENV_EXAMPLE) {
        match find(&word) {
            None => problems.push(format!("{word} is mentioned but not a listed variable")),
            Some(v) if v.read_by == ReadBy::Cli => {
                problems.push(format!("{word} is the CLI's, which does not read .env"));
            }
            Some(_) => {}
        }
    }
    assert_none(problems);
}

/// `docs/CONFIGURATION.md` has one row per variable with the listed
/// default, across its tables (the server's and the CLI's).
#[test]
fn configuration_md_follows_the_list() {
    let rows = table_rows(CONFIGURATION_MD);
    assert!(
        !rows.is_empty(),
        "no `| Variable | Default | Meaning |` table"
    );
    let all: Vec<_> = VARIABLES.iter().collect();
    assert_none(check_table("docs/CONFIGURATION.md", &rows, &all));
}

/// Each module's documentation lists its own variables with the listed
/// defaults.
#[test]
fn each_module_documents_its_variables() {
    let mut problems = Vec::new();
    let mut documented = BTreeSet::new();
    for (module, source) in MODULE_SOURCES {
        let doc: String = source
            .lines()
            .filter_map(|l| l.strip_prefix("//!"))
            .map(|l| format!("{}\n", l.trim()))
            .collect();
        let rows = table_rows(&doc);
        let path = format!("folio::config::{module}");
        let own: Vec<_> = VARIABLES.iter().filter(|v| v.module == path).collect();
        assert!(!own.is_empty(), "{module} lists no variables");
        problems.extend(check_table(&format!("src/config/{module}.rs"), &rows, &own));
        documented.extend(own.iter().map(|v| v.name));
    }
    // Every variable but the CLI's belongs to a module above.
    assert_eq!(
        documented,
        names(listed(&[ReadBy::Config, ReadBy::Tracing]))
    );
    assert_none(problems);
}

/// The prose of the documentation names no variable the list lacks.
#[test]
fn the_docs_name_only_listed_variables() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = vec![root.join("README.md")];
    files.extend(
        std::fs::read_dir(root.join("docs"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "md")),
    );
    let mut problems = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for word in folio_words(&text) {
            if find(&word).is_none() {
                problems.push(format!("{}: names {word}", file.display()));
            }
        }
    }
    assert_none(problems);
}

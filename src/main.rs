use std::process::ExitCode;

use clap::{Parser, Subcommand};
use folio::cli::{export, import};
use folio::config::Config;
use folio::startup::Application;

/// Folio: a headless CMS for Markdown posts.
#[derive(Parser)]
#[command(name = "folio", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Start the server (the default): the database is created and migrated first.
    Serve,
    /// Print the OpenAPI document (as committed in openapi/openapi.json).
    Openapi,
    /// Import a folder of Markdown files with front matter into a running Folio.
    Import(import::ImportArgs),
    /// Export every post from a running Folio as Markdown files with front matter.
    Export(export::ExportArgs),
    /// Render again the posts an older renderer produced. Safe to run while
    /// servers are running, and on several machines at once.
    Rerender {
        /// Every post, not only stale ones (after changing FOLIO_MEDIA_BASE_URL).
        #[arg(long)]
        all: bool,
    },
}

fn main() -> ExitCode {
    // Before the runtime starts any thread.
    return_big_buffers_to_the_os();
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the tokio runtime")
        .block_on(run())
}

async fn run() -> ExitCode {
    match Cli::parse().command.unwrap_or(Command::Serve) {
        Command::Serve => serve().await,
        Command::Openapi => {
            print!("{}", folio::openapi::spec_json());
            ExitCode::SUCCESS
        }
        Command::Import(args) => match import::run(&args).await {
            Ok(summary) => {
                summary.print(args.dry_run);
                if summary.failed.is_empty() {
                    ExitCode::SUCCESS
                } else {
                    ExitCode::FAILURE
                }
            }
            Err(e) => {
                eprintln!("folio import: {e:#}");
                ExitCode::FAILURE
            }
        },
        Command::Rerender { all } => rerender(all).await,
        Command::Export(args) => match export::run(&args).await {
            Ok(n) => {
                println!("exported {n} posts to {}", args.dir.display());
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("folio export: {e:#}");
                ExitCode::FAILURE
            }
        },
    }
}

async fn serve() -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("folio: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    folio::telemetry::init(config.server.log_format);
    if config.auth.jwt_secret_generated {
        tracing::warn!(
            "FOLIO_JWT_SECRET is unset: using a random key, so tokens end with this process"
        );
    }
    let addr = config.server.addr;
    let app = match Application::build(config).await {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "start-up failed");
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(%addr, "Folio is listening");
    tokio::spawn(return_freed_memory_to_the_os());
    match app.run_until_stopped().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = %e, "server stopped with an error");
            ExitCode::FAILURE
        }
    }
}

async fn rerender(all: bool) -> ExitCode {
    let config = match Config::from_env() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("folio: configuration error: {e}");
            return ExitCode::from(2);
        }
    };
    folio::telemetry::init(config.server.log_format);
    match folio::rerender::command(&config, all).await {
        Ok(n) => {
            println!("re-rendered {n} post{}", if n == 1 { "" } else { "s" });
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("folio: rerender failed: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Each password hash works in a 19 MiB buffer (argon2id at the OWASP
/// setting). glibc gives a big allocation a mapping of its own and unmaps
/// it when it is freed, but then raises that threshold to the size just
/// freed, so the next hash lands in a heap arena, which keeps the 19 MiB
/// resident for good. A fixed threshold (which `MALLOC_MMAP_THRESHOLD_`
/// would also set) keeps every big buffer a mapping of its own: measured,
/// idle RSS 46.7 → 26.9 MiB.
///
/// The threshold sits above what one response's compression allocates:
/// brotli's encoder (quality 5) builds a hash table of just over 1 MiB for
/// every body. At a 1 MiB threshold each compressed answer mapped, zeroed
/// and unmapped a table of its own: 538 µs for an 8 KB post instead of 86
/// (`cargo bench --bench encoding` under `mallopt`). A fixed threshold
/// also fixes the trim threshold, at 128 KiB: a heap whose top had more
/// free gave it back at once, so the table, freed at the top, was mapped
/// again by the next answer. It is raised to 4 MiB too; the periodic
/// `malloc_trim` below hands free memory back anyway. Uncached reads with
/// `Accept-Encoding: br`, 64 connections: 0.76–1.25 → 0.48–0.52 ms of
/// Folio's CPU per request, at 2–3 MiB more peak RSS on that row; on
/// `bench/load.sh`'s rows, within run-to-run noise (bench/README.md).
///
/// glibc also gives threads up to eight heap arenas per core, and each
/// keeps what it freed; under 64 concurrent writes the live heap was
/// ~8 MiB while RSS grew by ~14. One arena per core (what
/// `MALLOC_ARENA_MAX` would set) measured 41.7 → 36.2 MiB peak on the
/// write row, at the same CPU per request (bench/README.md).
#[allow(unsafe_code)]
fn return_big_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(1, usize::from);
        let arenas = libc::c_int::try_from(cores).unwrap_or(libc::c_int::MAX);
        // SAFETY: mallopt only changes the allocator's tuning, and is
        // called before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
            libc::mallopt(libc::M_TRIM_THRESHOLD, 4 << 20);
            libc::mallopt(libc::M_ARENA_MAX, arenas);
        }
    }
}

/// glibc keeps freed memory resident unless it is at the top of a heap:
/// start-up's transient few MiB (the OpenAPI document, each worker's
/// routes) and, under load, what a burst of requests freed across the
/// workers' arenas. `malloc_trim` hands free pages back; every few seconds
/// it costs a walk of the free lists, well under a millisecond. Measured
/// (bench/README.md): idle RSS 40 → 29 MiB.
async fn return_freed_memory_to_the_os() {
    let every = std::time::Duration::from_secs(5);
    // The first a second in: by then the workers have built their apps.
    let start = tokio::time::Instant::now() + std::time::Duration::from_secs(1);
    let mut tick = tokio::time::interval_at(start, every);
    loop {
        tick.tick().await;
        trim();
    }
}

#[allow(unsafe_code)]
fn trim() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free memory; it takes the
    // allocator's own locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

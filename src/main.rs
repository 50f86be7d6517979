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
#[allow(unsafe_code)]
fn return_big_buffers_to_the_os() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only changes the allocator's tuning, and is called
    // before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

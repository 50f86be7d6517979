use std::process::ExitCode;

use folio::config::Config;
use folio::startup::Application;

const USAGE: &str = "usage: folio [serve | openapi | rerender [--all]]
  serve     start the server (the default): migrations are applied first
  openapi   print the OpenAPI document (as committed in openapi/openapi.json)
  rerender  render again the posts an older renderer produced; with --all,
            every post (after changing FOLIO_MEDIA_BASE_URL). Safe to run
            while servers are running, and on several machines at once";

#[tokio::main]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        None | Some("serve") => serve().await,
        Some("openapi") => {
            print!("{}", folio::openapi::spec_json());
            ExitCode::SUCCESS
        }
        Some("rerender") => match &args[1..] {
            [] => rerender(false).await,
            [flag] if flag == "--all" => rerender(true).await,
            _ => {
                eprintln!("{USAGE}");
                ExitCode::from(2)
            }
        },
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        Some(other) => {
            eprintln!("unknown command `{other}`\n{USAGE}");
            ExitCode::from(2)
        }
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
    folio::telemetry::init(config.log_format);
    if config.jwt_secret_generated {
        tracing::warn!(
            "FOLIO_JWT_SECRET is unset: using a random key, so tokens end with this process"
        );
    }
    let addr = config.addr;
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
    folio::telemetry::init(config.log_format);
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

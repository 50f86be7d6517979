//! Logging: human-readable or JSON lines, filtered by `RUST_LOG`.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;
use crate::config::server::{DEFAULT_LOG_FILTER, RUST_LOG};

/// The HTML parser under the sanitiser (html5ever) warns about the markup
/// it meets (`foster parenting not implemented` for every element misplaced
/// in a table): that is user content, not a fault of this server, and one
/// imported documentation site wrote hundreds of such lines. Its target is
/// held at `error` unless `RUST_LOG` names it.
const QUIET_DEPENDENCIES: &str = "html5ever=error";

pub fn init(format: LogFormat) {
    let filter = filter(EnvFilter::try_from_env(RUST_LOG.name).ok());
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    // try_init: a second call (tests) keeps the first subscriber.
    let _ = match format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

/// The filter `RUST_LOG` asked for (the default when unset or invalid),
/// with the quiet dependencies added unless it names them itself.
fn filter(from_env: Option<EnvFilter>) -> EnvFilter {
    let filter = from_env.unwrap_or_else(|| EnvFilter::new(DEFAULT_LOG_FILTER));
    if filter.to_string().contains("html5ever") {
        return filter;
    }
    match QUIET_DEPENDENCIES.parse() {
        Ok(directive) => filter.add_directive(directive),
        Err(_) => filter,
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// What the log says while a Markdown table full of misplaced markup
    /// is rendered under `rust_log`.
    fn log_of_rendering_a_broken_table(filter: EnvFilter) -> String {
        let _ = tracing_log::LogTracer::init();
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(move || writer.clone())
            .finish();
        let markdown = "<table><tr><td>a</td></tr>stray <b>bold</b><div>x</div></table>\n";
        tracing::subscriber::with_default(subscriber, || {
            crate::render::render(markdown, &Default::default()).expect("renders");
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn the_html_parser_does_not_flood_the_log_about_user_markup() {
        // The control: without the directive, the warnings are there.
        let loud = log_of_rendering_a_broken_table(EnvFilter::new("info"));
        assert!(loud.contains("foster parenting"), "{loud}");
        for rust_log in [None, Some("info"), Some("debug"), Some("not a [filter")] {
            let log = log_of_rendering_a_broken_table(filter(
                rust_log.and_then(|v| EnvFilter::try_new(v).ok()),
            ));
            assert!(!log.contains("foster parenting"), "{rust_log:?}: {log}");
        }
        // Someone debugging the parser can still ask for it.
        let asked =
            log_of_rendering_a_broken_table(filter(EnvFilter::try_new("info,html5ever=warn").ok()));
        assert!(asked.contains("foster parenting"), "{asked}");
    }
}

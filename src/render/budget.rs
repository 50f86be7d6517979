//! Rendering from request handlers: off the async workers, a bounded
//! number at once, within a time budget.
//!
//! [`render`](super::render) is CPU work that [`limits`](super::limits)
//! keeps proportional to a body's size. Run on an async worker it would
//! stall every other request that worker holds, so it runs on the blocking
//! pool, at most `concurrent` at a time per instance (a flood of large
//! bodies then queues instead of taking every core), and a render that
//! outlives its budget is answered 422 while its thread finishes alone —
//! still holding its permit, so the bound holds.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;

use super::{MediaIndex, RenderError, RenderOptions, Rendered};
use crate::error::AppError;

pub struct Renderer {
    options: RenderOptions,
    permits: Arc<Semaphore>,
    /// How long a request may wait for a permit before a 503.
    wait: Duration,
    /// How long one render may take before a 422.
    budget: Duration,
}

impl Renderer {
    pub fn new(
        options: RenderOptions,
        concurrent: usize,
        wait: Duration,
        budget: Duration,
    ) -> Self {
        Self {
            options,
            permits: Arc::new(Semaphore::new(concurrent.max(1))),
            wait,
            budget,
        }
    }

    pub fn options(&self) -> &RenderOptions {
        &self.options
    }

    /// Renders `markdown`; a problem naming `field` when the body is refused.
    pub async fn render(&self, markdown: String, field: &str) -> Result<Rendered, AppError> {
        self.render_with_media(markdown, field, MediaIndex::default())
            .await
    }

    /// [`Self::render`], with the media items the body may refer to.
    pub async fn render_with_media(
        &self,
        markdown: String,
        field: &str,
        media: MediaIndex,
    ) -> Result<Rendered, AppError> {
        let permit = tokio::time::timeout(self.wait, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| AppError::Unavailable)?
            .map_err(|e| AppError::Internal(e.into()))?;
        let options = self.options.clone();
        let work = tokio::task::spawn_blocking(move || {
            let rendered = super::render_with_media(&markdown, &options, &media);
            drop(permit);
            rendered
        });
        match tokio::time::timeout(self.budget, work).await {
            Ok(Ok(Ok(rendered))) => Ok(rendered),
            Ok(Ok(Err(refused))) => Err(AppError::invalid(field, refused.to_string())),
            Ok(Err(panicked)) => Err(AppError::Internal(panicked.into())),
            Err(_) => {
                let ms = u64::try_from(self.budget.as_millis()).unwrap_or(u64::MAX);
                tracing::warn!(budget_ms = ms, "a render ran past its budget");
                Err(AppError::invalid(
                    field,
                    RenderError::TooSlow(ms).to_string(),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renderer(budget: Duration) -> Renderer {
        Renderer::new(RenderOptions::default(), 1, Duration::from_secs(5), budget)
    }

    #[tokio::test]
    async fn renders_off_the_worker() {
        let r = renderer(Duration::from_secs(5));
        let out = r.render("# Hi".into(), "markdown").await.unwrap();
        assert!(out.html.as_str().contains("<h1"), "{:?}", out.html);
    }

    #[tokio::test]
    async fn a_refused_body_names_its_field() {
        let r = renderer(Duration::from_secs(5));
        let deep = ">".repeat(super::super::limits::MAX_NESTING + 10);
        let Err(AppError::Validation(fields)) = r.render(deep, "markdown").await else {
            panic!("a too deep body must be refused");
        };
        assert_eq!(fields[0].field, "markdown");
        assert!(fields[0].message.contains("levels deep"), "{fields:?}");
    }

    #[tokio::test]
    async fn a_render_past_its_budget_is_refused() {
        let r = renderer(Duration::ZERO);
        let Err(AppError::Validation(fields)) = r.render("x ".repeat(50_000), "markdown").await
        else {
            panic!("a render past its budget must be refused");
        };
        assert!(fields[0].message.contains("took longer"), "{fields:?}");
    }
}

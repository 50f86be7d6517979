//! A bound on concurrent password hashing.
//!
//! Each argon2 hash takes 19 MiB and a core for tens of milliseconds. Run
//! unbounded on the blocking pool (hundreds of threads), a flood of logins
//! from many addresses could take gigabytes and starve everything else; so
//! hashes queue for a permit, and a request that waits too long gets a 503
//! it may retry. This is per process on purpose: it protects this
//! instance's memory, not any shared state.

use std::time::Duration;

use tokio::sync::Semaphore;

use crate::error::AppError;

pub struct Hashing {
    permits: Semaphore,
    wait: Duration,
}

impl Hashing {
    pub fn new(concurrent: usize, wait: Duration) -> Self {
        Self {
            permits: Semaphore::new(concurrent.max(1)),
            wait,
        }
    }

    /// Runs CPU-heavy password work on the blocking pool once a permit is
    /// free; 503 when none frees up within the wait.
    pub async fn run<T, F>(&self, work: F) -> Result<T, AppError>
    where
        F: FnOnce() -> anyhow::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        let _permit = tokio::time::timeout(self.wait, self.permits.acquire())
            .await
            .map_err(|_| AppError::Unavailable)?
            .map_err(|e| AppError::Internal(e.into()))?;
        tokio::task::spawn_blocking(work)
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(AppError::Internal)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn no_more_than_the_permitted_hashes_run_at_once() {
        let hashing = Arc::new(Hashing::new(2, Duration::from_secs(5)));
        let running = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..6 {
            let (hashing, running, peak) = (hashing.clone(), running.clone(), peak.clone());
            tasks.push(tokio::spawn(async move {
                hashing
                    .run(move || {
                        let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                        peak.fetch_max(now, Ordering::SeqCst);
                        std::thread::sleep(Duration::from_millis(30));
                        running.fetch_sub(1, Ordering::SeqCst);
                        Ok(())
                    })
                    .await
            }));
        }
        for task in tasks {
            task.await.unwrap().unwrap();
        }
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_request_that_waits_too_long_for_a_permit_is_503() {
        let hashing = Arc::new(Hashing::new(1, Duration::from_millis(50)));
        let busy = {
            let hashing = hashing.clone();
            tokio::spawn(async move {
                hashing
                    .run(|| {
                        std::thread::sleep(Duration::from_millis(400));
                        Ok(())
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let refused = hashing.run(|| Ok(())).await;
        assert!(matches!(refused, Err(AppError::Unavailable)), "{refused:?}");
        busy.await.unwrap().unwrap();
        assert!(hashing.run(|| Ok(())).await.is_ok());
    }

    #[tokio::test]
    async fn failures_inside_the_work_are_internal_errors() {
        let hashing = Hashing::new(1, Duration::from_secs(1));
        let failed = hashing
            .run(|| -> anyhow::Result<()> { anyhow::bail!("boom") })
            .await;
        assert!(matches!(failed, Err(AppError::Internal(_))));
    }
}

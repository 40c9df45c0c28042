//! At most so many extract builds at once, server-wide: a build reads a
//! tenant's every table into memory and compresses it, so 200 first
//! manifests at once must not start 200 builds. A build past the limit
//! waits for a slot, for a bounded time, then is refused with a stable
//! code (`builds_busy`) and a `Retry-After`. Identical requests (one
//! tenant and privacy level) share one build before they get here (the
//! extract cache), so they take one slot between them.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;

use crate::error::AppError;
use crate::metrics::Metrics;

/// The server's build slots and how long a build waits for one.
#[derive(Debug)]
pub struct ExtractBuildLimit {
    slots: Arc<Semaphore>,
    wait: Duration,
}

/// A build slot, free again when dropped.
#[derive(Debug)]
pub struct BuildSlot {
    _permit: OwnedSemaphorePermit,
}

impl ExtractBuildLimit {
    /// `max` builds at once (at least one); a build waits at most `wait` for a slot.
    pub fn new(max: usize, wait: Duration) -> ExtractBuildLimit {
        ExtractBuildLimit {
            slots: Arc::new(Semaphore::new(max.max(1))),
            wait,
        }
    }

    /// How long a build waits for a slot.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// A slot, waiting until `deadline` at most (counted as waiting in the
    /// metrics meanwhile); past it, [`AppError::ExtractBusy`].
    pub async fn slot(&self, deadline: Instant, metrics: &Metrics) -> Result<BuildSlot, AppError> {
        if let Ok(permit) = self.slots.clone().try_acquire_owned() {
            return Ok(BuildSlot { _permit: permit });
        }
        let _waiting = metrics.extract_build_waiting();
        match tokio::time::timeout_at(deadline, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(BuildSlot { _permit: permit }),
            // Timed out, or closed (never: the semaphore is not closed).
            Ok(Err(_)) | Err(_) => Err(AppError::ExtractBusy {
                retry_after: self.wait.as_secs().max(1),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_build_past_the_limit_waits_then_is_refused() {
        let metrics = Metrics::new(Vec::new());
        let limit = ExtractBuildLimit::new(1, Duration::from_millis(20));
        let first = limit
            .slot(Instant::now() + limit.wait(), &metrics)
            .await
            .expect("a free slot");
        let refused = limit.slot(Instant::now() + limit.wait(), &metrics).await;
        assert!(
            matches!(refused, Err(AppError::ExtractBusy { retry_after: 1 })),
            "{refused:?}"
        );
        drop(first);
        assert!(limit
            .slot(Instant::now() + limit.wait(), &metrics)
            .await
            .is_ok());
        let text = metrics.encode().expect("encode");
        assert!(
            text.contains("slicewise_extract_builds_waiting 0\n"),
            "{text}"
        );
    }
}

//! The one clock every expiry reads (DynamoDB TTL, presigned URLs, log retention, lifecycle,
//! KV TTLs). Tests move it through `POST /_ruststack/clock`; a restart returns to real time.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A shared clock: real time plus an offset. Cloning is cheap and clones share the offset.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// A clock at real time.
    pub fn new() -> Self {
        Self::default()
    }

    /// The current time as this clock sees it.
    pub fn now(&self) -> SystemTime {
        let offset = self.offset_ms.load(Ordering::Relaxed);
        let real = SystemTime::now();
        let magnitude = Duration::from_millis(offset.unsigned_abs());
        let moved = if offset >= 0 {
            real.checked_add(magnitude)
        } else {
            real.checked_sub(magnitude)
        };
        moved.unwrap_or(real)
    }

    /// Milliseconds since the Unix epoch (negative before it).
    pub fn now_millis(&self) -> i64 {
        system_time_millis(self.now())
    }

    /// The offset from real time, in milliseconds.
    pub fn offset_millis(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }

    /// Moves the clock by `millis` (negative moves it back).
    pub fn advance_millis(&self, millis: i64) {
        // fetch_update never fails with a closure that always returns Some.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |o| {
                Some(o.saturating_add(millis))
            });
    }

    /// Sets the clock so that [`now`](Self::now) returns `at` (moving with real time after).
    pub fn set(&self, at: SystemTime) {
        let offset = system_time_millis(at).saturating_sub(system_time_millis(SystemTime::now()));
        self.offset_ms.store(offset, Ordering::Relaxed);
    }

    /// Returns to real time.
    pub fn reset(&self) {
        self.offset_ms.store(0, Ordering::Relaxed);
    }
}

fn system_time_millis(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_millis()).map_or(i64::MIN, |m| -m),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_every_clone() {
        let clock = Clock::new();
        let other = clock.clone();
        let before = other.now_millis();
        clock.advance_millis(3_600_000);
        let after = other.now_millis();
        assert!(
            after - before >= 3_600_000 && after - before < 3_700_000,
            "{}",
            after - before
        );
        clock.reset();
        assert!(other.now_millis() - before < 100_000);
    }

    #[test]
    fn set_and_move_back() {
        let clock = Clock::new();
        let target = UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        clock.set(target);
        let now = clock.now_millis();
        assert!((now - 1_000_000_000_000).abs() < 1_000, "{now}");
        clock.advance_millis(-2_000_000_000_000);
        assert!(clock.now_millis() < 0);
    }

    #[test]
    fn extreme_offsets_saturate_instead_of_panicking() {
        let clock = Clock::new();
        clock.advance_millis(i64::MAX);
        clock.advance_millis(i64::MAX);
        let _ = clock.now();
        clock.advance_millis(i64::MIN);
        clock.advance_millis(i64::MIN);
        let _ = clock.now();
    }
}

//! [`Model`]: a service's in-memory state behind its one lock.

use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// A service's model behind one reader-writer lock.
///
/// Poisoning is ignored: every service changes its model only after the commit that
/// records the change, so a panic while the lock was held leaves a model that still
/// matches storage.
#[derive(Debug, Default)]
pub struct Model<T>(RwLock<T>);

impl<T> Model<T> {
    /// Wraps a loaded model.
    pub fn new(value: T) -> Self {
        Self(RwLock::new(value))
    }

    /// Shared access (readers run concurrently).
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Exclusive access: the service's one writer.
    pub fn write(&self) -> RwLockWriteGuard<'_, T> {
        self.0.write().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_under_the_lock_does_not_lock_the_model_out() {
        let model = std::sync::Arc::new(Model::new(1));
        let m = std::sync::Arc::clone(&model);
        let _ = std::thread::spawn(move || {
            let _guard = m.write();
            panic!("while holding the lock");
        })
        .join();
        *model.write() += 1;
        assert_eq!(*model.read(), 2);
    }
}

//! [`Guests`]: the tokio runtime an app's instances run on, which is how an instance past
//! its time limit is stopped.
//!
//! viceroy-lib runs each request's instance in a task it spawns and lets go of (on the
//! runtime that calls `handle_request`), with no deadline: nothing outside can end that one
//! task. Its instances yield at every epoch tick, though, and a task is dropped when the
//! runtime it is on shuts down, which unwinds the instance at its next yield. So each app's
//! requests are handled on a runtime of the app's own. When a request runs past its time
//! limit, that runtime is retired: new requests go to a fresh one, and the retired one shuts
//! down (taking the runaway instance with it) as soon as the other requests admitted to it
//! have ended, responses streamed to the end.
//!
//! Crossing from one runtime to another costs about three context switches a request, two
//! fifths more CPU for a trivial app. So the connections of the first app's own listener
//! are served on its runtime, and a request that is already there is handled in place;
//! only requests through the gateway cross.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Weak};

use crate::lock;

/// How many threads run an app's instances: half the cores (at least one).
///
/// Every instance is mapped and unmapped afresh (viceroy-lib has wasmtime allocate on
/// demand): each unmapping interrupts every other core running a thread of the server to
/// flush its TLB, and mappings queue on the process's one mmap lock. On two cores, with two
/// threads a trivial app cost 233 µs of CPU a request (viceroy's own server, which has two:
/// 232 µs); with one, 141 µs, at the same rate, the other core serving the client.
fn workers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// One runtime for an app's instances, and the requests admitted to it.
pub(crate) struct Guests {
    app: String,
    runtime: Mutex<Option<tokio::runtime::Runtime>>,
    in_flight: AtomicUsize,
    retired: AtomicBool,
}

/// A request admitted to a [`Guests`] runtime; the runtime is kept until it is dropped.
pub(crate) struct Admission(Arc<Guests>);

thread_local! {
    /// The runtime whose worker this thread is.
    static HERE: RefCell<Weak<Guests>> = const { RefCell::new(Weak::new()) };
}

impl Guests {
    /// A runtime with [`workers`] worker threads.
    pub(crate) fn new(app: &str) -> std::io::Result<Arc<Self>> {
        let mut failed = None;
        let guests = Arc::new_cyclic(|me: &Weak<Self>| {
            let me = me.clone();
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers())
                // A worker notices a shutdown between task polls, every this many (tokio's
                // default is 61): an instance that only spins was stopped 1.1 s after its
                // answer at 61 and 0.2-0.3 s at 8, at no CPU cost measured.
                .event_interval(8)
                .thread_name(format!("fastly-{app}"))
                .on_thread_start(move || HERE.with(|h| *h.borrow_mut() = me.clone()))
                .enable_all()
                .build()
                .map_err(|e| failed = Some(e))
                .ok();
            Self {
                app: app.to_owned(),
                runtime: Mutex::new(runtime),
                in_flight: AtomicUsize::new(0),
                retired: AtomicBool::new(false),
            }
        });
        match failed {
            Some(e) => Err(e),
            None => Ok(guests),
        }
    }

    /// The runtime the calling thread works for, if it is one of these.
    pub(crate) fn here() -> Option<Arc<Self>> {
        HERE.with(|h| h.borrow().upgrade())
    }

    /// Keeps the runtime, retired or not, while the admission lives: for a request on a
    /// connection served there.
    pub(crate) fn pin(self: &Arc<Self>) -> Admission {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        Admission(self.clone())
    }

    /// Where work is spawned, until the runtime is shut down.
    pub(crate) fn handle(&self) -> Option<tokio::runtime::Handle> {
        lock(&self.runtime).as_ref().map(|r| r.handle().clone())
    }

    /// Admits a request, unless the runtime is retired.
    pub(crate) fn admit(self: &Arc<Self>) -> Option<Admission> {
        let admission = self.pin();
        // Retirement sets the flag before it counts the requests in flight, so either it
        // sees this one, or this sees the flag.
        (!self.is_retired()).then_some(admission)
    }

    /// Takes no more requests, and shuts the runtime down once those admitted have ended.
    pub(crate) fn retire(&self) {
        self.retired.store(true, Ordering::SeqCst);
        if self.in_flight.load(Ordering::SeqCst) == 0 {
            self.shut_down();
        }
    }

    pub(crate) fn is_retired(&self) -> bool {
        self.retired.load(Ordering::SeqCst)
    }

    fn shut_down(&self) {
        // Drops every task on it (without waiting), so every instance still running there
        // is unwound at its next yield.
        if let Some(runtime) = lock(&self.runtime).take() {
            runtime.shutdown_background();
            if self.retired.load(Ordering::SeqCst) {
                tracing::warn!(app = %self.app, "stopping the Compute app's instances that ran past their time limit");
            }
        }
    }
}

impl Drop for Guests {
    fn drop(&mut self) {
        // A runtime must not be dropped where blocking is not allowed (in a task).
        self.shut_down();
    }
}

impl Admission {
    /// Where the request is handled (and the instances it starts run); `None` if that
    /// runtime was shut down under it.
    pub(crate) fn handle(&self) -> Option<tokio::runtime::Handle> {
        self.0.handle()
    }

    /// The runtime it was admitted to.
    pub(crate) fn guests(&self) -> &Arc<Guests> {
        &self.0
    }
}

impl Drop for Admission {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 && self.0.is_retired() {
            self.0.shut_down();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A task that never ends, as a runaway instance, yielding as instances do.
    async fn spin(stopped: Arc<AtomicBool>) {
        struct Flag(Arc<AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        let _flag = Flag(stopped);
        loop {
            tokio::task::yield_now().await;
        }
    }

    /// Waits (up to 5 s) for a [`spin`] task to be dropped.
    async fn until_stopped(stopped: &AtomicBool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while !stopped.load(Ordering::SeqCst) {
            assert!(
                std::time::Instant::now() < deadline,
                "the task was not stopped"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_retired_runtime_stops_its_tasks_once_its_admissions_end() {
        let guests = Guests::new("t").unwrap();
        let stopped = Arc::new(AtomicBool::new(false));
        let (runaway, other) = (guests.admit().unwrap(), guests.admit().unwrap());
        runaway.handle().unwrap().spawn(spin(stopped.clone()));
        // A request that finishes normally on the same runtime.
        assert_eq!(other.handle().unwrap().spawn(async { 7 }).await.unwrap(), 7);
        guests.retire();
        assert!(guests.admit().is_none(), "a retired runtime admits nothing");
        drop(runaway);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!stopped.load(Ordering::SeqCst), "still admitted: kept");
        drop(other);
        until_stopped(&stopped).await;
        assert!(lock(&guests.runtime).is_none());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn its_workers_know_it_and_a_pin_keeps_it_retired() {
        let guests = Guests::new("t").unwrap();
        assert!(Guests::here().is_none(), "not on one of its workers");
        let on_it = guests
            .handle()
            .unwrap()
            .spawn(async { Guests::here() })
            .await
            .unwrap();
        assert!(on_it.is_some_and(|g| Arc::ptr_eq(&g, &guests)));
        let pinned = guests.pin();
        guests.retire();
        assert!(guests.admit().is_none());
        assert!(guests.handle().is_some(), "pinned: kept");
        drop(pinned);
        assert!(guests.handle().is_none(), "stopped with the last pin");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retiring_with_nothing_in_flight_stops_at_once_and_dropping_stops_too() {
        for retire in [true, false] {
            let guests = Guests::new("t").unwrap();
            let stopped = Arc::new(AtomicBool::new(false));
            let admission = guests.admit().unwrap();
            admission.handle().unwrap().spawn(spin(stopped.clone()));
            drop(admission);
            if retire {
                guests.retire();
                assert!(lock(&guests.runtime).is_none(), "stopped at once");
            } else {
                drop(guests);
            }
            until_stopped(&stopped).await;
        }
    }
}

//! Amazon S3 for ruststack (rest-xml).
//!
//! # Layout
//! - `api` — path and host → bucket/key, operation resolution (`api/route.rs`), the
//!   request view the operations read, CORS on responses, and dispatch.
//! - `ops/` — one file per area: buckets, bucket configurations, objects, listing,
//!   multipart uploads, browser POST uploads.
//! - `state` — the model: buckets → keys → versions, uploads → parts.
//! - `persist` — records for the storage layer and rebuilding the model at boot.
//! - `body` — streaming bodies into blobs (aws-chunked, MD5, checksums) and out of them.
//! - `checksum`, `config` (configuration subresources, tags, CORS rules), `xml` (typed
//!   documents), `events` (bucket notifications), [`parse`] (every input parser, for fuzzing).
//!
//! # Invariants
//! - Object bytes live only in blobs; a blob is written completely before any record
//!   names it, and removed only after the record that named it is gone.
//! - Every mutation validates against the model, commits its records, then changes the
//!   model, under the one writer lock; a failed commit changes nothing.
//! - Keys are never used to build a path: blob names are generated ids.

mod api;
mod body;
mod checksum;
mod config;
mod error;
pub mod events;
mod ops;
pub mod parse;
mod persist;
mod state;
mod xml;

use std::collections::HashSet;
use std::sync::{Arc, RwLockReadGuard, RwLockWriteGuard};

use ruststack_protocol::service::BoxFuture;
use ruststack_protocol::{Request, RequestContext, Response, Service, ServiceError, ServiceId};
use ruststack_storage::{Batch, BlobId, BlobStore, Model, Storage, StorageError};

pub use events::{EventSink, S3Event};

/// The canonical user id of every account's owner (LocalStack's, which clients and tests
/// written against LocalStack compare with).
pub(crate) const OWNER_ID: &str =
    "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a";
/// The owner's display name.
pub(crate) const OWNER_NAME: &str = "webfile";

/// The S3 service. Cloning is cheap; clones share state.
#[derive(Clone)]
pub struct S3 {
    inner: Arc<Inner>,
}

struct Inner {
    state: Model<state::State>,
    storage: Arc<dyn Storage>,
    blobs: BlobStore,
    events: Option<EventSink>,
}

impl S3 {
    /// Loads the service's state from `storage`; object bytes live in `blobs`. `events`
    /// receives bucket notifications (wired to Lambda by the registry); `None` drops them.
    pub fn open(
        storage: Arc<dyn Storage>,
        blobs: BlobStore,
        events: Option<EventSink>,
    ) -> Result<Self, StorageError> {
        let state = persist::load(storage.as_ref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                state: Model::new(state),
                storage,
                blobs,
                events,
            }),
        })
    }

    /// Every blob a record refers to (the blob store's sweep keeps these).
    pub fn live_blobs(&self) -> HashSet<BlobId> {
        let state = self.read();
        let mut live = HashSet::new();
        for bucket in state.buckets.values() {
            for versions in bucket.objects.values() {
                for v in versions {
                    live.extend(v.segments.iter().filter_map(|s| BlobId::parse(&s.blob)));
                }
            }
            for upload in bucket.uploads.values() {
                live.extend(upload.parts.values().filter_map(|p| BlobId::parse(&p.blob)));
            }
        }
        live
    }

    /// The bytes of an object's current version (or of `version_id`), for another service
    /// that takes code from S3 (Lambda). Blocking. The error names S3's code and message.
    pub fn object_bytes(
        &self,
        bucket: &str,
        key: &str,
        version_id: Option<&str>,
    ) -> Result<Vec<u8>, String> {
        let segments = {
            let state = self.read();
            let b = state.buckets.get(bucket).ok_or(
                "S3 Error Code: NoSuchBucket. S3 Error Message: The specified bucket does not exist",
            )?;
            let no_key =
                "S3 Error Code: NoSuchKey. S3 Error Message: The specified key does not exist.";
            let versions = b.objects.get(key).ok_or(no_key)?;
            let v = match version_id {
                Some(id) => versions.iter().find(|v| v.version_id == id),
                None => versions.last(),
            }
            .filter(|v| !v.delete_marker)
            .ok_or(no_key)?;
            v.segments.clone()
        };
        let mut out = Vec::new();
        for s in segments {
            match (&s.inline, BlobId::parse(&s.blob)) {
                (Some(bytes), _) => out.extend_from_slice(bytes),
                (None, Some(id)) => {
                    let data =
                        std::fs::read(self.inner.blobs.path(&id)).map_err(|e| e.to_string())?;
                    out.extend_from_slice(&data);
                }
                (None, None) => {}
            }
        }
        Ok(out)
    }

    pub(crate) fn read(&self) -> RwLockReadGuard<'_, state::State> {
        self.inner.state.read()
    }

    pub(crate) fn write_lock(&self) -> RwLockWriteGuard<'_, state::State> {
        self.inner.state.write()
    }

    pub(crate) fn commit(&self, batch: Batch) -> Result<(), ServiceError> {
        if batch.is_empty() {
            return Ok(());
        }
        self.inner.storage.commit(batch).map_err(error::internal)
    }

    pub(crate) fn keeps_records(&self) -> bool {
        self.inner.storage.keeps_records()
    }

    pub(crate) fn blobs(&self) -> &BlobStore {
        &self.inner.blobs
    }

    /// Runs a mutating operation through [`ruststack_storage::run_write`] (on the blocking
    /// pool when commits wait for the disk).
    pub(crate) async fn write<O: Send + 'static>(
        &self,
        op: impl FnOnce(&S3) -> Result<O, ServiceError> + Send + 'static,
    ) -> Result<O, ServiceError> {
        let this = self.clone();
        ruststack_storage::run_write(self.inner.storage.as_ref(), move || op(&this))
            .await
            .map_err(error::internal)?
    }

    /// Removes blobs no record refers to any more (after the commit that dropped them).
    pub(crate) async fn discard_blobs(&self, blobs: Vec<String>) {
        for blob in blobs {
            if let Some(id) = BlobId::parse(&blob)
                && let Err(e) = self.inner.blobs.delete(&id).await
            {
                tracing::warn!(blob, error = %e, "could not remove an unreferenced blob");
            }
        }
    }

    pub(crate) fn emit(&self, event: S3Event) {
        if let Some(sink) = &self.inner.events {
            sink(event);
        }
    }

    pub(crate) fn has_event_sink(&self) -> bool {
        self.inner.events.is_some()
    }
}

impl Service for S3 {
    fn id(&self) -> ServiceId {
        ServiceId::S3
    }

    fn call<'a>(
        &'a self,
        ctx: &'a RequestContext,
        req: Request,
    ) -> BoxFuture<'a, Result<Response, ServiceError>> {
        Box::pin(api::dispatch(self, ctx, req))
    }

    fn reset(&self) -> Result<(), ServiceError> {
        let mut state = self.write_lock();
        self.commit(Batch::clearing(&persist::ALL_TABLES))?;
        let old = std::mem::take(&mut *state);
        drop(state);
        for bucket in old.buckets.into_values() {
            for versions in bucket.objects.into_values() {
                for v in versions {
                    remove_blobs_now(
                        &self.inner.blobs,
                        v.segments.iter().map(|s| s.blob.as_str()),
                    );
                }
            }
            for upload in bucket.uploads.into_values() {
                remove_blobs_now(
                    &self.inner.blobs,
                    upload.parts.values().map(|p| p.blob.as_str()),
                );
            }
        }
        Ok(())
    }
}

fn remove_blobs_now<'a>(blobs: &BlobStore, ids: impl Iterator<Item = &'a str>) {
    for id in ids.filter_map(BlobId::parse) {
        let _ = std::fs::remove_file(blobs.path(&id));
    }
}

//! Records: one per bucket, one per object version, one per multipart upload (with its
//! parts). Version and upload records are keyed `<bucket>/<id>`, so a bucket's records
//! share a prefix (bucket names cannot contain `/`).

use std::sync::Arc;

use ruststack_storage::{Batch, Storage, StorageError, Table};

use crate::state::{Bucket, BucketMeta, State, Upload, Version};

pub(crate) const BUCKETS: Table = Table::new("s3.buckets");
pub(crate) const VERSIONS: Table = Table::new("s3.versions");
pub(crate) const UPLOADS: Table = Table::new("s3.uploads");
pub(crate) const ALL_TABLES: [Table; 3] = [BUCKETS, VERSIONS, UPLOADS];

fn json<T: serde::Serialize>(value: &T) -> Vec<u8> {
    // Serialising these plain structs into a Vec cannot fail.
    serde_json::to_vec(value).unwrap_or_default()
}

pub(crate) fn put_bucket(batch: &mut Batch, meta: &BucketMeta) {
    batch.put(BUCKETS, meta.name.as_bytes().to_vec(), json(meta));
}

pub(crate) fn delete_bucket(batch: &mut Batch, name: &str) {
    batch.delete(BUCKETS, name.as_bytes().to_vec());
    batch.delete_prefix(VERSIONS, format!("{name}/").into_bytes());
    batch.delete_prefix(UPLOADS, format!("{name}/").into_bytes());
}

pub(crate) fn put_version(batch: &mut Batch, bucket: &str, version: &Version) {
    batch.put(
        VERSIONS,
        format!("{bucket}/{}", version.uid).into_bytes(),
        json(version),
    );
}

pub(crate) fn delete_version(batch: &mut Batch, bucket: &str, version: &Version) {
    batch.delete(VERSIONS, format!("{bucket}/{}", version.uid).into_bytes());
}

pub(crate) fn put_upload(batch: &mut Batch, bucket: &str, upload: &Upload) {
    batch.put(
        UPLOADS,
        format!("{bucket}/{}", upload.upload_id).into_bytes(),
        json(upload),
    );
}

pub(crate) fn delete_upload(batch: &mut Batch, bucket: &str, upload_id: &str) {
    batch.delete(UPLOADS, format!("{bucket}/{upload_id}").into_bytes());
}

fn decode<T: serde::de::DeserializeOwned>(
    table: Table,
    key: &[u8],
    value: &[u8],
) -> Result<T, StorageError> {
    serde_json::from_slice(value).map_err(|e| StorageError::Undecodable {
        table: table.name(),
        detail: format!("{}: {e}", String::from_utf8_lossy(key)),
    })
}

/// Rebuilds the model from storage.
pub(crate) fn load(storage: &dyn Storage) -> Result<State, StorageError> {
    let mut state = State::default();
    for (key, value) in storage.load(BUCKETS)? {
        let meta: BucketMeta = decode(BUCKETS, &key, &value)?;
        state.buckets.insert(meta.name.clone(), Bucket::new(meta));
    }
    let mut versions: Vec<(String, Version)> = Vec::new();
    for (key, value) in storage.load(VERSIONS)? {
        let bucket = bucket_of(&key);
        versions.push((bucket, decode(VERSIONS, &key, &value)?));
    }
    versions.sort_by_key(|(_, v)| v.seq);
    for (bucket, version) in versions {
        if let Some(b) = state.buckets.get_mut(&bucket) {
            b.meta.next_seq = b.meta.next_seq.max(version.seq + 1);
            b.objects
                .entry(version.key.clone())
                .or_default()
                .push(Arc::new(version));
        }
    }
    for (key, value) in storage.load(UPLOADS)? {
        let bucket = bucket_of(&key);
        let upload: Upload = decode(UPLOADS, &key, &value)?;
        if let Some(b) = state.buckets.get_mut(&bucket) {
            b.uploads.insert(upload.upload_id.clone(), upload);
        }
    }
    Ok(state)
}

fn bucket_of(key: &[u8]) -> String {
    let text = String::from_utf8_lossy(key);
    text.split_once('/').map_or(&*text, |(b, _)| b).to_owned()
}

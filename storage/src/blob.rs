//! [`BlobStore`]: large payloads as files, streamed in, never whole in memory.
//!
//! A blob is written to `tmp/<id>`, fsynced, then renamed to `<id[..2]>/<id>` (and the
//! directory fsynced), so a blob either exists completely or not at all. Only the
//! [`BlobId`] goes through a table commit; blobs no committed row refers to are removed by
//! [`BlobStore::sweep`] at boot.

use std::collections::HashSet;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};
use tokio::io::AsyncWriteExt;

use crate::BlobError;

/// The id of a stored blob: 32 lower-case hex characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlobId(String);

impl BlobId {
    fn generate() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }

    /// Parses an id read back from storage; `None` unless it is a well-formed id (so it can
    /// never name a path outside the store).
    pub fn parse(s: &str) -> Option<Self> {
        (s.len() == 32
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
        .then(|| Self(s.to_owned()))
    }

    /// The id as stored in table rows.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for BlobId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A directory of immutable blobs. Cloning is cheap.
#[derive(Clone, Debug)]
pub struct BlobStore {
    root: PathBuf,
    durable: bool,
    _temp: Option<Arc<tempfile::TempDir>>,
}

const TMP: &str = "tmp";

impl BlobStore {
    /// A durable store in `root` (created if missing); leftovers of interrupted writes are
    /// removed.
    pub fn open(root: &Path) -> io::Result<Self> {
        std::fs::create_dir_all(root.join(TMP))?;
        for entry in std::fs::read_dir(root.join(TMP))? {
            std::fs::remove_file(entry?.path())?;
        }
        Ok(Self {
            root: root.to_owned(),
            durable: true,
            _temp: None,
        })
    }

    /// A store in a fresh temporary directory, removed when the last clone is dropped.
    pub fn ephemeral() -> io::Result<Self> {
        let temp = tempfile::Builder::new()
            .prefix("ruststack-blobs-")
            .tempdir()?;
        std::fs::create_dir_all(temp.path().join(TMP))?;
        Ok(Self {
            root: temp.path().to_owned(),
            durable: false,
            _temp: Some(Arc::new(temp)),
        })
    }

    /// Streams `body` into a new blob and returns its id and size. On any error (stream
    /// failure, `limit` exceeded, disk) nothing is kept.
    pub async fn put<S, E>(&self, body: S, limit: Option<u64>) -> Result<(BlobId, u64), BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let id = BlobId::generate();
        let tmp = self.root.join(TMP).join(id.as_str());
        let result = self.write_tmp(&tmp, body, limit).await;
        let size = match result {
            Ok(size) => size,
            Err(e) => {
                let _ = tokio::fs::remove_file(&tmp).await;
                return Err(e);
            }
        };
        let dest = self.path(&id);
        let dir = dest
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| self.root.clone());
        tokio::fs::create_dir_all(&dir).await?;
        tokio::fs::rename(&tmp, &dest).await?;
        if self.durable {
            sync_dir(dir).await?;
        }
        Ok((id, size))
    }

    async fn write_tmp<S, E>(
        &self,
        tmp: &Path,
        body: S,
        limit: Option<u64>,
    ) -> Result<u64, BlobError>
    where
        S: Stream<Item = Result<Bytes, E>>,
        E: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let mut file = tokio::fs::File::create(tmp).await?;
        let mut size = 0u64;
        let mut body = std::pin::pin!(body);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| BlobError::Stream(e.into()))?;
            size += chunk.len() as u64;
            if let Some(limit) = limit.filter(|l| size > *l) {
                return Err(BlobError::TooLarge { limit });
            }
            file.write_all(&chunk).await?;
        }
        file.flush().await?;
        if self.durable {
            file.sync_all().await?;
        }
        Ok(size)
    }

    /// Starts a blob written synchronously (from a blocking thread): bytes go to a
    /// temporary file that [`BlobWriter::finish`] moves into place; dropping the writer
    /// unfinished removes it.
    pub fn writer(&self) -> io::Result<BlobWriter> {
        let id = BlobId::generate();
        let tmp = self.root.join(TMP).join(id.as_str());
        let file = std::fs::File::create(&tmp)?;
        Ok(BlobWriter {
            store: self.clone(),
            id,
            tmp,
            file: Some(file),
            size: 0,
        })
    }

    /// The directory holding the blobs.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where a blob's bytes are (open it to stream them out).
    pub fn path(&self, id: &BlobId) -> PathBuf {
        self.root.join(&id.0[..2]).join(id.as_str())
    }

    /// Removes a blob; a missing blob is not an error.
    pub async fn delete(&self, id: &BlobId) -> io::Result<()> {
        match tokio::fs::remove_file(self.path(id)).await {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    /// Removes every blob not in `live` (run at boot, after the services loaded their rows)
    /// and returns how many were removed.
    pub fn sweep(&self, live: &HashSet<BlobId>) -> io::Result<usize> {
        let mut removed = 0;
        for shard in std::fs::read_dir(&self.root)? {
            let shard = shard?;
            if shard.file_name() == TMP || !shard.file_type()?.is_dir() {
                continue;
            }
            for blob in std::fs::read_dir(shard.path())? {
                let blob = blob?;
                let keep = BlobId::parse(&blob.file_name().to_string_lossy())
                    .is_some_and(|id| live.contains(&id));
                if !keep {
                    std::fs::remove_file(blob.path())?;
                    removed += 1;
                }
            }
        }
        Ok(removed)
    }
}

/// A blob being written by [`BlobStore::writer`].
#[derive(Debug)]
pub struct BlobWriter {
    store: BlobStore,
    id: BlobId,
    tmp: PathBuf,
    file: Option<std::fs::File>,
    size: u64,
}

impl BlobWriter {
    /// Appends bytes.
    pub fn write(&mut self, data: &[u8]) -> io::Result<()> {
        use std::io::Write;
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("blob already finished"))?;
        file.write_all(data)?;
        self.size += data.len() as u64;
        Ok(())
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Makes the blob durable (when the store is) and visible under its id.
    pub fn finish(mut self) -> io::Result<(BlobId, u64)> {
        let file = self
            .file
            .take()
            .ok_or_else(|| io::Error::other("blob already finished"))?;
        if self.store.durable {
            file.sync_all()?;
        }
        drop(file);
        let dest = self.store.path(&self.id);
        let dir = dest
            .parent()
            .map(Path::to_owned)
            .unwrap_or_else(|| self.store.root.clone());
        std::fs::create_dir_all(&dir)?;
        std::fs::rename(&self.tmp, &dest)?;
        if self.store.durable {
            std::fs::File::open(&dir)?.sync_all()?;
        }
        Ok((self.id.clone(), self.size))
    }
}

impl Drop for BlobWriter {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp);
        }
    }
}

async fn sync_dir(dir: PathBuf) -> io::Result<()> {
    tokio::task::spawn_blocking(move || std::fs::File::open(dir)?.sync_all())
        .await
        .map_err(io::Error::other)?
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::stream;

    fn chunks(parts: &[&'static str]) -> impl Stream<Item = Result<Bytes, io::Error>> {
        stream::iter(
            parts
                .iter()
                .map(|p| Ok(Bytes::from_static(p.as_bytes())))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn writer_finishes_or_leaves_nothing() {
        let store = BlobStore::ephemeral().unwrap();
        let mut w = store.writer().unwrap();
        w.write(b"abc").unwrap();
        w.write(b"def").unwrap();
        let (id, size) = w.finish().unwrap();
        assert_eq!(size, 6);
        assert_eq!(std::fs::read(store.path(&id)).unwrap(), b"abcdef");
        let mut w = store.writer().unwrap();
        w.write(b"partial").unwrap();
        drop(w);
        assert_eq!(
            std::fs::read_dir(store.root().join(TMP)).unwrap().count(),
            0
        );
    }

    #[tokio::test]
    async fn put_read_delete() {
        let store = BlobStore::ephemeral().unwrap();
        let (id, size) = store.put(chunks(&["hello ", "world"]), None).await.unwrap();
        assert_eq!(size, 11);
        assert_eq!(std::fs::read(store.path(&id)).unwrap(), b"hello world");
        store.delete(&id).await.unwrap();
        store.delete(&id).await.unwrap();
        assert!(!store.path(&id).exists());
    }

    #[tokio::test]
    async fn over_limit_and_failed_streams_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let err = store
            .put(chunks(&["12345", "6"]), Some(5))
            .await
            .unwrap_err();
        assert!(matches!(err, BlobError::TooLarge { limit: 5 }));
        let failing = stream::iter(vec![
            Ok(Bytes::from_static(b"abc")),
            Err(io::Error::other("connection reset")),
        ]);
        assert!(matches!(
            store.put(failing, None).await,
            Err(BlobError::Stream(_))
        ));
        assert_eq!(std::fs::read_dir(dir.path().join(TMP)).unwrap().count(), 0);
        assert_eq!(store.sweep(&HashSet::new()).unwrap(), 0);
    }

    #[tokio::test]
    async fn sweep_removes_unreferenced_blobs() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::open(dir.path()).unwrap();
        let (keep, _) = store.put(chunks(&["a"]), None).await.unwrap();
        let (drop_me, _) = store.put(chunks(&["b"]), None).await.unwrap();
        let reopened = BlobStore::open(dir.path()).unwrap();
        let live = HashSet::from([keep.clone()]);
        assert_eq!(reopened.sweep(&live).unwrap(), 1);
        assert!(reopened.path(&keep).exists());
        assert!(!reopened.path(&drop_me).exists());
    }

    #[test]
    fn ids_cannot_escape_the_store() {
        assert!(BlobId::parse("../../etc/passwd").is_none());
        assert!(BlobId::parse(&"A".repeat(32)).is_none());
        assert!(BlobId::parse(&"a".repeat(32)).is_some());
    }
}

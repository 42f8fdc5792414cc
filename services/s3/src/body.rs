//! Object bytes in and out: request bodies (plain or `aws-chunked`) stream into a blob while
//! their MD5 and checksum are computed; responses stream from blobs, range by range.

use std::collections::VecDeque;
use std::os::unix::fs::FileExt;
use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use http::HeaderMap;
use ruststack_protocol::aws_chunked::Decoder;
use ruststack_protocol::rest::header;
use ruststack_protocol::{Body, ServiceError};
use ruststack_storage::{BlobId, BlobStore, BlobWriter};

use crate::checksum::{self, Digests};
use crate::error;

/// The largest single PUT S3 accepts (5 GiB).
pub(crate) const MAX_PUT: u64 = 5 * 1024 * 1024 * 1024;

/// Objects up to this size are kept in memory (and in their record) instead of a blob
/// file: a file per tiny object costs more than the object.
pub(crate) const INLINE_MAX: usize = 16 * 1024;

/// How much of a large body is gathered before it is handed to the writer thread.
const WRITE_CHUNK: usize = 1024 * 1024;

/// A body received: in memory when small, else in a new blob.
pub(crate) struct Received {
    /// The blob id; empty when the bytes are inline.
    pub(crate) blob: String,
    pub(crate) inline: Option<Bytes>,
    pub(crate) size: u64,
    pub(crate) md5: [u8; 16],
    /// `(algorithm, base64 value)` when a checksum was asked for or sent.
    pub(crate) checksum: Option<(&'static str, String)>,
}

/// Which checksum the client wants checked or stored: a `x-amz-checksum-<alg>` header, a
/// declared trailer, or `x-amz-sdk-checksum-algorithm` / `x-amz-checksum-algorithm`.
pub(crate) fn requested_algorithm(
    headers: &HeaderMap,
) -> Result<Option<&'static str>, ServiceError> {
    for algorithm in checksum::ALGORITHMS {
        if headers.contains_key(checksum::header_name(algorithm)) {
            return Ok(Some(algorithm));
        }
    }
    if let Some(trailer) = header(headers, "x-amz-trailer") {
        let name = trailer.trim().to_ascii_lowercase();
        if let Some(alg) = name
            .strip_prefix("x-amz-checksum-")
            .and_then(checksum::algorithm)
        {
            return Ok(Some(alg));
        }
    }
    for name in ["x-amz-sdk-checksum-algorithm", "x-amz-checksum-algorithm"] {
        if let Some(value) = header(headers, name) {
            return checksum::algorithm(value).map(Some).ok_or_else(|| {
                error::invalid_request(
                    "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
                )
            });
        }
    }
    Ok(None)
}

fn is_chunked(headers: &HeaderMap) -> bool {
    header(headers, "x-amz-content-sha256").is_some_and(|v| v.starts_with("STREAMING-"))
        || header(headers, "content-encoding")
            .is_some_and(|v| v.split(',').any(|e| e.trim() == "aws-chunked"))
}

/// Streams a request body into a new blob, decoding `aws-chunked`, and checks Content-MD5,
/// the declared decoded length, and any checksum sent (header or trailer). Nothing is kept
/// when a check fails.
///
/// Without a checksum from the client, `default_algorithm` is computed (S3 stores CRC64NVME
/// for every new object).
pub(crate) async fn receive(
    blobs: &BlobStore,
    headers: &HeaderMap,
    body: Body,
    limit: u64,
    default_algorithm: Option<&'static str>,
) -> Result<Received, ServiceError> {
    let requested = requested_algorithm(headers)?;
    let algorithm = requested.or(default_algorithm);
    let content_md5 = match header(headers, "content-md5") {
        Some(v) => Some(
            ruststack_protocol::encoding::base64_decode(v.trim())
                .filter(|b| b.len() == 16)
                .ok_or_else(|| error::invalid_digest(v))?,
        ),
        None => None,
    };
    let sent_checksum = match requested {
        Some(alg) => match header(headers, checksum::header_name(alg)) {
            Some(value) if !checksum::is_valid_value(alg, value.trim()) => {
                return Err(error::invalid_request(format!(
                    "Value for x-amz-checksum-{} header is invalid.",
                    alg.to_ascii_lowercase()
                )));
            }
            other => other.map(|v| v.trim().to_owned()),
        },
        None => None,
    };
    let chunked = is_chunked(headers);
    let decoded_length: Option<u64> =
        header(headers, "x-amz-decoded-content-length").and_then(|v| v.trim().parse().ok());
    if let Some(len) = decoded_length.or_else(|| {
        (!chunked)
            .then(|| ruststack_protocol::body::content_length(headers))
            .flatten()
    }) && len > limit
    {
        return Err(error::entity_too_large(len, limit));
    }

    let mut trailers = Vec::new();
    let mut failure: Option<ServiceError> = None;
    let stream = feed(body, chunked, &mut trailers, &mut failure);
    let stored = store(blobs, stream, algorithm, limit).await;
    let stored = match stored {
        Ok(stored) => stored,
        Err(StoreError::TooLarge) => return Err(error::entity_too_large(limit + 1, limit)),
        Err(StoreError::Stream(e)) => {
            return Err(failure.unwrap_or_else(|| {
                tracing::debug!(error = %e, "request body failed");
                error::incomplete_body()
            }));
        }
        Err(StoreError::Io(e)) => return Err(error::internal(e)),
    };
    if chunked && decoded_length.is_some_and(|len| len != stored.size) {
        return Err(error::incomplete_body());
    }
    if let Some(expected) = content_md5
        && expected != stored.md5
    {
        return Err(error::bad_digest(
            &ruststack_protocol::encoding::base64_encode(&expected),
            &ruststack_protocol::encoding::base64_encode(&stored.md5),
        ));
    }
    if let Some((alg, value)) = &stored.checksum {
        let trailer_name = checksum::header_name(alg);
        let sent = sent_checksum.or_else(|| {
            trailers
                .iter()
                .find(|(n, _)| *n == trailer_name)
                .map(|(_, v)| v.clone())
        });
        if let Some(sent) = sent
            && sent != *value
        {
            return Err(error::checksum_mismatch(alg));
        }
    }
    stored.finish().await
}

/// Why a body could not be stored.
enum StoreError {
    TooLarge,
    Stream(std::io::Error),
    Io(std::io::Error),
}

/// A body taken in but not yet kept: a pending blob is removed if it is dropped.
struct Stored {
    data: StoredData,
    size: u64,
    md5: [u8; 16],
    checksum: Option<(&'static str, String)>,
}

enum StoredData {
    Inline(Bytes),
    Pending(BlobWriter),
}

impl Stored {
    /// Keeps the bytes: a pending blob is moved into place.
    async fn finish(self) -> Result<Received, ServiceError> {
        let (blob, inline) = match self.data {
            StoredData::Inline(bytes) => (String::new(), Some(bytes)),
            StoredData::Pending(writer) => {
                let (id, _) = tokio::task::spawn_blocking(move || writer.finish())
                    .await
                    .map_err(error::internal)?
                    .map_err(error::internal)?;
                (id.as_str().to_owned(), None)
            }
        };
        Ok(Received {
            blob,
            inline,
            size: self.size,
            md5: self.md5,
            checksum: self.checksum,
        })
    }
}

/// The blocking thread writing and hashing a large body.
type WriterTask = tokio::task::JoinHandle<std::io::Result<(BlobWriter, Digests)>>;

/// Takes a stream of bytes in: kept in memory up to [`INLINE_MAX`], otherwise written to
/// a blob by a blocking thread that also hashes, so receiving and hashing overlap.
async fn store<S>(
    blobs: &BlobStore,
    stream: S,
    algorithm: Option<&'static str>,
    limit: u64,
) -> Result<Stored, StoreError>
where
    S: futures_util::Stream<Item = Result<Bytes, std::io::Error>>,
{
    let mut stream = std::pin::pin!(stream);
    // A small body usually arrives as one chunk: it is kept as is, not copied.
    let mut first: Option<Bytes> = None;
    let mut buf = BytesMut::new();
    let mut size = 0u64;
    let mut spill: Option<(tokio::sync::mpsc::Sender<Bytes>, WriterTask)> = None;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(StoreError::Stream)?;
        size += chunk.len() as u64;
        if size > limit {
            return Err(StoreError::TooLarge);
        }
        if spill.is_none() && buf.is_empty() && first.is_none() && chunk.len() <= INLINE_MAX {
            first = Some(chunk);
            continue;
        }
        if let Some(f) = first.take() {
            buf.extend_from_slice(&f);
        }
        buf.extend_from_slice(&chunk);
        if spill.is_none() && buf.len() > INLINE_MAX {
            let (tx, mut rx) = tokio::sync::mpsc::channel::<Bytes>(4);
            let blobs = blobs.clone();
            let writer = tokio::task::spawn_blocking(move || {
                let mut writer = blobs.writer()?;
                let mut digests = Digests::new(algorithm);
                while let Some(bytes) = rx.blocking_recv() {
                    digests.update(&bytes);
                    writer.write(&bytes)?;
                }
                Ok((writer, digests))
            });
            spill = Some((tx, writer));
        }
        if let Some((tx, _)) = &spill
            && buf.len() >= WRITE_CHUNK
            && tx.send(buf.split().freeze()).await.is_err()
        {
            break; // the writer failed; its error is reported below
        }
    }
    match spill {
        None => {
            let bytes = first.unwrap_or_else(|| buf.freeze());
            let mut digests = Digests::new(algorithm);
            digests.update(&bytes);
            let (md5, checksum) = digests.finish();
            Ok(Stored {
                data: StoredData::Inline(bytes),
                size,
                md5,
                checksum,
            })
        }
        Some((tx, writer)) => {
            if !buf.is_empty() {
                let _ = tx.send(buf.freeze()).await;
            }
            drop(tx);
            let (writer, digests) = writer
                .await
                .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
                .map_err(StoreError::Io)?;
            if writer.size() != size {
                return Err(StoreError::Io(std::io::Error::other(
                    "blob writer stopped early",
                )));
            }
            let (md5, checksum) = digests.finish();
            Ok(Stored {
                data: StoredData::Pending(writer),
                size,
                md5,
                checksum,
            })
        }
    }
}

struct Feed<'a> {
    data: http_body_util::BodyDataStream<Body>,
    decoder: Option<Decoder>,
    pending: VecDeque<Bytes>,
    trailers: &'a mut Vec<(String, String)>,
    failure: &'a mut Option<ServiceError>,
    done: bool,
}

/// The decoded body as a stream of chunks.
fn feed<'a>(
    body: Body,
    chunked: bool,
    trailers: &'a mut Vec<(String, String)>,
    failure: &'a mut Option<ServiceError>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + 'a {
    let state = Feed {
        data: http_body_util::BodyDataStream::new(body),
        decoder: chunked.then(Decoder::new),
        pending: VecDeque::new(),
        trailers,
        failure,
        done: false,
    };
    futures_util::stream::unfold(state, |mut st| async move {
        loop {
            if let Some(chunk) = st.pending.pop_front() {
                return Some((Ok(chunk), st));
            }
            if st.done {
                return None;
            }
            match st.data.next().await {
                Some(Ok(bytes)) => match &mut st.decoder {
                    None => st.pending.push_back(bytes),
                    Some(decoder) => {
                        let mut out = Vec::new();
                        if let Err(e) = decoder.push(bytes, &mut out) {
                            *st.failure = Some(error::invalid_request(format!(
                                "Invalid aws-chunked body: {e}"
                            )));
                            st.done = true;
                            return Some((Err(std::io::Error::other(e)), st));
                        }
                        st.pending.extend(out);
                    }
                },
                Some(Err(e)) => {
                    st.done = true;
                    return Some((Err(std::io::Error::other(e)), st));
                }
                None => {
                    st.done = true;
                    if let Some(decoder) = st.decoder.take() {
                        match decoder.finish() {
                            Ok(trailers) => *st.trailers = trailers,
                            Err(e) => {
                                *st.failure = Some(error::incomplete_body());
                                return Some((Err(std::io::Error::other(e)), st));
                            }
                        }
                    }
                }
            }
        }
    })
}

/// A run of bytes to send: part of an open blob, or inline bytes.
pub(crate) enum Piece {
    File {
        file: Arc<std::fs::File>,
        offset: u64,
        len: u64,
    },
    Bytes(Bytes),
}

/// Opens the blobs of `segments` covering bytes `start..=end` of the object. Called while
/// the object is known to exist, so a concurrent overwrite cannot remove the files first
/// (an open file stays readable after it is unlinked).
pub(crate) fn open_range(
    blobs: &BlobStore,
    segments: &[crate::state::Segment],
    start: u64,
    end: u64,
) -> Result<Vec<Piece>, ServiceError> {
    let mut pieces = Vec::new();
    let mut at = 0u64;
    for seg in segments {
        let (seg_start, seg_end) = (at, at + seg.size);
        at = seg_end;
        if seg.size == 0 || seg_end <= start || seg_start > end {
            continue;
        }
        let from = start.max(seg_start) - seg_start;
        let to = end.min(seg_end - 1) - seg_start;
        if let Some(bytes) = &seg.inline {
            let (from, to) = (
                usize::try_from(from).unwrap_or(usize::MAX),
                usize::try_from(to).unwrap_or(usize::MAX),
            );
            pieces.push(Piece::Bytes(
                bytes.slice(from.min(bytes.len())..(to + 1).min(bytes.len())),
            ));
            continue;
        }
        let id = BlobId::parse(&seg.blob)
            .ok_or_else(|| error::internal(format!("bad blob id {}", seg.blob)))?;
        let file = std::fs::File::open(blobs.path(&id)).map_err(error::internal)?;
        pieces.push(Piece::File {
            file: Arc::new(file),
            offset: from,
            len: to - from + 1,
        });
    }
    Ok(pieces)
}

/// How much is read from disk per response chunk.
const READ_CHUNK: u64 = 1024 * 1024;

/// The bytes of `pieces`, in order, read from disk a chunk at a time.
fn read_stream(
    pieces: Vec<Piece>,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> + Send + 'static {
    futures_util::stream::unfold(
        (VecDeque::from(pieces), false),
        |(mut pieces, failed)| async move {
            if failed {
                return None;
            }
            let (file, offset, n) = match pieces.front_mut()? {
                Piece::Bytes(_) => {
                    let Some(Piece::Bytes(bytes)) = pieces.pop_front() else {
                        return None;
                    };
                    return Some((Ok(bytes), (pieces, false)));
                }
                Piece::File { file, offset, len } => {
                    let n = (*len).min(READ_CHUNK);
                    let taken = (Arc::clone(file), *offset, n);
                    *offset += n;
                    *len -= n;
                    if *len == 0 {
                        pieces.pop_front();
                    }
                    taken
                }
            };
            let read = tokio::task::spawn_blocking(move || {
                let mut buf = vec![0u8; usize::try_from(n).unwrap_or(usize::MAX)];
                file.read_exact_at(&mut buf, offset)
                    .map(|()| Bytes::from(buf))
            })
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
            let failed = read.is_err();
            Some((read, (pieces, failed)))
        },
    )
}

/// A response body streaming `pieces` in order (one frame when the bytes are inline).
pub(crate) fn send(pieces: Vec<Piece>) -> Body {
    if let [Piece::Bytes(bytes)] = pieces.as_slice() {
        return Body::from(bytes.clone());
    }
    Body::from_stream(read_stream(pieces))
}

/// Copies `pieces` into a new object body (CopyObject, UploadPartCopy), computing its MD5
/// and `algorithm`'s checksum on the way.
pub(crate) async fn copy(
    blobs: &BlobStore,
    pieces: Vec<Piece>,
    algorithm: Option<&'static str>,
) -> Result<Received, ServiceError> {
    let stored = store(blobs, read_stream(pieces), algorithm, u64::MAX)
        .await
        .map_err(|e| match e {
            StoreError::TooLarge => error::internal("copy exceeded u64"),
            StoreError::Stream(e) | StoreError::Io(e) => error::internal(e),
        })?;
    stored.finish().await
}

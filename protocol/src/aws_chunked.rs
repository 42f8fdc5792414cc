//! The `aws-chunked` content encoding (S3 streaming uploads), decoded incrementally.
//!
//! ```text
//! <hex-size>[;chunk-signature=<sig>]\r\n<data>\r\n … 0[;chunk-signature=<sig>]\r\n
//! [<trailer-name>:<value>\r\n]* \r\n
//! ```
//!
//! Signed (`STREAMING-AWS4-HMAC-SHA256-PAYLOAD`) and unsigned-with-trailer
//! (`STREAMING-UNSIGNED-PAYLOAD-TRAILER`) bodies share this framing. Chunk signatures are
//! read and not verified (as signatures elsewhere); trailers are returned so the checksum
//! they carry can be checked against the decoded bytes. The decoder never buffers more than
//! one chunk header or the trailer section, both bounded.

use bytes::{Buf, Bytes, BytesMut};

/// The longest chunk-header line accepted (size, extensions and signature).
const MAX_LINE: usize = 4096;
/// The most trailer bytes accepted.
const MAX_TRAILERS: usize = 16 * 1024;

/// Why a body is not valid `aws-chunked`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChunkedError {
    /// A chunk header was not `<hex-size>[;…]`.
    #[error("invalid chunk header")]
    BadHeader,
    /// Chunk data was not followed by CRLF.
    #[error("chunk data not terminated by CRLF")]
    BadTerminator,
    /// The trailer section was malformed or too long.
    #[error("invalid trailer section")]
    BadTrailer,
    /// The body ended before the final chunk.
    #[error("incomplete aws-chunked body")]
    Incomplete,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Header,
    Data(u64),
    DataEnd,
    Trailers,
    Done,
}

/// An incremental decoder: feed it the raw body as it arrives, collect the data slices.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    buf: BytesMut,
    trailers: Vec<(String, String)>,
    decoded: u64,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder at the start of a body.
    pub fn new() -> Self {
        Self {
            state: State::Header,
            buf: BytesMut::new(),
            trailers: Vec::new(),
            decoded: 0,
        }
    }

    /// Feeds the next piece of the raw body; pushes the decoded data it completes onto `out`.
    pub fn push(&mut self, input: Bytes, out: &mut Vec<Bytes>) -> Result<(), ChunkedError> {
        let mut input = input;
        loop {
            match self.state {
                State::Data(remaining) => {
                    if input.is_empty() {
                        return Ok(());
                    }
                    let take = usize::try_from(remaining)
                        .unwrap_or(usize::MAX)
                        .min(input.len());
                    let data = input.split_to(take);
                    self.decoded += data.len() as u64;
                    out.push(data);
                    let left = remaining - take as u64;
                    self.state = if left == 0 {
                        State::DataEnd
                    } else {
                        State::Data(left)
                    };
                }
                State::Done => {
                    // Anything after the final CRLF is ignored, as S3 does.
                    return Ok(());
                }
                _ => {
                    self.buf.extend_from_slice(&input);
                    if !self.step_buffered()? {
                        return Ok(());
                    }
                    // Leftover bytes after a header go back through the loop as input.
                    input = self.buf.split().freeze();
                }
            }
        }
    }

    /// Consumes what it can from the buffer in a line-oriented state; `Ok(false)` when more
    /// input is needed.
    fn step_buffered(&mut self) -> Result<bool, ChunkedError> {
        loop {
            match self.state {
                State::Header => {
                    let Some(line) = self.take_line(MAX_LINE)? else {
                        return Ok(false);
                    };
                    let size_text = line.split(';').next().unwrap_or("").trim();
                    if size_text.is_empty() || size_text.len() > 16 {
                        return Err(ChunkedError::BadHeader);
                    }
                    let size =
                        u64::from_str_radix(size_text, 16).map_err(|_| ChunkedError::BadHeader)?;
                    self.state = if size == 0 {
                        State::Trailers
                    } else {
                        State::Data(size)
                    };
                    if size > 0 {
                        return Ok(true);
                    }
                }
                State::DataEnd => {
                    if self.buf.len() < 2 {
                        return Ok(false);
                    }
                    if &self.buf[..2] != b"\r\n" {
                        return Err(ChunkedError::BadTerminator);
                    }
                    self.buf.advance(2);
                    self.state = State::Header;
                }
                State::Trailers => {
                    let Some(line) = self.take_line(MAX_TRAILERS)? else {
                        return Ok(false);
                    };
                    if line.is_empty() {
                        self.state = State::Done;
                        return Ok(false);
                    }
                    let (name, value) = line.split_once(':').ok_or(ChunkedError::BadTrailer)?;
                    if self.trailers.len() >= 64 {
                        return Err(ChunkedError::BadTrailer);
                    }
                    self.trailers
                        .push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
                State::Data(_) => return Ok(true),
                State::Done => return Ok(false),
            }
        }
    }

    /// Takes one CRLF-terminated line from the buffer (without the CRLF).
    fn take_line(&mut self, max: usize) -> Result<Option<String>, ChunkedError> {
        let Some(end) = self.buf.windows(2).position(|w| w == b"\r\n") else {
            if self.buf.len() > max {
                return Err(match self.state {
                    State::Trailers => ChunkedError::BadTrailer,
                    _ => ChunkedError::BadHeader,
                });
            }
            return Ok(None);
        };
        let line = self.buf.split_to(end);
        self.buf.advance(2);
        String::from_utf8(line.to_vec())
            .map(Some)
            .map_err(|_| ChunkedError::BadHeader)
    }

    /// Called at the end of the body: the trailers, or an error if the final chunk was never
    /// seen. A body that ends right after the final chunk's trailers, without the closing
    /// blank line, is accepted (some SDKs omit it).
    pub fn finish(mut self) -> Result<Vec<(String, String)>, ChunkedError> {
        match self.state {
            State::Done => Ok(self.trailers),
            State::Trailers => {
                let rest = std::mem::take(&mut self.buf);
                if !rest.is_empty() {
                    let line = std::str::from_utf8(&rest).map_err(|_| ChunkedError::BadTrailer)?;
                    let (name, value) = line.split_once(':').ok_or(ChunkedError::BadTrailer)?;
                    self.trailers
                        .push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
                }
                Ok(self.trailers)
            }
            _ => Err(ChunkedError::Incomplete),
        }
    }

    /// How many data bytes have been decoded so far.
    pub fn decoded_len(&self) -> u64 {
        self.decoded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Decoded = (Vec<u8>, Vec<(String, String)>);

    fn decode_in_pieces(raw: &[u8], piece: usize) -> Result<Decoded, ChunkedError> {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        for part in raw.chunks(piece.max(1)) {
            decoder.push(Bytes::copy_from_slice(part), &mut out)?;
        }
        let data: Vec<u8> = out.iter().flat_map(|b| b.iter().copied()).collect();
        assert_eq!(decoder.decoded_len(), data.len() as u64);
        Ok((data, decoder.finish()?))
    }

    const SIGNED: &[u8] = b"5;chunk-signature=aaaa\r\nhello\r\n6;chunk-signature=bbbb\r\n world\r\n0;chunk-signature=cccc\r\n\r\n";
    const TRAILER: &[u8] = b"b\r\nhello world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n";

    #[test]
    fn decodes_signed_chunks_in_any_split() {
        for piece in 1..SIGNED.len() + 1 {
            let (data, trailers) = decode_in_pieces(SIGNED, piece).unwrap();
            assert_eq!(data, b"hello world");
            assert!(trailers.is_empty());
        }
    }

    #[test]
    fn decodes_unsigned_trailers_in_any_split() {
        for piece in 1..TRAILER.len() + 1 {
            let (data, trailers) = decode_in_pieces(TRAILER, piece).unwrap();
            assert_eq!(data, b"hello world");
            assert_eq!(
                trailers,
                vec![("x-amz-checksum-crc32".to_owned(), "DUoRhQ==".to_owned())]
            );
        }
    }

    #[test]
    fn accepts_trailers_without_final_blank_line() {
        let raw = b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:AAAA";
        let (data, trailers) = decode_in_pieces(raw, 4).unwrap();
        assert_eq!(data, b"abc");
        assert_eq!(trailers[0].1, "AAAA");
    }

    #[test]
    fn rejects_malformed_bodies() {
        assert_eq!(
            decode_in_pieces(b"zz\r\nabc", 3).unwrap_err(),
            ChunkedError::BadHeader
        );
        assert_eq!(
            decode_in_pieces(b"3\r\nabcX\r\n", 3).unwrap_err(),
            ChunkedError::BadTerminator
        );
        assert_eq!(
            decode_in_pieces(b"3\r\nabc\r\n", 3).unwrap_err(),
            ChunkedError::Incomplete
        );
        assert_eq!(
            decode_in_pieces(b"3\r\nab", 3).unwrap_err(),
            ChunkedError::Incomplete
        );
        let long = vec![b'1'; MAX_LINE + 10];
        assert_eq!(
            decode_in_pieces(&long, 100).unwrap_err(),
            ChunkedError::BadHeader
        );
        assert_eq!(
            decode_in_pieces(b"0\r\nnocolon\r\n\r\n", 5).unwrap_err(),
            ChunkedError::BadTrailer
        );
    }
}

//! S3 request parsing never panics or hangs: documents, header syntaxes, paths and POST
//! policies (`ruststack_s3::parse::all`), and the aws-chunked decoder fed the same bytes in
//! pieces whose sizes come from the first byte.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use ruststack_protocol::aws_chunked::Decoder;

fuzz_target!(|data: &[u8]| {
    ruststack_s3::parse::all(data);
    let Some((&step, rest)) = data.split_first() else { return };
    let mut decoder = Decoder::new();
    let mut out = Vec::new();
    for piece in rest.chunks(usize::from(step).max(1)) {
        if decoder.push(Bytes::copy_from_slice(piece), &mut out).is_err() {
            return;
        }
    }
    let _ = decoder.finish();
});

//! PutLogEvents bodies: wherever the scanner reads a body, serde_json reads the same
//! request from it; neither panics nor hangs on any input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruststack_logs::api::put_body::agrees_with_serde;

fuzz_target!(|data: &[u8]| {
    assert!(agrees_with_serde(data));
});

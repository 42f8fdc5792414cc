//! Fuzzes the CloudWatch Logs filter-pattern language: any input splits at its first
//! newline into a pattern and a message; parsing, matching and extraction must never
//! panic, hang or overflow the stack.

#![no_main]

use libfuzzer_sys::fuzz_target;
use ruststack_logs::filter_pattern::FilterPattern;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data) {
        let (pattern, message) = s.split_once('\n').unwrap_or((s, ""));
        if let Ok(p) = FilterPattern::parse(pattern) {
            let _ = p.matches(message);
            let _ = p.extract(message);
        }
    }
});

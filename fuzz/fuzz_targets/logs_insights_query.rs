//! Logs Insights queries never panic or hang, whatever the query and the events.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ruststack_logs::insights::{Event, Query};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (query, message) = text.split_once('\n').unwrap_or((text, ""));
    if let Ok(query) = Query::parse(query) {
        let events = message.lines().enumerate().map(|(i, line)| Event {
            timestamp: i as i64,
            ingestion_time: i as i64,
            message: line,
            log_stream: "s",
            log_group: "000000000000:g",
            ptr: "p",
        });
        let _ = query.run(events, Some(100));
    }
});

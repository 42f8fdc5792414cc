//! [`Timeline`]: one stream's events, time-ordered and compact.
//!
//! Events are an ordered index ([`EventKey`] → slot, a B-tree: inserts stay O(log n) whatever
//! order timestamps arrive in, and a range read starts with one descent) pointing into message
//! text kept in 1 MiB chunks, so there is no allocation per event. Removing the oldest events
//! (retention) frees chunks whose events are all gone.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::state::EventKey;

const CHUNK_BYTES: usize = 1 << 20;

#[derive(Debug, Default)]
pub(crate) struct Timeline {
    index: BTreeMap<EventKey, Slot>,
    chunks: Vec<Chunk>,
    bytes: u64,
}

#[derive(Clone, Copy, Debug)]
struct Slot {
    ingestion_time: i64,
    chunk: u32,
    offset: u32,
    len: u32,
}

#[derive(Debug)]
struct Chunk {
    text: String,
    live: u32,
}

/// One event as stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct EventRef<'a> {
    pub(crate) key: EventKey,
    pub(crate) ingestion_time: i64,
    pub(crate) message: &'a str,
}

impl Timeline {
    /// Adds an event (keys are unique: their sequence numbers are).
    pub(crate) fn insert(&mut self, key: EventKey, ingestion_time: i64, message: &str) {
        let slot = self.store(ingestion_time, message);
        self.bytes += message.len() as u64;
        self.index.insert(key, slot);
    }

    fn store(&mut self, ingestion_time: i64, message: &str) -> Slot {
        let fits = self
            .chunks
            .last()
            .is_some_and(|c| c.text.len() + message.len() <= c.text.capacity().max(CHUNK_BYTES));
        if !fits {
            let capacity = CHUNK_BYTES.max(message.len());
            self.chunks.push(Chunk {
                text: String::with_capacity(capacity),
                live: 0,
            });
        }
        let chunk_index = self.chunks.len() - 1;
        let chunk = &mut self.chunks[chunk_index];
        let offset = chunk.text.len();
        chunk.text.push_str(message);
        chunk.live += 1;
        Slot {
            ingestion_time,
            chunk: chunk_index as u32,
            offset: offset as u32,
            len: message.len() as u32,
        }
    }

    fn view(&self, key: &EventKey, slot: &Slot) -> EventRef<'_> {
        let text = self
            .chunks
            .get(slot.chunk as usize)
            .map_or("", |c| c.text.as_str());
        let start = slot.offset as usize;
        EventRef {
            key: *key,
            ingestion_time: slot.ingestion_time,
            message: text.get(start..start + slot.len as usize).unwrap_or(""),
        }
    }

    /// Events with keys in the given bounds, in key order (reversible). Inverted or empty
    /// bounds give no events.
    pub(crate) fn range(
        &self,
        from: Bound<EventKey>,
        to: Bound<EventKey>,
    ) -> impl DoubleEndedIterator<Item = EventRef<'_>> + '_ {
        // BTreeMap::range panics on inverted bounds (and on an excluded empty one).
        let empty = match (from, to) {
            (Bound::Included(a), Bound::Included(b)) => a > b,
            (Bound::Included(a) | Bound::Excluded(a), Bound::Included(b) | Bound::Excluded(b)) => {
                a >= b
            }
            _ => false,
        };
        let range = (!empty).then(|| self.index.range((from, to)));
        range
            .into_iter()
            .flatten()
            .map(|(k, slot)| self.view(k, slot))
    }

    /// Every event, oldest first.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = EventRef<'_>> + '_ {
        self.index.iter().map(|(k, slot)| self.view(k, slot))
    }

    /// The newest key.
    pub(crate) fn last_key(&self) -> Option<EventKey> {
        self.index.last_key_value().map(|(k, _)| *k)
    }

    /// Bytes of message text stored.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Keys of the events older than `timestamp`.
    pub(crate) fn keys_before(&self, timestamp: i64) -> impl Iterator<Item = EventKey> + '_ {
        self.index
            .keys()
            .take_while(move |k| k.timestamp < timestamp)
            .copied()
    }

    /// Removes the events older than `timestamp`, freeing chunks left without events.
    pub(crate) fn remove_before(&mut self, timestamp: i64) {
        let kept = self.index.split_off(&EventKey { timestamp, seq: 0 });
        let removed = std::mem::replace(&mut self.index, kept);
        let last_chunk = self.chunks.len().saturating_sub(1);
        for slot in removed.into_values() {
            self.bytes = self.bytes.saturating_sub(u64::from(slot.len));
            let index = slot.chunk as usize;
            if let Some(chunk) = self.chunks.get_mut(index) {
                chunk.live = chunk.live.saturating_sub(1);
                if chunk.live == 0 && index != last_chunk {
                    chunk.text = String::new();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(timestamp: i64, seq: u64) -> EventKey {
        EventKey { timestamp, seq }
    }

    fn messages<'a>(it: impl Iterator<Item = EventRef<'a>>) -> Vec<&'a str> {
        it.map(|e| e.message).collect()
    }

    #[test]
    fn keeps_key_order_with_out_of_order_inserts() {
        let mut t = Timeline::default();
        t.insert(k(10, 1), 0, "b");
        t.insert(k(20, 2), 0, "c");
        t.insert(k(5, 3), 0, "a");
        t.insert(k(20, 4), 0, "d");
        assert_eq!(messages(t.iter()), vec!["a", "b", "c", "d"]);
        assert_eq!(t.iter().count(), 4);
        assert_eq!(t.bytes(), 4);
        assert_eq!(t.last_key(), Some(k(20, 4)));
    }

    #[test]
    fn ranges() {
        let mut t = Timeline::default();
        for i in 0..10 {
            t.insert(k(i, i as u64), i, &format!("m{i}"));
        }
        let r = t.range(Bound::Included(k(3, 0)), Bound::Excluded(k(6, 0)));
        assert_eq!(messages(r), vec!["m3", "m4", "m5"]);
        let r = t
            .range(Bound::Excluded(k(3, 3)), Bound::Unbounded)
            .rev()
            .take(2);
        assert_eq!(messages(r), vec!["m9", "m8"]);
        let r = t.range(Bound::Included(k(8, 0)), Bound::Excluded(k(2, 0)));
        assert_eq!(r.count(), 0);
        let r = t.range(Bound::Excluded(k(4, 4)), Bound::Excluded(k(4, 4)));
        assert_eq!(r.count(), 0);
        let r = t.range(Bound::Included(k(4, 4)), Bound::Included(k(4, 4)));
        assert_eq!(messages(r), vec!["m4"]);
    }

    #[test]
    fn large_messages_and_chunk_freeing() {
        let mut t = Timeline::default();
        let big = "x".repeat(CHUNK_BYTES + 10);
        t.insert(k(1, 1), 0, &big);
        t.insert(k(2, 2), 0, "small");
        t.insert(k(3, 3), 0, &"y".repeat(CHUNK_BYTES - 3));
        assert_eq!(
            t.iter().next().map(|e| e.message.len()),
            Some(CHUNK_BYTES + 10)
        );
        t.remove_before(2);
        assert_eq!(t.chunks[0].text.capacity(), 0, "the first chunk is freed");
        assert_eq!(
            messages(t.range(Bound::Unbounded, Bound::Included(k(2, 2)))),
            vec!["small"]
        );
        assert_eq!(t.keys_before(3).collect::<Vec<_>>(), vec![k(2, 2)]);
        assert_eq!(t.bytes(), 5 + (CHUNK_BYTES as u64 - 3));
    }
}

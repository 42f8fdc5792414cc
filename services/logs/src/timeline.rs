//! [`Timeline`]: one stream's events, time-ordered and compact.
//!
//! Events are indexed by timestamp (a B-tree: inserts stay O(log n) whatever order
//! timestamps arrive in, and a range read starts with one descent); the events of one
//! timestamp sit in arrival order in its bucket, inline when there is one and in segments
//! of 1,024 when there are more (growing never copies a large array). Entries point
//! into message text kept in 1 MiB chunks, so there is no allocation per event. Keying the
//! tree by timestamp keeps it as small as the number of distinct timestamps: events that
//! arrive in order touch its right edge, and batches that repeat timestamps (a client
//! stamping a burst of lines with the same few milliseconds) find buckets already there.
//! Removing the oldest events (retention) frees chunks whose events are all gone.

use std::collections::BTreeMap;
use std::ops::Bound;

use crate::state::EventKey;

const CHUNK_BYTES: usize = 1 << 20;

#[derive(Debug, Default)]
pub(crate) struct Timeline {
    index: BTreeMap<i64, Bucket>,
    chunks: Vec<Chunk>,
    bytes: u64,
    /// The highest sequence number ever inserted: an event above it goes at the end of
    /// its bucket without reading the bucket (events arrive in sequence order, and a
    /// bucket that has grown long is rarely in cache).
    top_seq: Option<u64>,
}

/// The events of one timestamp, by sequence number.
#[derive(Debug)]
enum Bucket {
    One(Entry),
    /// In segments of at most [`SEGMENT`] entries (one may pass it when an event arrives
    /// out of sequence order), so that a timestamp with a great many events never moves
    /// one large array to grow it.
    Many(Vec<Vec<Entry>>),
}

const SEGMENT: usize = 1024;

/// A bucket's entries in sequence order, either way.
enum Entries<'a> {
    One(std::iter::Once<&'a Entry>),
    Many(std::iter::Flatten<std::slice::Iter<'a, Vec<Entry>>>),
}

impl<'a> Iterator for Entries<'a> {
    type Item = &'a Entry;

    fn next(&mut self) -> Option<&'a Entry> {
        match self {
            Entries::One(it) => it.next(),
            Entries::Many(it) => it.next(),
        }
    }
}

impl DoubleEndedIterator for Entries<'_> {
    fn next_back(&mut self) -> Option<Self::Item> {
        match self {
            Entries::One(it) => it.next_back(),
            Entries::Many(it) => it.next_back(),
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Entry {
    seq: u64,
    slot: Slot,
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

impl Bucket {
    fn entries(&self) -> Entries<'_> {
        match self {
            Bucket::One(e) => Entries::One(std::iter::once(e)),
            Bucket::Many(segments) => Entries::Many(segments.iter().flatten()),
        }
    }

    /// Adds an entry; `newest` says its sequence number is above every other's.
    fn insert(&mut self, entry: Entry, newest: bool) {
        if let Bucket::One(first) = *self {
            *self = Bucket::Many(vec![vec![first]]);
        }
        let Bucket::Many(segments) = self else {
            return;
        };
        // The first segment holding a later event, if the entry is not the newest.
        let later = if newest {
            None
        } else {
            segments
                .iter()
                .position(|s| s.last().is_some_and(|last| last.seq > entry.seq))
        };
        match later {
            Some(i) => {
                let segment = &mut segments[i];
                let at = segment.partition_point(|e| e.seq < entry.seq);
                segment.insert(at, entry);
            }
            None => match segments.last_mut() {
                Some(last) if last.len() < SEGMENT => last.push(entry),
                _ => {
                    let mut segment = Vec::with_capacity(SEGMENT);
                    segment.push(entry);
                    segments.push(segment);
                }
            },
        }
    }
}

impl Timeline {
    /// Adds an event (keys are unique: their sequence numbers are).
    pub(crate) fn insert(&mut self, key: EventKey, ingestion_time: i64, message: &str) {
        let slot = self.store(ingestion_time, message);
        self.bytes += message.len() as u64;
        let entry = Entry { seq: key.seq, slot };
        let newest = self.top_seq.is_none_or(|top| key.seq > top);
        if newest {
            self.top_seq = Some(key.seq);
        }
        match self.index.entry(key.timestamp) {
            std::collections::btree_map::Entry::Vacant(v) => {
                v.insert(Bucket::One(entry));
            }
            std::collections::btree_map::Entry::Occupied(mut o) => {
                o.get_mut().insert(entry, newest);
            }
        }
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

    fn view(&self, key: EventKey, slot: &Slot) -> EventRef<'_> {
        let text = self
            .chunks
            .get(slot.chunk as usize)
            .map_or("", |c| c.text.as_str());
        let start = slot.offset as usize;
        EventRef {
            key,
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
        let timestamp = |b: Bound<EventKey>| match b {
            Bound::Included(k) | Bound::Excluded(k) => Bound::Included(k.timestamp),
            Bound::Unbounded => Bound::Unbounded,
        };
        let (lo, hi) = (timestamp(from), timestamp(to));
        // BTreeMap::range panics on inverted bounds.
        let inverted = matches!((lo, hi), (Bound::Included(a), Bound::Included(b)) if a > b);
        let after_from = move |k: &EventKey| match from {
            Bound::Included(f) => *k >= f,
            Bound::Excluded(f) => *k > f,
            Bound::Unbounded => true,
        };
        let before_to = move |k: &EventKey| match to {
            Bound::Included(t) => *k <= t,
            Bound::Excluded(t) => *k < t,
            Bound::Unbounded => true,
        };
        (!inverted)
            .then(|| self.index.range((lo, hi)))
            .into_iter()
            .flatten()
            .flat_map(move |(&timestamp, bucket)| {
                bucket.entries().filter_map(move |e| {
                    let key = EventKey {
                        timestamp,
                        seq: e.seq,
                    };
                    (after_from(&key) && before_to(&key)).then(|| self.view(key, &e.slot))
                })
            })
    }

    /// Every event, oldest first.
    #[cfg(test)]
    pub(crate) fn iter(&self) -> impl DoubleEndedIterator<Item = EventRef<'_>> + '_ {
        self.range(Bound::Unbounded, Bound::Unbounded)
    }

    /// The newest key.
    pub(crate) fn last_key(&self) -> Option<EventKey> {
        let (&timestamp, bucket) = self.index.last_key_value()?;
        bucket.entries().next_back().map(|e| EventKey {
            timestamp,
            seq: e.seq,
        })
    }

    /// Bytes of message text stored.
    pub(crate) fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Keys of the events older than `timestamp`.
    pub(crate) fn keys_before(&self, timestamp: i64) -> impl Iterator<Item = EventKey> + '_ {
        self.index
            .range(..timestamp)
            .flat_map(|(&timestamp, bucket)| {
                bucket.entries().map(move |e| EventKey {
                    timestamp,
                    seq: e.seq,
                })
            })
    }

    /// Removes the events older than `timestamp`, freeing chunks left without events.
    pub(crate) fn remove_before(&mut self, timestamp: i64) {
        let kept = self.index.split_off(&timestamp);
        let removed = std::mem::replace(&mut self.index, kept);
        let last_chunk = self.chunks.len().saturating_sub(1);
        for bucket in removed.into_values() {
            for entry in bucket.entries() {
                let slot = entry.slot;
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

    /// A timestamp with more events than a segment holds, some arriving out of sequence
    /// order: reads in both directions, the newest key and removal see them all, in order.
    #[test]
    fn many_events_of_one_timestamp() {
        let mut t = Timeline::default();
        let mut seqs: Vec<u64> = (1..=3 * SEGMENT as u64 + 5).map(|n| n * 10).collect();
        // Every 97th event arrives late, after the rest.
        let late: Vec<u64> = seqs.iter().copied().filter(|s| s % 970 == 0).collect();
        seqs.retain(|s| s % 970 != 0);
        for &seq in seqs.iter().chain(&late) {
            t.insert(k(7, seq), 0, &seq.to_string());
        }
        t.insert(k(6, 1), 0, "before");
        t.insert(k(8, 5), 0, "after");
        let mut expected: Vec<String> = seqs.iter().chain(&late).map(u64::to_string).collect();
        expected.sort_by_key(|m| m.parse::<u64>().unwrap_or_default());
        let forward: Vec<&str> =
            messages(t.range(Bound::Included(k(7, 0)), Bound::Excluded(k(8, 0))));
        assert_eq!(forward, expected);
        let mut backward = messages(
            t.range(Bound::Excluded(k(6, 1)), Bound::Excluded(k(8, 5)))
                .rev(),
        );
        backward.reverse();
        assert_eq!(backward, expected);
        assert_eq!(t.last_key(), Some(k(8, 5)));
        assert_eq!(t.keys_before(8).count(), expected.len() + 1);
        t.remove_before(8);
        assert_eq!(messages(t.iter()), vec!["after"]);
    }

    /// Events of one timestamp stay in sequence order whichever order they arrive in.
    #[test]
    fn keeps_sequence_order_within_a_timestamp() {
        let mut t = Timeline::default();
        for (seq, m) in [(10, "c"), (3, "a"), (20, "d"), (7, "b"), (30, "e")] {
            t.insert(k(5, seq), 0, m);
        }
        assert_eq!(messages(t.iter()), vec!["a", "b", "c", "d", "e"]);
        assert_eq!(t.last_key(), Some(k(5, 30)));
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

    /// Inserts, reads and removals against an ordered map of whole keys, for in-order,
    /// batched (the same timestamps again and again) and random arrival.
    #[test]
    fn matches_an_ordered_map() {
        use std::collections::BTreeMap;
        let mut rng = 0x2545_f491_4f6c_dd1du64;
        let mut next = move |n: u64| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            rng % n
        };
        for pattern in 0..3 {
            let mut t = Timeline::default();
            let mut model = BTreeMap::new();
            let mut seq = 0u64;
            for round in 0..300i64 {
                for i in 0..1 + next(20) as i64 {
                    seq += 1;
                    let ts = match pattern {
                        0 => round * 100 + i,
                        1 => i,
                        _ => next(500) as i64,
                    };
                    let message = format!("m{seq}");
                    t.insert(k(ts, seq), seq as i64, &message);
                    model.insert(k(ts, seq), message);
                }
                if round % 50 == 49 {
                    let cut = next(200) as i64;
                    t.remove_before(cut);
                    model = model.split_off(&k(cut, 0));
                }
                let ends = [next(600) as i64, next(600) as i64];
                let (lo, hi) = (k(ends[0], next(seq + 1)), k(ends[1], next(seq + 1)));
                let bounds = match next(4) {
                    0 => (Bound::Included(lo), Bound::Excluded(hi)),
                    1 => (Bound::Excluded(lo), Bound::Included(hi)),
                    2 => (Bound::Unbounded, Bound::Excluded(hi)),
                    _ => (Bound::Included(lo), Bound::Unbounded),
                };
                let valid = match bounds {
                    (Bound::Included(a), Bound::Excluded(b))
                    | (Bound::Excluded(a), Bound::Included(b)) => a < b,
                    _ => true,
                };
                let want: Vec<&str> = if valid {
                    model.range(bounds).map(|(_, m)| m.as_str()).collect()
                } else {
                    Vec::new()
                };
                assert_eq!(messages(t.range(bounds.0, bounds.1)), want);
                let back: Vec<&str> = messages(t.range(bounds.0, bounds.1).rev());
                assert_eq!(back, want.iter().rev().copied().collect::<Vec<_>>());
                assert_eq!(t.last_key(), model.last_key_value().map(|(k, _)| *k));
                let cut = next(600) as i64;
                assert_eq!(
                    t.keys_before(cut).collect::<Vec<_>>(),
                    model
                        .range(..k(cut, 0))
                        .map(|(k, _)| *k)
                        .collect::<Vec<_>>()
                );
            }
            assert_eq!(
                t.bytes(),
                model.values().map(|m| m.len() as u64).sum::<u64>()
            );
        }
    }
}

//! [`Items`]: a table's items as it keeps them, ordered by primary key, each encoded into one
//! compact byte string.
//!
//! A decoded [`Item`] is a tree of maps, strings and vectors: about 1.5 KB of heap for a
//! 200-byte item with six attributes, mostly node and allocation overhead. Encoded, the same
//! item is one allocation a little larger than its DynamoDB size, so a million of them fit in
//! well under a gigabyte. Reads decode the items they work on (a microsecond or so for such
//! an item); writes encode the new item once.
//!
//! The encoding: an item starts with its DynamoDB size, then, as any map, a count and, per
//! attribute, its name and its value; a value is a tag byte then its body. Lengths and
//! counts are LEB128; a number is its sign, its exponent (zigzag LEB128) and its digits, one
//! byte each. Only this module writes it, and decoding an encoding it wrote cannot fail. A
//! page of whole items that needs no filter or projection goes to the response straight
//! from the encoding ([`Encoded`] serialises to the wire form), without decoding.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::ops::RangeBounds;

use ruststack_protocol::encoding::base64_encode;
use serde::ser::{Error as _, SerializeMap, SerializeSeq};

use crate::keys::PrimaryKey;
use crate::number::Number;
use crate::value::{AttributeValue, Item, item_size};

/// A table's items by primary key.
#[derive(Debug, Default)]
pub(crate) struct Items {
    map: BTreeMap<PrimaryKey, Box<[u8]>>,
}

impl Items {
    pub(crate) fn get(&self, key: &PrimaryKey) -> Option<Item> {
        self.map.get(key).map(|bytes| decode(bytes))
    }

    /// The size of the item under `key`, decoding nothing.
    pub(crate) fn size(&self, key: &PrimaryKey) -> Option<usize> {
        self.map.get(key).map(|bytes| Encoded(bytes).size())
    }

    /// Stores `item` under `key`; returns the size of the item it replaces.
    pub(crate) fn insert(&mut self, key: PrimaryKey, item: &Item) -> Option<usize> {
        self.map
            .insert(key, encode(item))
            .map(|old| Encoded(&old).size())
    }

    /// Removes the item under `key`; returns its size.
    pub(crate) fn remove(&mut self, key: &PrimaryKey) -> Option<usize> {
        self.map.remove(key).map(|old| Encoded(&old).size())
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// The items with keys in `range`, in key order (reversible), still encoded.
    pub(crate) fn range_encoded(
        &self,
        range: impl RangeBounds<PrimaryKey>,
    ) -> impl DoubleEndedIterator<Item = (&PrimaryKey, Encoded<'_>)> + '_ {
        self.map.range(range).map(|(k, bytes)| (k, Encoded(bytes)))
    }

    /// The keys in `range`, in key order, decoding nothing.
    pub(crate) fn keys(
        &self,
        range: impl RangeBounds<PrimaryKey>,
    ) -> impl Iterator<Item = &PrimaryKey> + '_ {
        self.map.range(range).map(|(k, _)| k)
    }

    /// One top-level attribute of every item that has it, decoding only that attribute.
    pub(crate) fn attribute<'a>(
        &'a self,
        name: &'a str,
    ) -> impl Iterator<Item = (&'a PrimaryKey, AttributeValue)> + 'a {
        self.map
            .iter()
            .filter_map(move |(k, bytes)| attribute(bytes, name).map(|v| (k, v)))
    }
}

/// One stored item, still encoded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Encoded<'a>(&'a [u8]);

impl Encoded<'_> {
    pub(crate) fn decode(self) -> Item {
        decode(self.0)
    }

    /// The item's DynamoDB size, kept in the encoding.
    pub(crate) fn size(self) -> usize {
        Reader(self.0).len().unwrap_or_default()
    }

    /// One top-level attribute, decoding nothing else.
    pub(crate) fn attribute(self, name: &str) -> Option<AttributeValue> {
        attribute(self.0, name)
    }
}

/// The item's wire form (`{"name": {"S": "x"}, ...}`), as `ItemJson` writes a decoded one.
impl serde::Serialize for Encoded<'_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let mut r = Reader(self.0);
        r.len()
            .ok_or_else(|| Ser::Error::custom("a stored item without its size"))?;
        MapJson(&Cursor(Cell::new(r.0))).serialize(serializer)
    }
}

/// A read position shared by the nested serialisers of one encoding, which consume it in
/// order.
struct Cursor<'a>(Cell<&'a [u8]>);

impl<'a> Cursor<'a> {
    fn read<T, E: serde::ser::Error>(
        &self,
        what: impl FnOnce(&mut Reader<'a>) -> Option<T>,
    ) -> Result<T, E> {
        let mut r = Reader(self.0.get());
        let value = what(&mut r).ok_or_else(|| E::custom("a stored item is malformed"))?;
        self.0.set(r.0);
        Ok(value)
    }
}

fn text<'a>(r: &mut Reader<'a>) -> Option<&'a str> {
    std::str::from_utf8(r.bytes()?).ok()
}

struct MapJson<'c, 'a>(&'c Cursor<'a>);

impl serde::Serialize for MapJson<'_, '_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let n = self.0.read(Reader::len)?;
        let mut map = serializer.serialize_map(Some(n))?;
        for _ in 0..n {
            map.serialize_entry(self.0.read(text)?, &ValueJson(self.0))?;
        }
        map.end()
    }
}

struct ValueJson<'c, 'a>(&'c Cursor<'a>);

impl serde::Serialize for ValueJson<'_, '_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let c = self.0;
        let mut map = serializer.serialize_map(Some(1))?;
        match c.read(Reader::byte)? {
            S => map.serialize_entry("S", c.read(text)?)?,
            N => map.serialize_entry("N", &c.read(Reader::number)?.to_string())?,
            B => map.serialize_entry("B", &base64_encode(c.read(Reader::bytes)?))?,
            TRUE => map.serialize_entry("BOOL", &true)?,
            FALSE => map.serialize_entry("BOOL", &false)?,
            NULL => map.serialize_entry("NULL", &true)?,
            M => map.serialize_entry("M", &MapJson(c))?,
            tag @ (L | SS | NS | BS) => {
                let kind = match tag {
                    L => "L",
                    SS => "SS",
                    NS => "NS",
                    _ => "BS",
                };
                map.serialize_entry(kind, &ListJson(c, tag))?;
            }
            _ => return Err(Ser::Error::custom("a stored item is malformed")),
        }
        map.end()
    }
}

/// A list or set: its elements are values (`L`) or bare strings, numbers or binaries.
struct ListJson<'c, 'a>(&'c Cursor<'a>, u8);

impl serde::Serialize for ListJson<'_, '_> {
    fn serialize<Ser: serde::Serializer>(&self, serializer: Ser) -> Result<Ser::Ok, Ser::Error> {
        let c = self.0;
        let n = c.read(Reader::len)?;
        let mut seq = serializer.serialize_seq(Some(n))?;
        for _ in 0..n {
            match self.1 {
                L => seq.serialize_element(&ValueJson(c))?,
                SS => seq.serialize_element(c.read(text)?)?,
                NS => seq.serialize_element(&c.read(Reader::number)?.to_string())?,
                _ => seq.serialize_element(&base64_encode(c.read(Reader::bytes)?))?,
            }
        }
        seq.end()
    }
}

const S: u8 = 1;
const N: u8 = 2;
const B: u8 = 3;
const TRUE: u8 = 4;
const FALSE: u8 = 5;
const NULL: u8 = 6;
const M: u8 = 7;
const L: u8 = 8;
const SS: u8 = 9;
const NS: u8 = 10;
const BS: u8 = 11;

fn encode(item: &Item) -> Box<[u8]> {
    let mut out = Vec::with_capacity(64);
    write_len(&mut out, item_size(item));
    write_map(&mut out, item);
    out.into_boxed_slice()
}

fn decode(bytes: &[u8]) -> Item {
    let mut r = Reader(bytes);
    let item = r.len().and_then(|_| r.map());
    debug_assert!(
        item.is_some() && r.0.is_empty(),
        "a stored item decodes whole"
    );
    item.unwrap_or_default()
}

/// The value of top-level attribute `name`, if the item has it.
fn attribute(bytes: &[u8], name: &str) -> Option<AttributeValue> {
    let mut r = Reader(bytes);
    r.len()?;
    for _ in 0..r.len()? {
        if r.bytes()? == name.as_bytes() {
            return r.value();
        }
        r.skip_value()?;
    }
    None
}

fn write_len(out: &mut Vec<u8>, mut n: usize) {
    while n >= 0x80 {
        out.push((n as u8 & 0x7f) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn write_bytes(out: &mut Vec<u8>, b: &[u8]) {
    write_len(out, b.len());
    out.extend_from_slice(b);
}

fn write_map(out: &mut Vec<u8>, map: &BTreeMap<String, AttributeValue>) {
    write_len(out, map.len());
    for (name, value) in map {
        write_bytes(out, name.as_bytes());
        write_value(out, value);
    }
}

fn write_number(out: &mut Vec<u8>, n: &Number) {
    let (negative, digits, exponent) = n.parts();
    out.push(u8::from(negative));
    // Zigzag: small exponents of either sign take one byte.
    write_len(out, ((exponent << 1) ^ (exponent >> 63)) as u64 as usize);
    write_bytes(out, digits);
}

fn write_value(out: &mut Vec<u8>, value: &AttributeValue) {
    match value {
        AttributeValue::S(s) => {
            out.push(S);
            write_bytes(out, s.as_bytes());
        }
        AttributeValue::N(n) => {
            out.push(N);
            write_number(out, n);
        }
        AttributeValue::B(b) => {
            out.push(B);
            write_bytes(out, b);
        }
        AttributeValue::Bool(true) => out.push(TRUE),
        AttributeValue::Bool(false) => out.push(FALSE),
        AttributeValue::Null => out.push(NULL),
        AttributeValue::M(m) => {
            out.push(M);
            write_map(out, m);
        }
        AttributeValue::L(l) => {
            out.push(L);
            write_len(out, l.len());
            for v in l {
                write_value(out, v);
            }
        }
        AttributeValue::Ss(set) => {
            out.push(SS);
            write_len(out, set.len());
            for s in set {
                write_bytes(out, s.as_bytes());
            }
        }
        AttributeValue::Ns(set) => {
            out.push(NS);
            write_len(out, set.len());
            for n in set {
                write_number(out, n);
            }
        }
        AttributeValue::Bs(set) => {
            out.push(BS);
            write_len(out, set.len());
            for b in set {
                write_bytes(out, b);
            }
        }
    }
}

/// Reads an encoding from the front; every read is `None` past the end.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn len(&mut self) -> Option<usize> {
        let mut n = 0usize;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            n |= usize::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(n);
            }
        }
        None
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.len()?;
        let (b, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(b)
    }

    fn string(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }

    fn number(&mut self) -> Option<Number> {
        let negative = self.byte()? != 0;
        let zigzag = self.len()? as u64;
        let exponent = ((zigzag >> 1) as i64) ^ -((zigzag & 1) as i64);
        Number::from_parts(negative, self.bytes()?.to_vec(), exponent)
    }

    fn map(&mut self) -> Option<BTreeMap<String, AttributeValue>> {
        let n = self.len()?;
        let mut map = BTreeMap::new();
        for _ in 0..n {
            let name = self.string()?;
            map.insert(name, self.value()?);
        }
        Some(map)
    }

    fn list<T>(&mut self, mut one: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.len()?;
        // Every element takes at least one byte, which bounds what a count can reserve.
        let mut list = Vec::with_capacity(n.min(self.0.len()));
        for _ in 0..n {
            list.push(one(self)?);
        }
        Some(list)
    }

    fn value(&mut self) -> Option<AttributeValue> {
        Some(match self.byte()? {
            S => AttributeValue::S(self.string()?),
            N => AttributeValue::N(self.number()?),
            B => AttributeValue::B(self.bytes()?.to_vec()),
            TRUE => AttributeValue::Bool(true),
            FALSE => AttributeValue::Bool(false),
            NULL => AttributeValue::Null,
            M => AttributeValue::M(self.map()?),
            L => AttributeValue::L(self.list(Self::value)?),
            SS => AttributeValue::Ss(self.list(Self::string)?),
            NS => AttributeValue::Ns(self.list(Self::number)?),
            BS => AttributeValue::Bs(self.list(|r| r.bytes().map(<[u8]>::to_vec))?),
            _ => return None,
        })
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.byte()? {
            S | B => {
                self.bytes()?;
            }
            N => {
                self.byte()?;
                self.len()?;
                self.bytes()?;
            }
            TRUE | FALSE | NULL => {}
            M => {
                for _ in 0..self.len()? {
                    self.bytes()?;
                    self.skip_value()?;
                }
            }
            L => {
                for _ in 0..self.len()? {
                    self.skip_value()?;
                }
            }
            SS | BS => {
                for _ in 0..self.len()? {
                    self.bytes()?;
                }
            }
            NS => {
                for _ in 0..self.len()? {
                    self.byte()?;
                    self.len()?;
                    self.bytes()?;
                }
            }
            _ => return None,
        }
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::item_from_json;

    fn item(json: &serde_json::Value) -> Item {
        item_from_json(json).expect("a valid item")
    }

    fn every_type() -> Item {
        item(&serde_json::json!({
            "s": {"S": "héllo"}, "empty": {"S": ""}, "b": {"B": "AAEC/w=="},
            "n": {"N": "-12.5e-3"}, "zero": {"N": "0"}, "big": {"N": "9.9999999999999999999999999999999999999E+125"},
            "tiny": {"N": "1E-130"}, "t": {"BOOL": true}, "f": {"BOOL": false}, "null": {"NULL": true},
            "m": {"M": {"inner": {"L": [{"S": "a"}, {"N": "1"}, {"M": {}}, {"L": []}]}}},
            "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "-2", "0.5"]}, "bs": {"BS": ["AA==", "AQ=="]},
            "long": {"S": "x".repeat(300)}
        }))
    }

    #[test]
    fn round_trips_every_type() {
        let original = every_type();
        let bytes = encode(&original);
        assert_eq!(decode(&bytes), original);
        assert_eq!(decode(&encode(&Item::new())), Item::new());
    }

    #[test]
    fn serialises_as_the_decoded_item_does() {
        let items = [
            every_type(),
            Item::new(),
            item(
                &serde_json::json!({"a": {"L": [{"L": [{"NS": ["1", "2"]}]}, {"M": {"x": {"BS": ["AA=="]}}}]}}),
            ),
        ];
        for original in items {
            let bytes = encode(&original);
            let raw = serde_json::to_string(&Encoded(&bytes)).expect("serialises");
            let decoded =
                serde_json::to_string(&crate::value::ItemJson(&original)).expect("serialises");
            assert_eq!(raw, decoded);
            assert_eq!(Encoded(&bytes).size(), item_size(&original));
        }
        assert!(serde_json::to_string(&Encoded(&encode(&every_type())[..20])).is_err());
    }

    #[test]
    fn is_compact() {
        let i = item(&serde_json::json!({
            "pk": {"S": "p31234"}, "sk": {"N": "7"}, "name": {"S": "x".repeat(120)},
            "count": {"N": "12345"}, "flag": {"BOOL": true}, "tags": {"SS": ["alpha", "beta", "gamma"]}
        }));
        let size = crate::value::item_size(&i);
        assert!(
            encode(&i).len() <= size + 26,
            "{} bytes for an item of {size}",
            encode(&i).len()
        );
    }

    #[test]
    fn one_attribute_without_decoding_the_rest() {
        let original = every_type();
        let bytes = encode(&original);
        for (name, value) in &original {
            assert_eq!(attribute(&bytes, name).as_ref(), Some(value), "{name}");
        }
        assert_eq!(attribute(&bytes, "absent"), None);
    }

    #[test]
    fn truncated_or_corrupt_encodings_do_not_panic() {
        let bytes = encode(&every_type());
        for end in 0..bytes.len() {
            let mut r = Reader(&bytes[..end]);
            assert!(
                r.len().and_then(|_| r.map()).is_none(),
                "a prefix of {end} bytes is incomplete"
            );
            assert!(serde_json::to_string(&Encoded(&bytes[..end])).is_err());
            let _ = attribute(&bytes[..end], "long");
        }
        let mut flipped = bytes.to_vec();
        for i in 0..flipped.len() {
            flipped[i] ^= 0xff;
            let _ = Reader(&flipped).map();
            let _ = serde_json::to_string(&Encoded(&flipped));
            let _ = attribute(&flipped, "m");
            flipped[i] ^= 0xff;
        }
    }

    #[test]
    fn items_map() {
        let key = |s: &str| (crate::keys::KeyValue::S(s.into()), None);
        let mut items = Items::default();
        let a = item(&serde_json::json!({"pk": {"S": "a"}, "ttl": {"N": "5"}}));
        let b = item(&serde_json::json!({"pk": {"S": "b"}}));
        assert_eq!(items.insert(key("b"), &b), None);
        assert_eq!(items.insert(key("a"), &b), None);
        assert_eq!(items.insert(key("a"), &a), Some(item_size(&b)));
        assert_eq!(items.len(), 2);
        assert_eq!(items.get(&key("a")), Some(a.clone()));
        assert_eq!(items.size(&key("a")), Some(item_size(&a)));
        assert_eq!(items.size(&key("c")), None);
        let order: Vec<Item> = items.range_encoded(..).map(|(_, i)| i.decode()).collect();
        assert_eq!(order, vec![a.clone(), b.clone()]);
        let back: Vec<Item> = items
            .range_encoded(..)
            .rev()
            .map(|(_, i)| i.decode())
            .collect();
        assert_eq!(back, vec![b.clone(), a.clone()]);
        assert_eq!(
            items.keys(..).collect::<Vec<_>>(),
            vec![&key("a"), &key("b")]
        );
        let ttl: Vec<_> = items.attribute("ttl").collect();
        assert_eq!(ttl, vec![(&key("a"), a["ttl"].clone())]);
        assert_eq!(items.remove(&key("b")), Some(item_size(&b)));
        assert_eq!(items.get(&key("b")), None);
        assert_eq!(items.len(), 1);
    }
}

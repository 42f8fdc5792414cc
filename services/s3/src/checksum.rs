//! Object integrity: the MD5 behind ETags and the flexible checksums (`x-amz-checksum-*`).

use md5::Digest as _;
use ruststack_protocol::encoding::{base64_decode, base64_encode};

// Slice-by-16 tables: several times faster than the crate's default byte-wise table, and
// CRC64NVME is computed for every object that arrives without a checksum.
type Fast = crc::Table<16>;
static CRC32C: crc::Crc<u32, Fast> = crc::Crc::<u32, Fast>::new(&crc::CRC_32_ISCSI);
static CRC64NVME: crc::Crc<u64, Fast> = crc::Crc::<u64, Fast>::new(&crc::CRC_64_NVME);

/// The checksum algorithms S3 supports, by their wire names.
pub(crate) const ALGORITHMS: [&str; 5] = ["CRC32", "CRC32C", "CRC64NVME", "SHA1", "SHA256"];

/// `x-amz-checksum-<lower-case algorithm>`.
pub(crate) fn header_name(algorithm: &str) -> &'static str {
    match algorithm {
        "CRC32" => "x-amz-checksum-crc32",
        "CRC32C" => "x-amz-checksum-crc32c",
        "CRC64NVME" => "x-amz-checksum-crc64nvme",
        "SHA1" => "x-amz-checksum-sha1",
        _ => "x-amz-checksum-sha256",
    }
}

/// Normalises an algorithm name (`crc32` → `CRC32`); `None` when unknown.
pub(crate) fn algorithm(name: &str) -> Option<&'static str> {
    ALGORITHMS
        .into_iter()
        .find(|a| a.eq_ignore_ascii_case(name.trim()))
}

/// A running checksum.
pub(crate) enum Hasher {
    Crc32(crc32fast::Hasher),
    Crc32c(crc::Digest<'static, u32, Fast>),
    Crc64(crc::Digest<'static, u64, Fast>),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Hasher {
    pub(crate) fn new(algorithm: &str) -> Option<Self> {
        Some(match algorithm {
            "CRC32" => Hasher::Crc32(crc32fast::Hasher::new()),
            "CRC32C" => Hasher::Crc32c(CRC32C.digest()),
            "CRC64NVME" => Hasher::Crc64(CRC64NVME.digest()),
            "SHA1" => Hasher::Sha1(sha1::Sha1::new()),
            "SHA256" => Hasher::Sha256(sha2::Sha256::new()),
            _ => return None,
        })
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Crc32(h) => h.update(data),
            Hasher::Crc32c(h) => h.update(data),
            Hasher::Crc64(h) => h.update(data),
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h) => h.update(data),
        }
    }

    /// The raw digest bytes.
    pub(crate) fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Crc32(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Crc32c(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Crc64(h) => h.finalize().to_be_bytes().to_vec(),
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h) => h.finalize().to_vec(),
        }
    }
}

/// The base64 checksum of `data` with `algorithm`.
#[cfg(test)]
pub(crate) fn of(algorithm: &str, data: &[u8]) -> Option<String> {
    let mut h = Hasher::new(algorithm)?;
    h.update(data);
    Some(base64_encode(&h.finish()))
}

/// Whether `value` is a well-formed base64 digest for `algorithm`.
pub(crate) fn is_valid_value(algorithm: &str, value: &str) -> bool {
    let len = match algorithm {
        "CRC32" | "CRC32C" => 4,
        "CRC64NVME" => 8,
        "SHA1" => 20,
        "SHA256" => 32,
        _ => return false,
    };
    base64_decode(value).is_some_and(|b| b.len() == len)
}

/// MD5 of the data seen so far, plus the flexible checksum when one is asked for.
pub(crate) struct Digests {
    md5: md5::Md5,
    checksum: Option<(&'static str, Hasher)>,
}

impl Digests {
    pub(crate) fn new(algorithm: Option<&'static str>) -> Self {
        Self {
            md5: md5::Md5::new(),
            checksum: algorithm.and_then(|a| Some((a, Hasher::new(a)?))),
        }
    }

    pub(crate) fn update(&mut self, data: &[u8]) {
        self.md5.update(data);
        if let Some((_, h)) = &mut self.checksum {
            h.update(data);
        }
    }

    /// The MD5 bytes and the `(algorithm, base64 checksum)` if one was computed.
    pub(crate) fn finish(self) -> ([u8; 16], Option<(&'static str, String)>) {
        let md5: [u8; 16] = self.md5.finalize().into();
        let checksum = self.checksum.map(|(a, h)| (a, base64_encode(&h.finish())));
        (md5, checksum)
    }
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
        out.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
    }
    out
}

/// Decodes lower- or upper-case hex.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// The multipart ETag: MD5 of the concatenated part MD5s, `-<count>`.
pub(crate) fn multipart_etag(part_etags: &[&str]) -> String {
    let mut md5 = md5::Md5::new();
    for etag in part_etags {
        if let Some(bytes) = unhex(etag.trim_matches('"')) {
            md5.update(&bytes);
        }
    }
    format!("\"{}-{}\"", hex(&md5.finalize()), part_etags.len())
}

/// A composite checksum: the checksum of the concatenated part checksums, `-<count>`.
pub(crate) fn composite(algorithm: &str, part_checksums: &[&str]) -> Option<String> {
    let mut h = Hasher::new(algorithm)?;
    for value in part_checksums {
        h.update(&base64_decode(value)?);
    }
    Some(format!(
        "{}-{}",
        base64_encode(&h.finish()),
        part_checksums.len()
    ))
}

/// Combines full-object CRCs of consecutive parts into the CRC of the whole
/// (`FULL_OBJECT` multipart checksums), by zlib's crc32_combine method generalised to any
/// reflected CRC. `parts` are `(base64 crc, length)`.
pub(crate) fn combine_crc(algorithm: &str, parts: &[(&str, u64)]) -> Option<String> {
    let (poly, width): (u64, u32) = match algorithm {
        "CRC32" => (0xEDB8_8320, 32),
        "CRC32C" => (0x82F6_3B78, 32),
        "CRC64NVME" => (0x9A6C_9329_AC4B_C9B5, 64),
        _ => return None,
    };
    let mut acc: Option<u64> = None;
    for (value, len) in parts {
        let bytes = base64_decode(value)?;
        let crc = bytes.iter().fold(0u64, |a, b| (a << 8) | u64::from(*b));
        acc = Some(match acc {
            None => crc,
            Some(prev) => crc_combine(prev, crc, *len, poly, width),
        });
    }
    let crc = acc?;
    let bytes = crc.to_be_bytes();
    Some(base64_encode(&bytes[(8 - width as usize / 8)..]))
}

fn gf2_times(mat: &[u64], mut vec: u64) -> u64 {
    let mut sum = 0;
    let mut i = 0;
    while vec != 0 {
        if vec & 1 != 0 {
            sum ^= mat[i];
        }
        vec >>= 1;
        i += 1;
    }
    sum
}

fn gf2_square(square: &mut [u64], mat: &[u64]) {
    for n in 0..mat.len() {
        square[n] = gf2_times(mat, mat[n]);
    }
}

fn crc_combine(crc1: u64, crc2: u64, len2: u64, poly: u64, width: u32) -> u64 {
    if len2 == 0 {
        return crc1;
    }
    let w = width as usize;
    let mut even = vec![0u64; w];
    let mut odd = vec![0u64; w];
    odd[0] = poly;
    let mut row = 1u64;
    for slot in odd.iter_mut().skip(1) {
        *slot = row;
        row <<= 1;
    }
    gf2_square(&mut even, &odd);
    gf2_square(&mut odd, &even);
    let mut crc1 = crc1;
    let mut len2 = len2;
    loop {
        gf2_square(&mut even, &odd);
        if len2 & 1 != 0 {
            crc1 = gf2_times(&even, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
        gf2_square(&mut odd, &even);
        if len2 & 1 != 0 {
            crc1 = gf2_times(&odd, crc1);
        }
        len2 >>= 1;
        if len2 == 0 {
            break;
        }
    }
    crc1 ^ crc2
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vectors() {
        // The check values of each catalogue entry, over "123456789".
        let data = b"123456789";
        let raw = |a| base64_decode(&of(a, data).unwrap()).unwrap();
        assert_eq!(raw("CRC32"), 0xCBF4_3926u32.to_be_bytes());
        assert_eq!(raw("CRC32C"), 0xE306_9283u32.to_be_bytes());
        assert_eq!(raw("CRC64NVME"), 0xAE8B_1486_0A79_9888u64.to_be_bytes());
        assert_eq!(
            hex(&raw("SHA1")),
            "f7c3bc1d808e04732adf679965ccc34ca7ae3441"
        );
        assert_eq!(of("MD5", data), None);
        assert!(is_valid_value("CRC32", &of("CRC32", data).unwrap()));
        assert!(!is_valid_value("CRC32", &of("SHA1", data).unwrap()));
    }

    #[test]
    fn combined_crcs_equal_whole_crcs() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i * 7 % 251) as u8).collect();
        for algorithm in ["CRC32", "CRC32C", "CRC64NVME"] {
            let (a, b) = data.split_at(3_333);
            let (b, c) = b.split_at(5_000);
            let parts = [a, b, c].map(|p| (of(algorithm, p).unwrap(), p.len() as u64));
            let refs: Vec<(&str, u64)> = parts.iter().map(|(v, l)| (v.as_str(), *l)).collect();
            assert_eq!(
                combine_crc(algorithm, &refs),
                of(algorithm, &data),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn multipart_etag_matches_s3() {
        let a = hex(&md5::Md5::digest(b"a"));
        let b = hex(&md5::Md5::digest(b"b"));
        let mut joined = md5::Md5::new();
        joined.update(md5::Md5::digest(b"a"));
        joined.update(md5::Md5::digest(b"b"));
        assert_eq!(
            multipart_etag(&[&format!("\"{a}\""), &b]),
            format!("\"{}-2\"", hex(&joined.finalize()))
        );
        assert_eq!(unhex("zz"), None);
        assert_eq!(unhex("0aFf"), Some(vec![10, 255]));
    }
}

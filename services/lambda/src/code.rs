//! Deployment packages: a zip is checked (it opens, and unpacks to no more than AWS's
//! limit), stored as a blob, and extracted once per digest into the code directory, with
//! every entry kept inside it (zip-slip protection) and Unix modes preserved so that a
//! `bootstrap` stays executable.

use std::fs;
use std::io::{self, Cursor, Read};
use std::path::{Component, Path, PathBuf};

use ruststack_protocol::ServiceError;
use ruststack_protocol::encoding::base64_encode;
use ruststack_storage::{BlobId, BlobStore};
use sha2::{Digest, Sha256};

use crate::error;
use crate::state::Code;

/// AWS's limit on a zip uploaded in the request (`ZipFile`).
pub(crate) const MAX_ZIPPED: usize = 50 * 1024 * 1024;
/// AWS's limit on the unzipped size of a function with its layers.
pub(crate) const MAX_UNZIPPED: u64 = 262_144_000;

/// Checks a zip and stores it as a blob.
pub(crate) fn store(blobs: &BlobStore, zip: &[u8]) -> Result<Code, ServiceError> {
    unzipped_size(zip)?;
    let sha256 = base64_encode(&Sha256::digest(zip));
    let mut writer = blobs
        .writer()
        .map_err(|e| ServiceError::internal("ServiceException", e))?;
    writer
        .write(zip)
        .map_err(|e| ServiceError::internal("ServiceException", e))?;
    let (blob, size) = writer
        .finish()
        .map_err(|e| ServiceError::internal("ServiceException", e))?;
    Ok(Code {
        sha256,
        size,
        blob: blob.as_str().to_owned(),
    })
}

/// The unzipped size of a valid zip, or AWS's error for a bad or too large one.
pub(crate) fn unzipped_size(zip: &[u8]) -> Result<u64, ServiceError> {
    let bad = || {
        error::invalid_parameter(
            "Could not unzip uploaded file. Please check your file, then try to upload again.",
        )
    };
    let mut archive = zip::ZipArchive::new(Cursor::new(zip)).map_err(|_| bad())?;
    let mut total = 0u64;
    for i in 0..archive.len() {
        let entry = archive.by_index_raw(i).map_err(|_| bad())?;
        total = total.saturating_add(entry.size());
    }
    if total > MAX_UNZIPPED {
        return Err(error::invalid_parameter(&format!(
            "Unzipped size must be smaller than {MAX_UNZIPPED} bytes"
        )));
    }
    Ok(total)
}

/// The directory name a package is extracted to (its digest, made path-safe).
fn dir_name(sha256: &str) -> String {
    sha256.replace('/', "_").replace('+', "-").replace('=', "")
}

/// Extracts `code` under `root` (once per digest) and returns the directory. Blocking.
pub(crate) fn extract(blobs: &BlobStore, code: &Code, root: &Path) -> io::Result<PathBuf> {
    let dest = root.join(dir_name(&code.sha256));
    if dest.is_dir() {
        return Ok(dest);
    }
    let blob = BlobId::parse(&code.blob)
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "missing code blob"))?;
    let file = fs::File::open(blobs.path(&blob))?;
    fs::create_dir_all(root)?;
    let tmp = tempfile::Builder::new()
        .prefix(".extract-")
        .tempdir_in(root)?;
    unpack(file, tmp.path())?;
    let staged = tmp.keep();
    match fs::rename(&staged, &dest) {
        Ok(()) => Ok(dest),
        // Another invocation extracted the same package first.
        Err(_) if dest.is_dir() => {
            let _ = fs::remove_dir_all(&staged);
            Ok(dest)
        }
        Err(e) => Err(e),
    }
}

/// Unpacks a zip into `dest`, refusing entries that would land outside it.
fn unpack(file: fs::File, dest: &Path) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mut archive = zip::ZipArchive::new(io::BufReader::new(file)).map_err(io::Error::other)?;
    let mut written = 0u64;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(io::Error::other)?;
        let Some(rel) = entry.enclosed_name() else {
            continue;
        };
        let path = dest.join(&rel);
        let mode = entry.unix_mode();
        if entry.is_dir() {
            fs::create_dir_all(&path)?;
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        if mode.is_some_and(|m| m & 0o170000 == 0o120000) {
            let mut target = String::new();
            entry.read_to_string(&mut target)?;
            if link_stays_inside(&rel, Path::new(&target)) {
                std::os::unix::fs::symlink(&target, &path)?;
            }
            continue;
        }
        let mut out = fs::File::create(&path)?;
        written += io::copy(&mut (&mut entry).take(MAX_UNZIPPED + 1 - written), &mut out)?;
        if written > MAX_UNZIPPED {
            return Err(io::Error::other("unzipped size limit exceeded"));
        }
        let perm = mode.map_or(0o644, |m| m & 0o777) | 0o600;
        fs::set_permissions(&path, fs::Permissions::from_mode(perm))?;
    }
    Ok(())
}

/// Whether a symlink at `link` (relative to the package root) pointing at `target` resolves
/// inside the package.
fn link_stays_inside(link: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut depth: i64 = link.components().count() as i64 - 1;
    for c in target.components() {
        match c {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            _ => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn zip_of(entries: &[(&str, &[u8], u32)]) -> Vec<u8> {
        let mut buf = Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut buf);
        for (name, data, mode) in entries {
            let opts = zip::write::SimpleFileOptions::default().unix_permissions(*mode);
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap();
        buf.into_inner()
    }

    #[test]
    fn extracts_inside_and_keeps_modes() {
        let blobs = BlobStore::ephemeral().unwrap();
        let zip = zip_of(&[
            ("bootstrap", b"#!/bin/sh\n", 0o755),
            ("lib/a.py", b"x = 1\n", 0o644),
            ("../evil", b"no", 0o644),
        ]);
        let code = store(&blobs, &zip).unwrap();
        assert_eq!(code.size, zip.len() as u64);
        let root = tempfile::tempdir().unwrap();
        let dir = extract(&blobs, &code, root.path()).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(dir.join("bootstrap"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o755);
        assert_eq!(fs::read(dir.join("lib/a.py")).unwrap(), b"x = 1\n");
        assert!(!root.path().join("evil").exists());
        // A second extraction reuses the directory.
        assert_eq!(extract(&blobs, &code, root.path()).unwrap(), dir);
    }

    #[test]
    fn bad_zips_get_aws_error() {
        let blobs = BlobStore::ephemeral().unwrap();
        let err = store(&blobs, b"not a zip").unwrap_err();
        assert_eq!(err.code(), "InvalidParameterValueException");
        assert!(err.message().contains("Could not unzip uploaded file"));
    }

    #[test]
    fn symlinks_must_stay_inside() {
        assert!(link_stays_inside(Path::new("a/b"), Path::new("../c")));
        assert!(!link_stays_inside(Path::new("a"), Path::new("../c")));
        assert!(!link_stays_inside(Path::new("a"), Path::new("/etc/passwd")));
    }
}

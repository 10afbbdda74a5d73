//! The fingerprint key. Fingerprints are BLAKE3 keyed hashes of normalised values; an 8-digit
//! phone number is brute-forced from its hash in seconds by anyone who holds the key, so the key
//! never sits beside a report. It comes, in this order, from `--key-file`, `GOVSCAN_KEY` (64 hex
//! digits), `GOVSCAN_KEY_FILE`, or a key generated once in the user's configuration directory.

use std::path::{Path, PathBuf};

pub const KEY_ENV: &str = "GOVSCAN_KEY";
pub const KEY_FILE_ENV: &str = "GOVSCAN_KEY_FILE";

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("cannot read key file {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("key from {from} is not 64 hexadecimal digits (make one with: head -c 32 /dev/urandom | xxd -p -c 64)")]
    Malformed { from: String },
    #[error("cannot create a fingerprint key at {path}: {source}; set {KEY_ENV} or pass --key-file")]
    Create { path: String, source: std::io::Error },
    #[error("no configuration directory (HOME and XDG_CONFIG_HOME unset); set {KEY_ENV} or pass --key-file")]
    NoHome,
}

pub struct FingerprintKey {
    key: [u8; 32],
    /// Where the key came from, for the report (never the key itself).
    pub source: String,
}

impl FingerprintKey {
    pub fn from_bytes(key: [u8; 32], source: impl Into<String>) -> Self {
        FingerprintKey { key, source: source.into() }
    }

    /// Resolves the key as the module documentation says.
    pub fn resolve(key_file: Option<&Path>) -> Result<Self, KeyError> {
        if let Some(path) = key_file {
            return Self::read(path);
        }
        if let Ok(hex) = std::env::var(KEY_ENV) {
            return parse_hex(hex.trim(), KEY_ENV);
        }
        if let Some(path) = std::env::var_os(KEY_FILE_ENV) {
            return Self::read(Path::new(&path));
        }
        let path = default_key_path().ok_or(KeyError::NoHome)?;
        if path.exists() {
            return Self::read(&path);
        }
        Self::generate(&path)
    }

    fn read(path: &Path) -> Result<Self, KeyError> {
        let text = std::fs::read_to_string(path)
            .map_err(|source| KeyError::Read { path: path.display().to_string(), source })?;
        parse_hex(text.trim(), &path.display().to_string())
    }

    fn generate(path: &Path) -> Result<Self, KeyError> {
        let create = |source| KeyError::Create { path: path.display().to_string(), source };
        let mut key = [0u8; 32];
        getrandom::getrandom(&mut key).map_err(|e| create(std::io::Error::other(e.to_string())))?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(create)?;
        }
        write_private(path, &hex(&key)).map_err(create)?;
        Ok(FingerprintKey { key, source: path.display().to_string() })
    }

    /// A short public id of the key, so reports made with different keys are not compared.
    pub fn id(&self) -> String {
        hex(&blake3::keyed_hash(&self.key, b"govscan key id").as_bytes()[..4])
    }

    /// The keyed fingerprint of a detector's normalised value (128 bits, hex).
    pub fn fingerprint(&self, detector: &str, normalized: &str) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(detector.as_bytes());
        h.update(&[0]);
        h.update(normalized.as_bytes());
        hex(&h.finalize().as_bytes()[..16])
    }
}

fn default_key_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("govscan").join("fingerprint.key"))
}

fn parse_hex(text: &str, from: &str) -> Result<FingerprintKey, KeyError> {
    let malformed = || KeyError::Malformed { from: from.to_string() };
    if text.len() != 64 {
        return Err(malformed());
    }
    let mut key = [0u8; 32];
    for (i, byte) in key.iter_mut().enumerate() {
        *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2).ok_or_else(malformed)?, 16).map_err(|_| malformed())?;
    }
    Ok(FingerprintKey { key, source: from.to_string() })
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    f.write_all(text.as_bytes())
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    std::fs::write(path, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_keys_round_trip_and_reject_garbage() {
        let k = parse_hex(&"ab".repeat(32), "test").unwrap();
        assert_eq!(k.key, [0xab; 32]);
        assert!(parse_hex("abc", "t").is_err());
        assert!(parse_hex(&"zz".repeat(32), "t").is_err());
    }

    #[test]
    fn fingerprints_depend_on_key_detector_and_value() {
        let a = FingerprintKey::from_bytes([1; 32], "a");
        let b = FingerprintKey::from_bytes([2; 32], "b");
        let f = a.fingerprint("hk_phone", "+85291234567");
        assert_eq!(f.len(), 32);
        assert_eq!(f, a.fingerprint("hk_phone", "+85291234567"));
        assert_ne!(f, b.fingerprint("hk_phone", "+85291234567"));
        assert_ne!(f, a.fingerprint("hkid", "+85291234567"));
        assert_ne!(f, a.fingerprint("hk_phone", "+85291234568"));
    }

    #[test]
    fn a_generated_key_is_private_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/fingerprint.key");
        let k1 = FingerprintKey::generate(&path).unwrap();
        let k2 = FingerprintKey::read(&path).unwrap();
        assert_eq!(k1.key, k2.key);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        }
    }
}

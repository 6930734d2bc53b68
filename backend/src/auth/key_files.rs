//! Secrets the server generates once and keeps in its data directory (`<data>/secrets/`),
//! readable by the owner only.

use std::path::Path;

use anyhow::Context;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;

/// The `len` random bytes kept (base64) in `path`, generated on first use.
pub fn load_or_create(path: &Path, len: usize) -> anyhow::Result<Vec<u8>> {
    if let Ok(text) = std::fs::read_to_string(path) {
        return URL_SAFE_NO_PAD
            .decode(text.trim())
            .with_context(|| format!("reading the key in {}", path.display()));
    }
    let mut key = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut key);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    write_private(path, URL_SAFE_NO_PAD.encode(&key).as_bytes())?;
    Ok(key)
}

/// Writes a new file only the owner can read (never overwrites one).
pub fn write_private(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?
        .write_all(contents)?;
    Ok(())
}

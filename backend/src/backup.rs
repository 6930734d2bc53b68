//! Backups of an embedded installation (SQLite): `mercato backup FILE` writes one tar archive
//! holding a consistent copy of the database and the data directory's secrets (the keys that
//! open what the database holds sealed); `mercato restore FILE` unpacks it into a data
//! directory. The search index is left out: the worker rebuilds it from the database.
//!
//! The copy is SQLite's `VACUUM INTO`, which reads inside one transaction: it holds every
//! transaction committed before it began and none after, while the server keeps writing (WAL
//! lets the writer go on beside the reader). So every usage batch acknowledged before a backup
//! starts is in it.
//!
//! On PostgreSQL the database's own tools are the right ones (`pg_dump`, or continuous
//! archiving); the command says so instead of doing half a job.

use std::fs::{self, File};
use std::io::{BufReader, BufWriter, Read};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use sea_orm::{ConnectionTrait, Statement};
use serde::{Deserialize, Serialize};

use crate::config::Settings;
use crate::db::{self, Db};

/// The archive's member describing it.
const MANIFEST: &str = "MANIFEST.json";
/// The database's name in the archive and in a data directory.
const DATABASE: &str = "mercato.db";
/// The data directory's secrets (JWT key, webhook key, install-token keys).
const SECRETS: &str = "secrets";
const FORMAT: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: u32,
    created_at: chrono::DateTime<chrono::Utc>,
    version: String,
}

/// What a backup holds.
#[derive(Debug)]
pub struct BackupReport {
    pub file: PathBuf,
    pub database_bytes: u64,
    pub secret_files: usize,
}

impl std::fmt::Display for BackupReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "backed up the database ({} bytes) and {} secret file(s) to {}",
            self.database_bytes,
            self.secret_files,
            self.file.display()
        )
    }
}

/// How to back up a PostgreSQL installation.
pub const POSTGRES_ADVICE: &str = "this installation uses PostgreSQL: back it up with its own \
tools — `pg_dump --format=custom --file=mercato.dump \"$DATABASE_URL\"` (restore with \
`pg_restore --clean --dbname=\"$DATABASE_URL\" mercato.dump`), or continuous archiving for \
point-in-time recovery — and keep MERCATO_JWT_SECRET and MERCATO_WEBHOOK_KEY with it: the \
database holds webhook secrets sealed with that key. The search index is rebuilt from the \
database.";

/// Writes the backup archive `file` (gzip-compressed tar) of the installation `settings`
/// describe, while it may be serving.
pub async fn create(settings: &Settings, file: &Path) -> anyhow::Result<BackupReport> {
    let db = Db::connect(settings).await?;
    if db.is_postgres() {
        bail!("{POSTGRES_ADVICE}");
    }
    if file.exists() {
        bail!("{} exists; give a new file name", file.display());
    }
    let staging = tempfile::Builder::new()
        .prefix(".mercato-backup-")
        .tempdir_in(
            file.parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )
        .context("making a staging directory beside the backup file")?;
    let copy = staging.path().join(DATABASE);
    let target = copy
        .to_str()
        .context("the staging path is not UTF-8")?
        .replace('\'', "''");
    db.write
        .execute(Statement::from_string(
            db.backend(),
            format!("VACUUM INTO '{target}'"),
        ))
        .await
        .context("copying the database (VACUUM INTO)")?;
    db.close().await;
    let database_bytes = fs::metadata(&copy)?.len();

    let out = File::create(file).with_context(|| format!("creating {}", file.display()))?;
    let mut tar = tar::Builder::new(GzEncoder::new(BufWriter::new(out), Compression::fast()));
    let manifest = serde_json::to_vec_pretty(&Manifest {
        format: FORMAT,
        created_at: crate::clock::wall_now(),
        version: env!("CARGO_PKG_VERSION").into(),
    })?;
    let mut header = tar::Header::new_gnu();
    header.set_size(manifest.len() as u64);
    header.set_mode(0o644);
    header.set_cksum();
    tar.append_data(&mut header, MANIFEST, manifest.as_slice())?;
    tar.append_path_with_name(&copy, DATABASE)?;
    let mut secret_files = 0;
    let secrets = settings.data_dir.join(SECRETS);
    if secrets.is_dir() {
        for path in files_under(&secrets)? {
            let name = Path::new(SECRETS).join(path.strip_prefix(&secrets)?);
            tar.append_path_with_name(&path, name)?;
            secret_files += 1;
        }
    }
    tar.into_inner()?.finish()?;
    Ok(BackupReport {
        file: file.to_path_buf(),
        database_bytes,
        secret_files,
    })
}

/// Every file under `dir`, depth first, in name order.
fn files_under(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut entries: Vec<_> = fs::read_dir(dir)?.collect::<Result<_, _>>()?;
    entries.sort_by_key(|e| e.file_name());
    let mut out = Vec::new();
    for entry in entries {
        let path = entry.path();
        if path.is_dir() {
            out.extend(files_under(&path)?);
        } else {
            out.push(path);
        }
    }
    Ok(out)
}

/// What a restore put in place.
#[derive(Debug)]
pub struct RestoreReport {
    pub data_dir: PathBuf,
    pub backed_up_at: chrono::DateTime<chrono::Utc>,
}

impl std::fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "restored the backup of {} into {} (the search index is rebuilt at the next start)",
            self.backed_up_at.to_rfc3339(),
            self.data_dir.display()
        )
    }
}

/// Unpacks the backup `file` into `data_dir`, which must not hold a database unless `force`
/// (then the database, its secrets and search index are replaced). The restored database is
/// checked (`PRAGMA integrity_check`) before it is put in place.
pub async fn restore(file: &Path, data_dir: &Path, force: bool) -> anyhow::Result<RestoreReport> {
    let existing = db::sqlite_path(data_dir);
    if existing.exists() && !force {
        bail!(
            "{} already holds a database; restore into an empty data directory, or pass --force \
             to replace it",
            data_dir.display()
        );
    }
    fs::create_dir_all(data_dir)?;
    let staging = tempfile::Builder::new()
        .prefix(".mercato-restore-")
        .tempdir_in(data_dir)?;
    let archive = File::open(file).with_context(|| format!("opening {}", file.display()))?;
    let mut tar = tar::Archive::new(GzDecoder::new(BufReader::new(archive)));
    let mut manifest: Option<Manifest> = None;
    for entry in tar.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.into_owned();
        if name == Path::new(MANIFEST) {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            manifest = Some(serde_json::from_str(&text).context("reading the manifest")?);
        } else if name == Path::new(DATABASE) || name.starts_with(SECRETS) {
            // `unpack_in` refuses paths that would leave the directory.
            entry.unpack_in(staging.path())?;
        } else {
            bail!(
                "{} is not a Mercato backup ({})",
                file.display(),
                name.display()
            );
        }
    }
    let manifest = manifest.with_context(|| format!("{} has no manifest", file.display()))?;
    if manifest.format != FORMAT {
        bail!(
            "backup format {} is not one this version reads",
            manifest.format
        );
    }
    let restored = staging.path().join(DATABASE);
    if !restored.exists() {
        bail!("{} holds no database", file.display());
    }
    check_integrity(&restored).await?;

    for stale in ["mercato.db-wal", "mercato.db-shm", "search"] {
        let path = data_dir.join(stale);
        if path.is_dir() {
            fs::remove_dir_all(&path)?;
        } else if path.exists() {
            fs::remove_file(&path)?;
        }
    }
    let secrets = staging.path().join(SECRETS);
    if secrets.is_dir() {
        let target = data_dir.join(SECRETS);
        if target.exists() {
            fs::remove_dir_all(&target)?;
        }
        fs::rename(&secrets, &target)?;
        restrict(&target)?;
    }
    fs::rename(&restored, &existing)?;
    Ok(RestoreReport {
        data_dir: data_dir.to_path_buf(),
        backed_up_at: manifest.created_at,
    })
}

async fn check_integrity(path: &Path) -> anyhow::Result<()> {
    let settings = Settings {
        database_url: Some(format!("sqlite://{}", path.display())),
        ..Settings::default()
    };
    let db = Db::connect(&settings).await?;
    let row = db
        .read
        .query_one(Statement::from_string(
            db.backend(),
            "PRAGMA integrity_check".to_string(),
        ))
        .await?;
    let verdict: String = row
        .map(|r| r.try_get_by_index(0))
        .transpose()?
        .unwrap_or_default();
    db.close().await;
    if verdict != "ok" {
        bail!("the backed-up database is damaged: {verdict}");
    }
    Ok(())
}

/// Secrets are for the server's eyes only (0600 files, 0700 directories).
fn restrict(dir: &Path) -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        for path in files_under(dir)? {
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))?;
            if let Some(parent) = path.parent() {
                fs::set_permissions(parent, fs::Permissions::from_mode(0o700))?;
            }
        }
    }
    Ok(())
}

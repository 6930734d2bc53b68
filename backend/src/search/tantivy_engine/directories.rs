//! The index directories under `<data dir>/search/`: `CURRENT` names the live one
//! (`index-v<schema>-<time>-<id>`); a rebuild writes a fresh directory beside it and switches
//! `CURRENT`, and a running server follows the switch and removes the old one.

use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};

use anyhow::Context;
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument};

use super::schema::{schema, SCHEMA_VERSION, TOKENIZER};
use super::TantivyIndex;
use crate::search::text;

/// Indexing memory budget per rebuild/worker writer.
const WRITER_BUDGET: usize = 64 * 1024 * 1024;

/// One opened index directory.
pub(super) struct Open {
    pub(super) dir_name: String,
    pub(super) reader: IndexReader,
    pub(super) writer: Mutex<IndexWriter<TantivyDocument>>,
}

fn open_dir(
    path: &Path,
    writer_threads: usize,
) -> anyhow::Result<(IndexReader, IndexWriter<TantivyDocument>)> {
    std::fs::create_dir_all(path).with_context(|| format!("creating {}", path.display()))?;
    let (schema, _) = schema();
    let dir = MmapDirectory::open(path).with_context(|| format!("opening {}", path.display()))?;
    let index = Index::open_or_create(dir, schema).context("opening the search index")?;
    index.tokenizers().register(TOKENIZER, text::analyzer());
    let writer = index
        .writer_with_num_threads(writer_threads, WRITER_BUDGET * writer_threads)
        .context("the search index is in use by another process")?;
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()?;
    Ok((reader, writer))
}

fn current_name(root: &Path) -> Option<String> {
    std::fs::read_to_string(root.join("CURRENT"))
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

fn new_dir_name() -> String {
    format!(
        "index-v{SCHEMA_VERSION}-{}-{}",
        crate::clock::wall_now().format("%Y%m%d%H%M%S"),
        uuid::Uuid::new_v4().simple()
    )
}

fn write_current(root: &Path, name: &str) -> anyhow::Result<()> {
    let tmp = root.join("CURRENT.tmp");
    std::fs::write(&tmp, name)?;
    std::fs::rename(&tmp, root.join("CURRENT"))?;
    Ok(())
}

impl TantivyIndex {
    /// Opens the live index under `root` (creating an empty one on first start).
    pub fn open(root: &Path) -> anyhow::Result<TantivyIndex> {
        std::fs::create_dir_all(root)?;
        let current = current_name(root)
            .filter(|name| name.starts_with(&format!("index-v{SCHEMA_VERSION}-")));
        let name = match current {
            Some(name) => name,
            None => {
                let name = new_dir_name();
                write_current(root, &name)?;
                name
            }
        };
        Self::on_dir(root, name, 1)
    }

    /// A new, empty index beside the live one, for a rebuild; [`promote`](Self::promote) makes
    /// it live.
    pub fn create_fresh(root: &Path) -> anyhow::Result<TantivyIndex> {
        std::fs::create_dir_all(root)?;
        Self::on_dir(root, new_dir_name(), 2)
    }

    /// The index in directory `name` under `root`, written with `writer_threads`.
    fn on_dir(root: &Path, name: String, writer_threads: usize) -> anyhow::Result<TantivyIndex> {
        let (reader, writer) = open_dir(&root.join(&name), writer_threads)?;
        let (_, fields) = schema();
        Ok(TantivyIndex {
            root: root.to_path_buf(),
            fields,
            open: RwLock::new(Arc::new(Open {
                dir_name: name,
                reader,
                writer: Mutex::new(writer),
            })),
        })
    }

    /// Merges the index into one segment (faster searches after a bulk load) and makes it the
    /// live index.
    pub fn promote(self) -> anyhow::Result<String> {
        let open = self.current();
        {
            let mut writer = open
                .writer
                .lock()
                .map_err(|_| anyhow::anyhow!("writer poisoned"))?;
            let ids = open.reader.searcher().index().searchable_segment_ids()?;
            if ids.len() > 1 {
                writer.merge(&ids).wait()?;
            }
            writer.commit()?;
        }
        write_current(&self.root, &open.dir_name)?;
        Ok(open.dir_name.clone())
    }

    pub(super) fn current(&self) -> Arc<Open> {
        self.open
            .read()
            .map(|g| g.clone())
            .unwrap_or_else(|p| p.into_inner().clone())
    }

    /// The identity of the live index directory (where the worker keeps its checkpoint).
    pub fn dir_name(&self) -> String {
        self.current().dir_name.clone()
    }

    /// If a rebuild switched `CURRENT` to another directory, reopens on it and removes the old
    /// one. Returns whether it switched.
    pub fn follow_switch(&self) -> anyhow::Result<bool> {
        let Some(name) = current_name(&self.root) else {
            return Ok(false);
        };
        let old = self.current();
        if name == old.dir_name {
            return Ok(false);
        }
        let (reader, writer) = open_dir(&self.root.join(&name), 1)?;
        *self
            .open
            .write()
            .map_err(|_| anyhow::anyhow!("index lock poisoned"))? = Arc::new(Open {
            dir_name: name,
            reader,
            writer: Mutex::new(writer),
        });
        let old_dir = self.root.join(&old.dir_name);
        drop(old);
        // Searches still holding the old reader keep their mmaps; removing is safe on Unix.
        let _ = std::fs::remove_dir_all(old_dir);
        Ok(true)
    }
}

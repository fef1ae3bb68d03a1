//! The reference data and plan files: built into the binary, or read from a data folder.

use std::path::Path;

use anyhow::{Context, Result};
use include_dir::{Dir, include_dir};
use ozg_domain::dataset::SourceFile;

static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/../../data");

fn wanted(path: &str) -> bool {
    let ext_ok = [".csv", ".ndjson", ".toml"]
        .iter()
        .any(|e| path.ends_with(e));
    ext_ok
        && (path.starts_with("kdn/")
            || path.starts_with("gemeindeverzeichnis/")
            || path.starts_with("organisationen/")
            || path.starts_with("plan/")
            || path == "nrw-gemeinden.csv")
}

/// The files built into the binary.
pub fn builtin() -> Vec<SourceFile> {
    fn walk(d: &'static Dir<'static>, out: &mut Vec<SourceFile>) {
        for f in d.files() {
            let path = f.path().to_string_lossy().replace('\\', "/");
            if wanted(&path)
                && let Some(text) = f.contents_utf8()
            {
                out.push(SourceFile {
                    path,
                    text: text.to_owned(),
                });
            }
        }
        for sub in d.dirs() {
            walk(sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&BUILTIN, &mut out);
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The files of a data folder with the same layout as the repository's `data/`.
pub fn from_dir(root: &Path) -> Result<Vec<SourceFile>> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<SourceFile>) -> Result<()> {
        let entries = std::fs::read_dir(dir)
            .with_context(|| format!("Ordner {} nicht lesbar", dir.display()))?;
        for e in entries {
            let p = e?.path();
            if p.is_dir() {
                walk(root, &p, out)?;
                continue;
            }
            let rel = p
                .strip_prefix(root)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            if wanted(&rel) {
                let text = std::fs::read_to_string(&p).with_context(|| {
                    format!("Datei {} nicht lesbar (UTF-8 erwartet)", p.display())
                })?;
                out.push(SourceFile { path: rel, text });
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    walk(root, root, &mut out)?;
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// A short fingerprint of the files (FNV-1a over paths and contents), stored as "Datenstand".
pub fn fingerprint(files: &[SourceFile]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for f in files {
        for b in f.path.bytes().chain([0]).chain(f.text.bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{h:016x}")
}

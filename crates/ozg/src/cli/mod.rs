//! The shell commands behind `ozg …`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use ozg_domain::dataset::{Dataset, Severity};

use crate::data_files;

pub mod kita;
use crate::db::{Db, import};
use crate::programme::lists::{self, ListKind};

/// Where the database is.
#[derive(clap::Args, Clone, Debug)]
pub struct DbArgs {
    /// Datenverzeichnis für die eingebettete SQLite-Datenbank.
    #[arg(long, env = "OZG_DATA_DIR", default_value = "./ozg-daten")]
    pub data_dir: PathBuf,
    /// Datenbank-URL; `postgres://…` wählt PostgreSQL. Ohne Angabe: SQLite im Datenverzeichnis.
    #[arg(long, env = "OZG_DATABASE_URL")]
    pub database: Option<String>,
}

impl DbArgs {
    /// Opens and migrates the database.
    pub async fn open(&self) -> Result<Db> {
        let url = match &self.database {
            Some(u) => u.clone(),
            None => {
                std::fs::create_dir_all(&self.data_dir).with_context(|| {
                    format!(
                        "Datenverzeichnis {} lässt sich nicht anlegen",
                        self.data_dir.display()
                    )
                })?;
                self.data_dir.join("ozg.db").to_string_lossy().into_owned()
            }
        };
        let db = Db::connect(&url).await?;
        db.migrate().await?;
        Ok(db)
    }
}

/// Logging to stderr, level from `RUST_LOG` (default: info).
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

fn spinner(msg: &str) -> ProgressBar {
    let pb = ProgressBar::new_spinner();
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    pb.set_message(msg.to_owned());
    pb.enable_steady_tick(Duration::from_millis(120));
    pb
}

fn build_dataset(from: Option<&Path>) -> Result<(Dataset, String)> {
    let files = match from {
        Some(dir) => data_files::from_dir(dir)?,
        None => data_files::builtin(),
    };
    let version = data_files::fingerprint(&files);
    match Dataset::build(&files) {
        Ok(ds) => Ok((ds, version)),
        Err(problems) => {
            let n = problems
                .iter()
                .filter(|p| p.severity == Severity::Fehler)
                .count();
            for p in problems.iter().filter(|p| p.severity == Severity::Fehler) {
                eprintln!("{p}");
            }
            bail!("{n} Fehler in den Datendateien; nichts wurde importiert")
        }
    }
}

/// Imports the built-in data when the database is empty (first start). Returns whether it did.
pub async fn ensure_seeded(db: &Db) -> Result<bool> {
    if db.meta("datenstand").await?.is_some() {
        return Ok(false);
    }
    let (ds, version) = build_dataset(None)?;
    import::import(db, &ds, &version).await?;
    Ok(true)
}

/// `ozg serve`.
pub async fn serve(addr: &str, args: &DbArgs) -> Result<ExitCode> {
    let started = Instant::now();
    let db = args.open().await?;
    if ensure_seeded(&db).await? {
        tracing::info!("Referenzdaten und Umsetzungsplan importiert");
    }
    let state = crate::web::AppState::new(db.clone());
    // Build the read model before the first request, so no request waits for it.
    state.model().await?;
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("Adresse {addr} nicht verfügbar (belegt oder ungültig)"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        "OZG-Plattform bereit auf http://{local} (Start in {} ms)",
        started.elapsed().as_millis()
    );
    let app = crate::web::router(state);
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    db.0.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `ozg import`.
pub async fn import(from: Option<&Path>, args: &DbArgs) -> Result<ExitCode> {
    let pb = spinner("Prüfe Datendateien");
    let built = build_dataset(from);
    let (ds, version) = match built {
        Ok(v) => v,
        Err(e) => {
            pb.finish_and_clear();
            return Err(e);
        }
    };
    pb.set_message("Schreibe in die Datenbank (eine Transaktion)");
    let db = args.open().await?;
    import::import(&db, &ds, &version).await?;
    pb.finish_and_clear();
    println!(
        "Importiert: {} Themenfelder, {} Lagen, {} OZG-Leistungen, {} LeiKa-Leistungen, {} Organisationen, {} Umsetzungsprojekte, {} Workshops",
        ds.themenfelder.len(),
        ds.lagen.len(),
        ds.ozg_leistungen.len(),
        ds.leika.len(),
        ds.organisationen.len(),
        ds.projekte.len(),
        ds.workshops.len()
    );
    db.0.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `ozg check-data`.
pub fn check_data(from: Option<&Path>, show_notes: bool) -> Result<ExitCode> {
    let files = match from {
        Some(dir) => data_files::from_dir(dir)?,
        None => data_files::builtin(),
    };
    match Dataset::build(&files) {
        Ok(ds) => {
            if show_notes {
                for p in &ds.hinweise {
                    println!("{p}");
                }
            }
            println!(
                "Daten in Ordnung: {} Dateien, {} Themenfelder, {} OZG-Leistungen, {} LeiKa-Leistungen, {} Organisationen, {} Umsetzungsprojekte, {} Steckbriefe, {} Workshops; {} Hinweise{}",
                files.len(),
                ds.themenfelder.len(),
                ds.ozg_leistungen.len(),
                ds.leika.len(),
                ds.organisationen.len(),
                ds.projekte.len(),
                ds.projekte
                    .iter()
                    .filter(|p| p.steckbrief.is_some())
                    .count(),
                ds.workshops.len(),
                ds.hinweise.len(),
                if show_notes {
                    ""
                } else {
                    " (anzeigen mit --hinweise)"
                }
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            let n = problems
                .iter()
                .filter(|p| p.severity == Severity::Fehler)
                .count();
            for p in &problems {
                if p.severity == Severity::Fehler || show_notes {
                    println!("{p}");
                }
            }
            println!("{n} Fehler gefunden.");
            Ok(ExitCode::FAILURE)
        }
    }
}

/// `ozg export`.
pub async fn export(
    what: &str,
    format: &str,
    output: Option<&Path>,
    args: &DbArgs,
) -> Result<ExitCode> {
    let Some(kind) = ListKind::parse(what) else {
        bail!(
            "unbekannte Liste „{what}“: erlaubt sind {}",
            ListKind::ALL
                .iter()
                .map(|k| k.key())
                .collect::<Vec<_>>()
                .join(", ")
        );
    };
    if !matches!(format, "json" | "csv") {
        bail!("unbekanntes Format „{format}“: erlaubt sind json und csv");
    }
    let db = args.open().await?;
    ensure_seeded(&db).await?;
    let table = lists::full_table(&db, kind).await?;
    let bytes = if format == "csv" {
        table.to_csv()?
    } else {
        serde_json::to_vec_pretty(&table.to_json())?
    };
    match output {
        Some(p) => std::fs::write(p, &bytes)
            .with_context(|| format!("{} nicht schreibbar", p.display()))?,
        None => std::io::stdout().write_all(&bytes)?,
    }
    db.0.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `ozg report`: the Umsetzungsplan from the live data, as HTML or XLSX.
pub async fn report(format: &str, output: &Path, args: &DbArgs) -> Result<ExitCode> {
    if !matches!(format, "html" | "xlsx") {
        bail!("unbekanntes Format „{format}“: erlaubt sind html und xlsx (PDF folgt)");
    }
    let db = args.open().await?;
    ensure_seeded(&db).await?;
    let state = crate::web::AppState::new(db.clone());
    let bytes = if format == "xlsx" {
        let model = state.model().await?;
        crate::programme::plan_document::PlanDocument::load(&db, &model)
            .await?
            .to_xlsx()?
    } else {
        let app = crate::web::router(state);
        let res = tower::ServiceExt::oneshot(
            app,
            axum::http::Request::get("/umsetzungsplan").body(axum::body::Body::empty())?,
        )
        .await?;
        axum::body::to_bytes(res.into_body(), usize::MAX)
            .await?
            .to_vec()
    };
    std::fs::write(output, &bytes)
        .with_context(|| format!("{} nicht schreibbar", output.display()))?;
    println!(
        "Umsetzungsplan ({format}, {} Bytes) nach {} geschrieben.",
        bytes.len(),
        output.display()
    );
    db.0.close().await;
    Ok(ExitCode::SUCCESS)
}

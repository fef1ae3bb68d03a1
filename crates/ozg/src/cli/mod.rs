//! The shell commands behind `ozg …`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use ozg_domain::dataset::{Dataset, Severity};

pub mod sicherung;

use crate::kern::db::Db;
use crate::kern::{AppState, Fehler, Uhr, hintergrund};
use crate::programm::{self, ListKind};
use crate::umsetzungsplan::{self as plan, PlanReport, ReportOptions};

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
    /// The database's URL (or the SQLite file in the data directory, which is created).
    pub fn url(&self) -> Result<String> {
        Ok(match &self.database {
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
        })
    }

    /// Opens and migrates the database.
    pub async fn open(&self) -> Result<Db> {
        let url = self.url()?;
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
        Some(dir) => programm::from_dir(dir)?,
        None => programm::builtin(),
    };
    let version = programm::fingerprint(&files);
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
    let uhr = Uhr::system();
    // Several instances may start on one empty database at once: only one imports.
    if !programm::erstimport(db, &uhr, &ds, &version).await? {
        return Ok(false);
    }
    stand_nach_import(db, &uhr).await?;
    Ok(true)
}

/// Freezes the imported plan, so later changes can be reported against it.
async fn stand_nach_import(db: &Db, uhr: &Uhr) -> Result<()> {
    if db.meta("stand_offen").await?.is_some() {
        let model = programm::ReadModel::load(db, String::new()).await?;
        if plan::import_stand_nachholen(db, uhr, &model).await? {
            tracing::info!("Stand des letzten Datenimports angelegt");
        }
    }
    Ok(())
}

/// A German message for the shell from an error of the application.
fn meldung(e: Fehler) -> anyhow::Error {
    match e {
        Fehler::Intern(e) => e,
        e => anyhow::anyhow!("{e}"),
    }
}

/// Outgoing e-mail and the portal's public address.
#[derive(clap::Args, Clone, Debug)]
pub struct MailArgs {
    /// SMTP-Server für Einladungen, z. B. smtp://localhost:25 oder smtps://nutzer:passwort@mail.example.org:465. Ohne Angabe werden keine E-Mails versendet.
    #[arg(long, env = "OZG_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// Absender der E-Mails.
    #[arg(
        long,
        env = "OZG_SMTP_ABSENDER",
        default_value = "OZG-Koordinierungsstelle <ozg@localhost>"
    )]
    pub smtp_absender: String,
    /// Öffentliche Adresse des Portals (für Links in E-Mails).
    #[arg(long, env = "OZG_BASIS_URL", default_value = "http://127.0.0.1:8080")]
    pub basis_url: String,
}

/// Network options of `ozg serve`.
#[derive(clap::Args, Debug, Clone)]
pub struct NetzArgs {
    /// Reverse proxies (IP-Adressen oder Netze, mit Komma), deren Kopfzeile (siehe
    /// --proxy-header) geglaubt wird; ohne Angabe zählt die Adresse der TCP-Verbindung.
    #[arg(
        long = "trusted-proxy",
        env = "OZG_TRUSTED_PROXIES",
        default_value = ""
    )]
    pub trusted_proxy: String,
    /// Die Kopfzeile, in die die Proxys die Adresse schreiben: x-forwarded-for (nginx
    /// $proxy_add_x_forwarded_for) oder forwarded. Nur sie wird gelesen; die andere reicht der
    /// Proxy so durch, wie der Client sie schickt.
    #[arg(
        long = "proxy-header",
        env = "OZG_PROXY_HEADER",
        default_value = "x-forwarded-for"
    )]
    pub proxy_header: String,
    /// Strict-Transport-Security senden (nur wenn das Portal ausschließlich über HTTPS
    /// erreichbar ist, z. B. hinter einem Reverse Proxy mit TLS).
    #[arg(long, env = "OZG_HSTS")]
    pub hsts: bool,
}

/// The operator of the instance (Impressum, Kontakt, Erklärung zur Barrierefreiheit) and its
/// video in German Sign Language.
#[derive(clap::Args, Clone, Debug, Default)]
pub struct BetreiberArgs {
    /// Name der Betreiberin (Impressum, Kontakt), z. B. „Stadt Musterstadt, Der Bürgermeister“.
    #[arg(long, env = "OZG_BETREIBER_NAME", default_value = "")]
    pub betreiber_name: String,
    /// Postanschrift der Betreiberin; Zeilen mit „;“ oder Zeilenumbruch trennen.
    #[arg(long, env = "OZG_BETREIBER_ANSCHRIFT", default_value = "")]
    pub betreiber_anschrift: String,
    /// Vertretungsberechtigte Person (Impressum).
    #[arg(long, env = "OZG_BETREIBER_VERTRETUNG", default_value = "")]
    pub betreiber_vertretung: String,
    /// E-Mail-Adresse für Kontakt (Impressum, Kontakt).
    #[arg(long, env = "OZG_BETREIBER_EMAIL", default_value = "")]
    pub betreiber_email: String,
    /// Telefonnummer (Impressum, Kontakt).
    #[arg(long, env = "OZG_BETREIBER_TELEFON", default_value = "")]
    pub betreiber_telefon: String,
    /// Aufsichtsbehörde (Impressum; ohne Angabe entfällt der Abschnitt).
    #[arg(long, env = "OZG_BETREIBER_AUFSICHT", default_value = "")]
    pub betreiber_aufsicht: String,
    /// E-Mail-Adresse für Rückmeldungen zur Barrierefreiheit (mailto-Link, Benachrichtigung
    /// über das Formular); ohne Angabe die Adresse aus --betreiber-email.
    #[arg(long, env = "OZG_BARRIEREFREIHEIT_EMAIL", default_value = "")]
    pub barrierefreiheit_email: String,
    /// Video in Deutscher Gebärdensprache (MP4, WebM oder Ogg), gezeigt auf /gebaerdensprache;
    /// ohne Angabe sagt die Seite, dass es in Vorbereitung ist.
    #[arg(long, env = "OZG_GEBAERDENSPRACHE_VIDEO")]
    pub gebaerdensprache_video: Option<PathBuf>,
}

impl BetreiberArgs {
    /// The operator's details, checked (e-mail addresses, the video file).
    pub fn betreiber(&self) -> Result<crate::hinweise::Betreiber> {
        let t = |s: &str| s.trim().to_owned();
        let b = crate::hinweise::Betreiber {
            name: t(&self.betreiber_name),
            anschrift: t(&self.betreiber_anschrift),
            vertretung: t(&self.betreiber_vertretung),
            email: t(&self.betreiber_email),
            telefon: t(&self.betreiber_telefon),
            aufsicht: t(&self.betreiber_aufsicht),
            barrierefreiheit_email: t(&self.barrierefreiheit_email),
            gebaerdensprache_video: self.gebaerdensprache_video.clone(),
        };
        b.pruefen().map_err(|m| anyhow::anyhow!(m))?;
        Ok(b)
    }
}

/// The citizens' portal: BundID login and the virus scan of uploads.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct PortalArgs {
    /// Metadaten des BundID-IdP (XML-Datei); ohne Angabe nur das Bürgerkonto dieses Portals.
    #[arg(long, env = "OZG_BUNDID_IDP_METADATEN")]
    pub bundid_idp_metadaten: Option<PathBuf>,
    /// Privater Schlüssel des Portals für BundID (PEM, PKCS#8): signiert Anfragen, entschlüsselt Antworten.
    #[arg(long, env = "OZG_BUNDID_SP_SCHLUESSEL")]
    pub bundid_sp_schluessel: Option<PathBuf>,
    /// Zertifikat zu diesem Schlüssel (PEM).
    #[arg(long, env = "OZG_BUNDID_SP_ZERTIFIKAT")]
    pub bundid_sp_zertifikat: Option<PathBuf>,
    /// Name, den die BundID bei der Anmeldung zeigt.
    #[arg(
        long,
        env = "OZG_BUNDID_ANZEIGENAME",
        default_value = "Kommunalportal NRW"
    )]
    pub bundid_anzeigename: String,
    /// OnlineServiceId, die die BundID dem Portal zugewiesen hat.
    #[arg(long, env = "OZG_BUNDID_ONLINE_SERVICE_ID")]
    pub bundid_online_service_id: Option<String>,
    /// Befehl der Virenprüfung, der die Datei auf stdin liest (Rückgabe 0: sauber, 1: Fund),
    /// z. B. "clamscan --no-summary -"; ohne Angabe keine Prüfung.
    #[arg(long, env = "OZG_VIRENPRUEFUNG", default_value = "")]
    pub virenpruefung: String,
}

impl PortalArgs {
    /// Reads the BundID files (all three or none) and sets both on the state.
    pub fn anwenden(&self, state: &AppState, basis_url: &str) -> Result<()> {
        if self.virenpruefung.trim().is_empty() {
            tracing::warn!(
                "Keine Virenprüfung eingerichtet (--virenpruefung): hochgeladene Dateien werden nur an ihrem Inhaltstyp geprüft."
            );
        }
        state.erweiterung_setzen(crate::kern::virenpruefung::Virenpruefung::aus_text(
            &self.virenpruefung,
        ));
        let lesen = |p: &Path| {
            std::fs::read_to_string(p).with_context(|| format!("{} nicht lesbar", p.display()))
        };
        let bundid = match (
            &self.bundid_idp_metadaten,
            &self.bundid_sp_schluessel,
            &self.bundid_sp_zertifikat,
        ) {
            (None, None, None) => crate::portalkonten::BundId::default(),
            (Some(m), Some(k), Some(z)) => crate::portalkonten::BundId::laden(
                &lesen(m)?,
                lesen(k)?,
                lesen(z)?,
                basis_url,
                &self.bundid_anzeigename,
                self.bundid_online_service_id.clone(),
            )?,
            _ => bail!(
                "Für BundID braucht es --bundid-idp-metadaten, --bundid-sp-schluessel und --bundid-sp-zertifikat zusammen."
            ),
        };
        state.erweiterung_setzen(bundid);
        Ok(())
    }
}

/// `ozg serve`.
pub async fn serve(
    addr: &str,
    args: &DbArgs,
    mail: &MailArgs,
    netz: &NetzArgs,
    betreiber: &BetreiberArgs,
    portal_args: &PortalArgs,
) -> Result<ExitCode> {
    let proxies = ozg_domain::netz::netze(&netz.trusted_proxy)
        .map_err(|m| anyhow::anyhow!("--trusted-proxy: {m}"))?;
    let proxy_kopf = netz
        .proxy_header
        .parse::<ozg_domain::netz::ProxyKopf>()
        .map_err(|m| anyhow::anyhow!("--proxy-header: {m}"))?;
    let started = Instant::now();
    let smtp = mail
        .smtp_url
        .as_ref()
        .map(|url| crate::kern::mail::SmtpConfig {
            url: url.clone(),
            absender: mail.smtp_absender.clone(),
        });
    if let Some(c) = &smtp
        && let Err(m) = c.pruefen()
    {
        bail!(m);
    }
    let betreiber = betreiber.betreiber()?;
    if let Some(w) = betreiber.warnung() {
        tracing::warn!("{w}");
    }
    let db = args.open().await?;
    if ensure_seeded(&db).await? {
        tracing::info!("Referenzdaten und Umsetzungsplan importiert");
    }
    // An import that died after its commit still owes its Stand.
    stand_nach_import(&db, &Uhr::system()).await?;
    let state = AppState::new(db.clone())
        .with_mail(smtp, &mail.basis_url)
        .with_ablage(args.data_dir.join("anhaenge"))
        .with_proxies(proxies, proxy_kopf)
        .with_hsts(netz.hsts);
    state.erweiterung_setzen(betreiber);
    portal_args.anwenden(&state, &mail.basis_url)?;
    let portal = crate::portal(state);
    // Build the read model before the first request, so no request waits for it.
    programm::lesemodell(&portal.state).await.map_err(meldung)?;
    // Work that is due because time passed (Umlaufverfahren at their deadline, expired
    // sessions) runs here, never in a page; a guarded write makes several instances safe.
    hintergrund::starten(&portal.state, &portal.aufgaben);
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("Adresse {addr} nicht verfügbar (belegt oder ungültig)"))?;
    let local = listener.local_addr()?;
    tracing::info!(
        "OZG-Plattform bereit auf http://{local} (Start in {} ms)",
        started.elapsed().as_millis()
    );
    crate::kern::server::serve(
        listener,
        portal.router,
        crate::kern::server::Zeitgrenzen::default(),
        crate::kern::server::stoppsignal(),
    )
    .await?;
    db.0.close().await;
    Ok(ExitCode::SUCCESS)
}

/// `ozg import`: replaces the programme data with the files' content. Web edits since the last
/// import would be lost: then it refuses and names them, unless `force`; with `force` it first
/// writes a backup and says what is lost.
pub async fn import(from: Option<&Path>, args: &DbArgs, force: bool) -> Result<ExitCode> {
    let pb = spinner("Prüfe Datendateien");
    let built = build_dataset(from);
    let (ds, version) = match built {
        Ok(v) => v,
        Err(e) => {
            pb.finish_and_clear();
            return Err(e);
        }
    };
    let db = args.open().await?;
    let uhr = Uhr::system();
    let geprueft_bis = programm::audit_stand(&db).await?;
    let verloren = programm::web_aenderungen(&db).await?;
    if !verloren.is_empty() {
        pb.finish_and_clear();
        let liste = aenderungen_text(&verloren);
        if !force {
            db.0.close().await;
            bail!(
                "Nicht importiert: seit dem letzten Import wurden {} Änderungen im Portal gemacht, die der Import mit dem Inhalt der Datendateien überschreiben würde:\n{liste}\nÜbertragen Sie diese Änderungen in die Datendateien, oder importieren Sie mit --force: dann wird vorher eine Sicherung der Datenbank angelegt, und diese Änderungen gehen verloren.",
                verloren.len()
            );
        }
        let ziel = sicherung::standard_ziel(
            &args.data_dir.join("sicherungen"),
            &args.url()?,
            &stempel(&uhr),
            "vor-import-",
        );
        sicherung::sichern(&db, &args.url()?, &ziel).await?;
        println!(
            "Sicherung vor dem Import: {}\nDiese {} Änderungen im Portal werden durch den Import ersetzt:\n{liste}",
            ziel.display(),
            verloren.len()
        );
    }
    pb.set_message("Schreibe in die Datenbank (eine Transaktion)");
    if !programm::import_dataset(&db, &uhr, &ds, &version, geprueft_bis).await? {
        pb.finish_and_clear();
        db.0.close().await;
        bail!(
            "Nicht importiert: während des Imports wurde im Portal eine Änderung gespeichert, die der Import ersetzen würde. Es wurde nichts geändert; starten Sie den Import erneut, um die Änderung angezeigt zu bekommen."
        );
    }
    stand_nach_import(&db, &uhr).await?;
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

/// The web edits as lines: date, who, what, of what.
fn aenderungen_text(v: &[programm::WebAenderung]) -> String {
    v.iter()
        .map(|a| {
            format!(
                "  {} {}: {} ({})",
                crate::kern::uhr::datum_de(a.zeit.get(..10).unwrap_or(&a.zeit)),
                a.konto,
                a.art(),
                a.objekt
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `20261204-223000` in German time, for file names.
fn stempel(uhr: &Uhr) -> String {
    uhr.jetzt_berlin().strftime("%Y%m%d-%H%M%S").to_string()
}

/// `ozg backup`.
pub async fn backup(args: &DbArgs, ziel: Option<&Path>) -> Result<ExitCode> {
    let db = args.open().await?;
    let url = args.url()?;
    let uhr = Uhr::system();
    let ziel = ziel.map_or_else(
        || {
            sicherung::standard_ziel(
                &args.data_dir.join("sicherungen"),
                &url,
                &stempel(&uhr),
                "ozg-",
            )
        },
        Path::to_path_buf,
    );
    sicherung::sichern(&db, &url, &ziel).await?;
    db.0.close().await;
    println!("Sicherung geschrieben: {}", ziel.display());
    Ok(ExitCode::SUCCESS)
}

/// `ozg restore`.
pub async fn restore(args: &DbArgs, quelle: &Path) -> Result<ExitCode> {
    let url = args.url()?;
    sicherung::wiederherstellen(&url, quelle, &stempel(&Uhr::system())).await?;
    // The restored database may be older: bring its schema up to date.
    let db = args.open().await?;
    let stand = db.meta("datenstand").await?.unwrap_or_default();
    db.0.close().await;
    println!(
        "Wiederhergestellt aus {} (Datenstand {stand}). Starten Sie jetzt das Portal.",
        quelle.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `ozg check-data`.
pub fn check_data(from: Option<&Path>, show_notes: bool) -> Result<ExitCode> {
    let files = match from {
        Some(dir) => programm::from_dir(dir)?,
        None => programm::builtin(),
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
                crate::kern::zahl::zahl_de(ds.leika.len() as i64),
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
    let Ok(kind) = ListKind::parse(what) else {
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
    let table = programm::full_table(&db, &Uhr::system(), kind)
        .await
        .map_err(meldung)?;
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

/// `ozg report`: the Umsetzungsplan from the data, as PDF, HTML or XLSX, with the options of
/// the portal's download (Themenfelder, variant, Stand, change report).
pub async fn report(
    format: &str,
    output: &Path,
    pairs: &[(String, String)],
    args: &DbArgs,
) -> Result<ExitCode> {
    if !matches!(format, "pdf" | "html" | "xlsx") {
        bail!("unbekanntes Format „{format}“: erlaubt sind pdf, html und xlsx");
    }
    let options = ReportOptions::from_pairs(pairs).map_err(option)?;
    let db = args.open().await?;
    ensure_seeded(&db).await?;
    let uhr = Uhr::system();
    let model = programm::ReadModel::load(&db, String::new()).await?;
    let report = PlanReport::build(&db, &uhr, &model, &options)
        .await
        .map_err(option)?;
    let started = Instant::now();
    let (bytes, detail) = match format {
        "pdf" => {
            let pdf = plan::pdf_setzen(&report, uhr.jetzt())?;
            let n = pdf.seiten;
            (pdf.bytes, format!("{n} Seiten, "))
        }
        "xlsx" => (report.doc.to_xlsx()?, String::new()),
        _ => (
            plan::plan_html(&report, &options)?.into_bytes(),
            String::new(),
        ),
    };
    std::fs::write(output, &bytes)
        .with_context(|| format!("{} nicht schreibbar", output.display()))?;
    println!(
        "Umsetzungsplan ({format}, {detail}{} Bytes, erzeugt in {} ms) nach {} geschrieben.",
        bytes.len(),
        started.elapsed().as_millis(),
        output.display()
    );
    db.0.close().await;
    Ok(ExitCode::SUCCESS)
}

/// A refused report option, named as the shell option (`--stand`).
fn option(e: Fehler) -> anyhow::Error {
    match e {
        Fehler::Ungueltig(f) => {
            let (feld, m) = f.erstes().unwrap_or(("", ""));
            anyhow::anyhow!("Option --{feld}: {m}")
        }
        e => meldung(e),
    }
}

/// `ozg user …`.
#[derive(clap::Subcommand, Debug)]
pub enum BehoerdeCommand {
    /// Legt eine Behörde an, die Anträge über das Portal annimmt.
    Add {
        /// Schlüssel aus den Zuständigkeitsdaten: AGS des Trägers und Amt, z. B. 05566076-allgemein.
        schluessel: String,
        /// Name, z. B. „Stadt Rheine, Bürgerbüro“.
        #[arg(long)]
        name: String,
        /// Postanschrift; Zeilen mit „;“ trennen.
        #[arg(long, default_value = "")]
        anschrift: String,
        /// Funktionspostfach (Benachrichtigung über neue Anträge, ohne Inhalt).
        #[arg(long)]
        email: String,
        /// Format der Antragsnummern, z. B. {DIENST}-{JAHR}-{NR}.
        #[arg(long, default_value = "")]
        nummernformat: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Legt eine Mitarbeiterin oder einen Mitarbeiter einer Behörde an; das Passwort kommt aus
    /// der Umgebungsvariablen OZG_PASSWORT oder von der Standardeingabe.
    Personal {
        /// Schlüssel der Behörde.
        behoerde: String,
        /// E-Mail-Adresse (Anmeldename).
        #[arg(long)]
        email: String,
        /// Name.
        #[arg(long)]
        name: String,
        /// Rolle: sachbearbeitung, leitung, administration.
        #[arg(long)]
        rolle: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `ozg behoerde …`.
pub async fn behoerde(command: BehoerdeCommand) -> Result<ExitCode> {
    let melden = |e: Fehler| -> anyhow::Error {
        match e {
            Fehler::Ungueltig(f) => anyhow::anyhow!(
                "{}",
                f.iter()
                    .map(|(k, m)| format!("{k}: {m}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
            e => anyhow::anyhow!("{e}"),
        }
    };
    match command {
        BehoerdeCommand::Add {
            schluessel,
            name,
            anschrift,
            email,
            nummernformat,
            db,
        } => {
            let db = db.open().await?;
            ensure_seeded(&db).await?;
            let st = AppState::new(db.clone());
            let r = crate::portalkonten::behoerde_anlegen(
                &st,
                &crate::portalkonten::NeueBehoerde {
                    schluessel: schluessel.clone(),
                    name,
                    anschrift: anschrift.replace(';', "\n"),
                    email,
                    nummernformat,
                },
                "shell",
            )
            .await;
            db.0.close().await;
            r.map_err(melden)?;
            println!("Behörde „{schluessel}“ angelegt.");
        }
        BehoerdeCommand::Personal {
            behoerde,
            email,
            name,
            rolle,
            db,
        } => {
            let rolle = ozg_domain::portal::BehoerdenRolle::parse(&rolle)
                .map_err(|m| anyhow::anyhow!(m))?;
            let passwort = match std::env::var("OZG_PASSWORT") {
                Ok(p) => p,
                Err(_) => {
                    let mut p = String::new();
                    std::io::stdin().read_line(&mut p)?;
                    p.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let db = db.open().await?;
            ensure_seeded(&db).await?;
            let st = AppState::new(db.clone());
            let r = crate::portalkonten::mitarbeiter_anlegen(
                &st,
                &crate::portalkonten::NeuerMitarbeiter {
                    behoerde,
                    email: email.clone(),
                    name,
                    rolle,
                    passwort,
                },
                "shell",
            )
            .await;
            db.0.close().await;
            r.map_err(melden)?;
            println!("Konto „{email}“ angelegt; Anmeldung unter /behoerde/anmelden.");
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Subcommand, Debug)]
pub enum UserCommand {
    /// Legt ein Konto an und gibt den Einladungslink aus (7 Tage gültig), mit dem die Person ihr
    /// Passwort festlegt.
    Add {
        /// Benutzername (a–z, 0–9, . - _).
        benutzername: String,
        /// Name der Person.
        #[arg(long)]
        name: String,
        /// E-Mail-Adresse.
        #[arg(long)]
        email: String,
        /// Rolle: koordinierungsstelle, themenfeld-koordinator, mitglied, lenkungsausschuss.
        #[arg(long)]
        rolle: String,
        /// Themenfelder (Kurznamen, mehrfach oder mit Komma) für Koordinatoren.
        #[arg(long = "themenfeld")]
        themenfelder: Vec<String>,
        /// Organisation (Kurzname, z. B. guetersloh).
        #[arg(long, default_value = "")]
        organisation: String,
        /// Adresse des Portals für den Link.
        #[arg(long, env = "OZG_BASIS_URL", default_value = "http://127.0.0.1:8080")]
        basis_url: String,
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `ozg user add`.
pub async fn user(command: UserCommand) -> Result<ExitCode> {
    let UserCommand::Add {
        benutzername,
        name,
        email,
        rolle,
        themenfelder,
        organisation,
        basis_url,
        db,
    } = command;
    let db = db.open().await?;
    ensure_seeded(&db).await?;
    let neu = crate::konten::NeuesKonto {
        benutzername,
        name,
        email,
        rolle,
        organisation,
        themenfelder: themenfelder.join(","),
    };
    let code = match crate::konten::einladen(&db, &Uhr::system(), &neu, "shell").await {
        Ok(token) => {
            println!(
                "Konto „{}“ angelegt. Einladungslink (7 Tage gültig, einmal verwendbar):\n{}/einladung/{token}",
                neu.benutzername,
                basis_url.trim_end_matches('/')
            );
            ExitCode::SUCCESS
        }
        Err(Fehler::Ungueltig(fehler)) => {
            for (feld, m) in fehler.iter() {
                eprintln!("Fehler bei {feld}: {m}");
            }
            eprintln!("Nichts wurde angelegt.");
            ExitCode::FAILURE
        }
        Err(e) => return Err(meldung(e)),
    };
    db.0.close().await;
    Ok(code)
}

/// `ozg stand …`.
#[derive(clap::Subcommand, Debug)]
pub enum StandCommand {
    /// Friert den aktuellen Plan als Stand ein.
    Anlegen {
        /// Name des Stands, z. B. „Vor der Sitzung des IT-Lenkungsausschusses am 10.12.“.
        #[arg(long)]
        name: String,
        #[command(flatten)]
        db: DbArgs,
    },
    /// Listet die gespeicherten Stände.
    Liste {
        #[command(flatten)]
        db: DbArgs,
    },
}

/// `ozg stand anlegen|liste`.
pub async fn stand(command: StandCommand) -> Result<ExitCode> {
    let args = match &command {
        StandCommand::Anlegen { db, .. } | StandCommand::Liste { db } => db,
    };
    let db = args.open().await?;
    ensure_seeded(&db).await?;
    match command {
        StandCommand::Anlegen { name, .. } => {
            let model = programm::ReadModel::load(&db, String::new()).await?;
            let s = plan::stand_anlegen(&db, &Uhr::system(), &model, &name)
                .await
                .map_err(meldung)?;
            println!("{} angelegt.", s.label());
        }
        StandCommand::Liste { .. } => {
            let l = plan::staende(&db).await.map_err(meldung)?;
            if l.is_empty() {
                println!("Keine Stände gespeichert.");
            }
            for s in l {
                println!(
                    "{:>4}  {}  {}",
                    s.id,
                    crate::kern::uhr::datum_de(&s.erstellt),
                    s.name
                );
            }
        }
    }
    db.0.close().await;
    Ok(ExitCode::SUCCESS)
}

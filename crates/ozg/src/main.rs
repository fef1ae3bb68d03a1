//! `ozg`: the OZG-Plattform binary (portal, API and shell tools in one).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use ozg::cli;

/// OZG-Plattform: die Programmdatenbank der kommunalen OZG-Umsetzung in NRW.
#[derive(Parser)]
#[command(name = "ozg", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Startet Portal und API (legt beim ersten Start die Datenbank an und importiert die Daten).
    Serve {
        /// Adresse und Port.
        #[arg(long, env = "OZG_ADDR", default_value = "127.0.0.1:8080")]
        addr: String,
        #[command(flatten)]
        db: cli::DbArgs,
        #[command(flatten)]
        mail: cli::MailArgs,
        #[command(flatten)]
        netz: cli::NetzArgs,
        #[command(flatten)]
        betreiber: cli::BetreiberArgs,
        #[command(flatten)]
        portal: Box<cli::PortalArgs>,
    },
    /// Importiert Referenzdaten und Plandateien (alles oder nichts, in einer Transaktion).
    Import {
        /// Datenordner (Aufbau wie data/ im Repository); ohne Angabe die eingebauten Daten.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Auch importieren, wenn im Portal seit dem letzten Import Daten geändert wurden
        /// (vorher wird eine Sicherung angelegt; diese Änderungen gehen verloren).
        #[arg(long)]
        force: bool,
        #[command(flatten)]
        db: cli::DbArgs,
    },
    /// Sichert die ganze Datenbank in eine Datei (SQLite: Online-Sicherung; PostgreSQL: pg_dump).
    Backup {
        /// Zieldatei; ohne Angabe <Datenverzeichnis>/sicherungen/ozg-<Zeit>.sqlite|pgdump.
        #[arg(long)]
        to: Option<PathBuf>,
        #[command(flatten)]
        db: cli::DbArgs,
    },
    /// Stellt die Datenbank aus einer Sicherung wieder her (Portal vorher beenden).
    Restore {
        /// Die Sicherungsdatei (von `ozg backup`).
        #[arg(long)]
        from: PathBuf,
        #[command(flatten)]
        db: cli::DbArgs,
    },
    /// Exportiert eine Liste als JSON oder CSV.
    Export {
        /// Was: themenfelder, lagen, ozg-leistungen, leika-leistungen, organisationen, umsetzungsprojekte.
        what: String,
        /// Format: json oder csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// Zieldatei; ohne Angabe die Standardausgabe.
        #[arg(long, short)]
        output: Option<PathBuf>,
        #[command(flatten)]
        db: cli::DbArgs,
    },
    /// Erzeugt den Umsetzungsplan aus den Daten (PDF, HTML oder XLSX).
    Report {
        /// Format: pdf, html oder xlsx.
        #[arg(long, default_value = "pdf")]
        format: String,
        /// Zieldatei.
        #[arg(long, short)]
        output: PathBuf,
        /// Nur diese Themenfelder (Kurzname wie „familie-kind“; mehrfach oder mit Komma).
        #[arg(long = "themenfeld")]
        themenfelder: Vec<String>,
        /// Fassung: oeffentlich (Standard) oder mitglieder (mit internen Angaben).
        #[arg(long, default_value = "oeffentlich")]
        variante: String,
        /// Stand: „aktuell“, Nummer eines gespeicherten Stands oder Datum (JJJJ-MM-TT).
        #[arg(long)]
        stand: Option<String>,
        /// Änderungsbericht seit diesem Stand (Nummer oder Datum) voranstellen.
        #[arg(long)]
        seit: Option<String>,
        #[command(flatten)]
        db: cli::DbArgs,
    },
    /// Plan-Stände: den Plan einfrieren (z. B. vor einer Sitzung) und die Stände auflisten.
    Stand {
        #[command(subcommand)]
        command: cli::StandCommand,
    },
    /// Konten des Mitgliederbereichs (Einladung auf der Kommandozeile).
    User {
        #[command(subcommand)]
        command: cli::UserCommand,
    },
    /// Behörden des Bürgerportals und ihr Personal.
    Behoerde {
        #[command(subcommand)]
        command: cli::BehoerdeCommand,
    },
    /// Kita-Platzvergabe (Zuteilung per Matching-Algorithmus).
    Kita {
        #[command(subcommand)]
        command: ozg::kita::KitaCommand,
    },
    /// Prüft die Datendateien und meldet jedes Problem mit Datei, Zeile und Grund.
    CheckData {
        /// Datenordner; ohne Angabe die eingebauten Daten.
        #[arg(long)]
        from: Option<PathBuf>,
        /// Auch Hinweise ausgeben (nicht nur Fehler).
        #[arg(long)]
        hinweise: bool,
    },
}

fn main() -> ExitCode {
    cli::init_tracing();
    let args = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Fehler: Laufzeitumgebung nicht startbar: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = rt.block_on(async move {
        match args.command {
            Command::Serve {
                addr,
                db,
                mail,
                netz,
                betreiber,
                portal,
            } => cli::serve(&addr, &db, &mail, &netz, &betreiber, &portal).await,
            Command::Import { from, force, db } => cli::import(from.as_deref(), &db, force).await,
            Command::Backup { to, db } => cli::backup(&db, to.as_deref()).await,
            Command::Restore { from, db } => cli::restore(&db, &from).await,
            Command::Export {
                what,
                format,
                output,
                db,
            } => cli::export(&what, &format, output.as_deref(), &db).await,
            Command::CheckData { from, hinweise } => cli::check_data(from.as_deref(), hinweise),
            Command::Kita { command } => ozg::kita::run(command),
            Command::Report {
                format,
                output,
                themenfelder,
                variante,
                stand,
                seit,
                db,
            } => {
                let mut pairs: Vec<(String, String)> = themenfelder
                    .into_iter()
                    .map(|t| ("themenfeld".to_owned(), t))
                    .collect();
                pairs.push(("variante".into(), variante));
                pairs.extend(stand.map(|s| ("stand".to_owned(), s)));
                pairs.extend(seit.map(|s| ("seit".to_owned(), s)));
                cli::report(&format, &output, &pairs, &db).await
            }
            Command::Stand { command } => cli::stand(command).await,
            Command::User { command } => cli::user(command).await,
            Command::Behoerde { command } => cli::behoerde(command).await,
        }
    });
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Fehler: {e:#}");
            ExitCode::FAILURE
        }
    }
}

//! The virus scan of uploads: a configurable command (`ozg serve --virenpruefung "clamscan
//! --no-summary -d /var/lib/clamav -"`) reads the file on standard input; exit status 0 means
//! clean, 1 means found, anything else is a failed scan. A failed scan refuses the upload
//! (fail closed): a file nobody could check is not taken.

use std::process::Stdio;
use std::time::Duration;

use crate::kern::ablage::Eingang;
use crate::kern::zustand::AppState;

/// The configured command (program and arguments), if any.
#[derive(Debug, Clone, Default)]
pub struct Virenpruefung(pub Option<Vec<String>>);

impl Virenpruefung {
    /// From the command line's text (split at spaces; empty: no scan).
    pub fn aus_text(befehl: &str) -> Virenpruefung {
        let teile: Vec<String> = befehl.split_whitespace().map(str::to_owned).collect();
        Virenpruefung((!teile.is_empty()).then_some(teile))
    }
}

/// How long a scan may take.
const HOECHSTENS: Duration = Duration::from_secs(60);

/// At most two scans at a time with eight waiting (per instance): every scan is a process,
/// and anyone may upload to a draft, so a flood of uploads must not start a flood of
/// scanners. Beyond that the upload is refused with 429.
pub struct Pruefplaetze(crate::kern::warteschlange::Warteschlange);

impl Default for Pruefplaetze {
    fn default() -> Self {
        Pruefplaetze(crate::kern::warteschlange::Warteschlange::new(2, 8))
    }
}

/// Why an upload was refused by the scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Befund {
    /// The scanner found something.
    Schadsoftware,
    /// The scan did not work (the message is for the log).
    Fehlgeschlagen(String),
    /// Too many scans at once: try again shortly.
    Ausgelastet,
}

impl Befund {
    /// The message for the person who uploaded.
    pub fn meldung(&self) -> &'static str {
        match self {
            Befund::Schadsoftware => {
                "Die Virenprüfung hat in der Datei Schadsoftware gefunden. Die Datei wurde nicht angenommen."
            }
            Befund::Fehlgeschlagen(_) => {
                "Die Datei konnte gerade nicht auf Viren geprüft werden und wurde deshalb nicht angenommen. Bitte versuchen Sie es später erneut."
            }
            Befund::Ausgelastet => {
                "Gerade werden sehr viele Dateien geprüft. Bitte versuchen Sie es in einer Minute erneut."
            }
        }
    }
}

/// Scans an upload (complete, in the intake) with the configured command; without one, every
/// file passes.
pub async fn pruefen(st: &AppState, e: &Eingang) -> Result<(), Befund> {
    let cfg = st.erweiterung::<Virenpruefung>();
    let Some(befehl) = cfg.0.as_ref() else {
        return Ok(());
    };
    let plaetze = st.erweiterung::<Pruefplaetze>();
    let _platz = plaetze
        .0
        .platz(Duration::from_secs(30))
        .await
        .map_err(|_| Befund::Ausgelastet)?;
    let datei = std::fs::File::open(e.pfad())
        .map_err(|x| Befund::Fehlgeschlagen(format!("Eingang nicht lesbar: {x}")))?;
    let kind = tokio::process::Command::new(&befehl[0])
        .args(&befehl[1..])
        .stdin(Stdio::from(datei))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|x| Befund::Fehlgeschlagen(format!("{} startet nicht: {x}", befehl[0])))?;
    let aus = tokio::time::timeout(HOECHSTENS, kind.wait_with_output())
        .await
        .map_err(|_| Befund::Fehlgeschlagen("Zeitüberschreitung".into()))?
        .map_err(|x| Befund::Fehlgeschlagen(x.to_string()))?;
    match aus.status.code() {
        Some(0) => Ok(()),
        Some(1) => {
            tracing::warn!(
                "Virenprüfung: Fund ({})",
                String::from_utf8_lossy(&aus.stdout).trim()
            );
            Err(Befund::Schadsoftware)
        }
        c => {
            let m = format!(
                "Rückgabe {c:?}: {}",
                String::from_utf8_lossy(&aus.stderr).trim()
            );
            tracing::error!("Virenprüfung fehlgeschlagen: {m}");
            Err(Befund::Fehlgeschlagen(m))
        }
    }
}

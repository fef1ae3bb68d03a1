//! Scheduled tasks: work that happens because time passed (an Umlaufverfahren reaches its
//! deadline, sessions expire), never because someone read a page. Each capability registers
//! its tasks; `ozg serve` runs each at its interval. A task must be idempotent and safe to run
//! on several instances at once (a guarded write decides which instance records a result).

use std::time::Duration;

use crate::kern::fehler::Fehler;
use crate::kern::zustand::{AppState, Zukunft};

/// A task run every `takt`.
#[derive(Clone, Copy)]
pub struct Aufgabe {
    /// Name (for the log).
    pub name: &'static str,
    /// How often.
    pub takt: Duration,
    /// What it does.
    pub lauf: fn(AppState) -> Zukunft<'static, Result<(), Fehler>>,
}

/// Runs every task once, in order (tests, and the first tick after start).
pub async fn einmal(st: &AppState, aufgaben: &[Aufgabe]) -> Result<(), Fehler> {
    for a in aufgaben {
        (a.lauf)(st.clone()).await?;
    }
    Ok(())
}

/// Starts every task on its own timer; errors are logged and the task runs again next time.
pub fn starten(st: &AppState, aufgaben: &[Aufgabe]) {
    for a in aufgaben.iter().copied() {
        let st = st.clone();
        tokio::spawn(async move {
            let mut takt = tokio::time::interval(a.takt);
            takt.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                takt.tick().await;
                if let Err(e) = (a.lauf)(st.clone()).await {
                    tracing::warn!("Aufgabe {} fehlgeschlagen: {e}", a.name);
                }
            }
        });
    }
}

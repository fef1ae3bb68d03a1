//! The application state every handler gets: the database handle, the clock, outgoing mail,
//! the attachment store, the declared routes, and per-capability caches.
//!
//! Nothing here is state another instance would need: caches are derived from the database
//! and rebuilt when its revision changes, so any number of instances can serve one
//! PostgreSQL database.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, RwLock};

use ozg_domain::netz::Netz;

use crate::kern::ablage::Ablage;
use crate::kern::db::Db;
use crate::kern::mail::SmtpConfig;
use crate::kern::schreibrouten::RoutenTabelle;
use crate::kern::uhr::Uhr;

/// A boxed future (what registered functions return).
pub type Zukunft<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    /// Database.
    pub db: Db,
    /// The clock (German time).
    pub uhr: Uhr,
    /// Outgoing mail (None: sending is not configured).
    pub mail: Option<Arc<SmtpConfig>>,
    /// The portal's public address, for links in e-mails.
    pub basis_url: Arc<str>,
    /// Where attachments are stored (outside anything served directly).
    pub ablage: Ablage,
    /// Whether to send `Strict-Transport-Security` (the portal is reached over HTTPS only).
    pub hsts: bool,
    /// Reverse proxies whose forwarding headers are believed (see [`crate::kern::adresse`]).
    pub proxies: Arc<[Netz]>,
    /// The header those proxies write (only that one is read).
    pub proxy_kopf: ozg_domain::netz::ProxyKopf,
    /// Every write route with the action it needs (filled when the portal is built).
    pub routen: Arc<RoutenTabelle>,
    erweiterungen: Arc<RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>>,
}

impl AppState {
    /// New state on `db` with the system clock.
    pub fn new(db: Db) -> Self {
        AppState {
            ablage: Ablage::fuer(&db, "./ozg-daten/anhaenge".into()),
            db,
            uhr: Uhr::system(),
            mail: None,
            basis_url: Arc::from("http://127.0.0.1:8080"),
            hsts: false,
            proxies: Arc::from(Vec::new()),
            proxy_kopf: ozg_domain::netz::ProxyKopf::default(),
            routen: Arc::default(),
            erweiterungen: Arc::default(),
        }
    }

    /// The same state with attachments stored in `dir`.
    pub fn with_ablage(mut self, dir: std::path::PathBuf) -> Self {
        self.ablage = Ablage::fuer(&self.db, dir);
        self
    }

    /// The same state with outgoing mail and the public address for links.
    pub fn with_mail(mut self, mail: Option<SmtpConfig>, basis_url: &str) -> Self {
        self.mail = mail.map(Arc::new);
        self.basis_url = Arc::from(basis_url.trim_end_matches('/'));
        self
    }

    /// The same state with `Strict-Transport-Security` on every answer.
    pub fn with_hsts(mut self, hsts: bool) -> Self {
        self.hsts = hsts;
        self
    }

    /// The same state behind these reverse proxies, which write the header `kopf`.
    pub fn with_proxies(mut self, proxies: Vec<Netz>, kopf: ozg_domain::netz::ProxyKopf) -> Self {
        self.proxies = Arc::from(proxies);
        self.proxy_kopf = kopf;
        self
    }

    /// The same state with another clock (tests).
    pub fn with_uhr(mut self, uhr: Uhr) -> Self {
        self.uhr = uhr;
        self
    }

    /// Puts `wert` into the extensions (what the portal registers when it is built).
    pub fn erweiterung_setzen<T: Send + Sync + 'static>(&self, wert: T) {
        self.erweiterungen
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(TypeId::of::<T>(), Arc::new(wert));
    }

    /// A capability's cache of type `T`, created empty on first use; one per state, so two
    /// portals in one process (tests) never share one.
    pub fn erweiterung<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let id = TypeId::of::<T>();
        if let Some(e) = self
            .erweiterungen
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(&id)
            .and_then(|e| e.clone().downcast::<T>().ok())
        {
            return e;
        }
        let mut map = self
            .erweiterungen
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let e = map
            .entry(id)
            .or_insert_with(|| Arc::new(T::default()) as Arc<dyn Any + Send + Sync>)
            .clone();
        e.downcast::<T>().unwrap_or_else(|_| Arc::new(T::default()))
    }
}

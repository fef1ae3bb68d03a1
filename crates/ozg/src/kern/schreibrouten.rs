//! The table of every write route with the action it needs, built from the route
//! declarations ([`crate::kern::routen::Routen::schreiben`]) and read by every form's
//! permission check.

use ozg_domain::access::Aktion;

/// A write route: its path pattern and the action it needs (`None`: open to everyone, e.g.
/// the login form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchreibRoute {
    /// Path pattern as declared (`/projekte/{slug}/bearbeiten`).
    pub pfad: &'static str,
    /// Required action.
    pub aktion: Option<Aktion>,
}

/// Every write route of the portal.
#[derive(Debug, Default)]
pub struct RoutenTabelle(Vec<SchreibRoute>);

impl RoutenTabelle {
    /// The table of these routes.
    pub fn new(routen: Vec<SchreibRoute>) -> RoutenTabelle {
        RoutenTabelle(routen)
    }

    /// The action a write route needs: `None` if `pfad` is no write route, `Some(None)` if it
    /// is open to everyone.
    pub fn aktion(&self, pfad: &str) -> Option<Option<Aktion>> {
        self.0.iter().find(|r| r.pfad == pfad).map(|r| r.aktion)
    }

    /// All write routes in declaration order.
    pub fn alle(&self) -> &[SchreibRoute] {
        &self.0
    }
}

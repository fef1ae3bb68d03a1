//! The table of every write route with the access it needs, and of the read routes that are
//! for citizens or staff only, built from the route declarations
//! ([`crate::kern::routen::Routen`]) and read by every form's permission check and by the
//! portal's extractor ([`crate::kern::person::Portal`]).

use ozg_domain::access::Aktion;
use ozg_domain::portal::BehoerdenAktion;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zugang {
    /// Everyone (e.g. the login form, the public form of a service).
    Offen,
    /// A member of the programme database's area whose role allows the action.
    Mitglied(Aktion),
    /// A citizen logged in to the portal.
    Buerger,
    /// Staff of an authority whose role allows the action (within their own authority).
    Behoerde(BehoerdenAktion),
    /// Another system posts here (the IdP's SAML answer, a payment notification): no session
    /// and no CSRF token, the handler checks the message's own signature and refuses (403)
    /// whatever it cannot verify.
    Extern,
}

impl Zugang {
    /// The members' action, if it is a members' route.
    pub fn aktion(self) -> Option<Aktion> {
        match self {
            Zugang::Mitglied(a) => Some(a),
            _ => None,
        }
    }
}

impl From<Option<Aktion>> for Zugang {
    fn from(a: Option<Aktion>) -> Zugang {
        a.map_or(Zugang::Offen, Zugang::Mitglied)
    }
}

/// A route: its path pattern and who may use it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SchreibRoute {
    /// Path pattern as declared (`/projekte/{slug}/bearbeiten`).
    pub pfad: &'static str,
    /// Who may use it.
    pub zugang: Zugang,
}

impl SchreibRoute {
    /// The members' action it needs (`None`: no members' action).
    pub fn aktion(&self) -> Option<Aktion> {
        self.zugang.aktion()
    }
}

/// Every write route of the portal, and the read routes restricted to citizens or staff.
#[derive(Debug, Default)]
pub struct RoutenTabelle {
    schreibend: Vec<SchreibRoute>,
    lesend: Vec<SchreibRoute>,
}

impl RoutenTabelle {
    /// The table of these routes.
    pub fn new(schreibend: Vec<SchreibRoute>, lesend: Vec<SchreibRoute>) -> RoutenTabelle {
        RoutenTabelle { schreibend, lesend }
    }

    /// Who may use a write route: `None` if `pfad` is no write route.
    pub fn zugang(&self, pfad: &str) -> Option<Zugang> {
        self.schreibend
            .iter()
            .find(|r| r.pfad == pfad)
            .map(|r| r.zugang)
    }

    /// Who may read a restricted read route: `None` if it is open.
    pub fn zugang_lesen(&self, pfad: &str) -> Option<Zugang> {
        self.lesend
            .iter()
            .find(|r| r.pfad == pfad)
            .map(|r| r.zugang)
    }

    /// All write routes in declaration order.
    pub fn alle(&self) -> &[SchreibRoute] {
        &self.schreibend
    }

    /// The restricted read routes in declaration order.
    pub fn lesend(&self) -> &[SchreibRoute] {
        &self.lesend
    }
}

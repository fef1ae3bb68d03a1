//! The kinds of record of the committees in the audit log and as owners of attachments.

use crate::kern::audit::Art;

/// A workshop (`workshop:<id>`), also the owner of its photo protocol.
pub const WORKSHOP: Art = Art("workshop");
/// A meeting of the IT-Lenkungsausschuss (`sitzung:<id>`).
pub const SITZUNG: Art = Art("sitzung");

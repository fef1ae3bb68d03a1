//! The kinds of record of the programme database in the audit log and as owners of
//! attachments.

use crate::kern::audit::Art;

/// A project (`projekt:<slug>`).
pub const PROJEKT: Art = Art("projekt");
/// An organisation (`organisation:<slug>`).
pub const ORGANISATION: Art = Art("organisation");
/// The Steckbrief of a project, owner of its attachments (`steckbrief:<slug>`).
pub const STECKBRIEF: Art = Art("steckbrief");

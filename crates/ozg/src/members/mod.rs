//! The members' area: accounts and roles, login with database sessions, CSRF protection,
//! the audit log, and the first member actions (freezing a Stand, the members' plan variant).
//! The permission rules themselves are pure and live in `ozg_domain::access`.

pub mod accounts;
pub mod audit;
pub mod web;

//! OZG-Plattform: the programme database of the municipal OZG implementation in NRW.
//!
//! - [`db`]: the storage trait with SQLite and PostgreSQL, the schema and the import.
//! - [`programme`]: catalogue, organisations, projects, search, timeline (queries and views).
//! - [`web`]: the server-rendered portal; [`api`]: the JSON API and OpenAPI document.
//! - [`members`]: accounts, login, sessions, CSRF, audit log (the members' area).
//! - [`mail`]: e-mail through SMTP (invitations to project pre-meetings).
//! - [`cli`]: the shell commands; [`data_files`]: the built-in reference data.

pub mod api;
pub mod cli;
pub mod data_files;
pub mod db;
pub mod mail;
pub mod members;
#[cfg(test)]
mod plan_checks;
pub mod programme;
pub mod web;

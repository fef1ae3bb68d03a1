//! The integration tests, in one binary (linking it once is what costs time): HTTP stories of
//! every capability against the real application on SQLite and PostgreSQL, end-to-end journeys
//! in Chromium, and the checks of the architecture and of every SQL statement.

#[macro_use]
mod support;

mod absturz;
mod antraege;
mod architektur;
mod betrieb;
mod e2e;
mod e2e_antraege;
mod e2e_ux;
mod fuzz;
mod gremien;
mod hinweise;
mod kern;
mod konten;
mod portalkonten;
mod programm;
mod sql_statements;
mod umsetzungsplan;

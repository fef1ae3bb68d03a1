//! HTTP stories of the programme database.

mod bearbeiten;
mod beteiligung;
mod katalog;

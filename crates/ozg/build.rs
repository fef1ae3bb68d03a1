//! The reference data under `data/` is embedded with `include_dir!`, which cargo cannot see:
//! rebuild whenever anything in that folder changes.
fn main() {
    println!("cargo:rerun-if-changed=../../data");
    println!("cargo:rerun-if-changed=migrations");
}

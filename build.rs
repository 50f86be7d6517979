//! Rebuilds when a migration is added or changed: they are embedded in the
//! binary (`diesel_migrations::embed_migrations!`), and cargo would not
//! otherwise notice a new directory under `migrations/`.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

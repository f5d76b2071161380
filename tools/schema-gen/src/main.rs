//! `cargo run -p session_schema_gen`: rewrites the generated schema, Python and TypeScript files
//! (docs/schema/, the Python package's `_types.py`, the Node package's `result.d.ts`) from the
//! Rust types, and says which ones changed.

use std::path::Path;

fn main() -> std::io::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    for file in session_schema_gen::generate() {
        let path = root.join(file.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(file.contents.as_str()) {
            continue;
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, &file.contents)?;
        println!("wrote {}", file.path);
    }
    Ok(())
}

//! The checked-in schema, Python and TypeScript files are what the Rust types generate now.

use std::path::Path;

#[test]
fn generated_result_types_are_current() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let stale: Vec<&str> = session_schema_gen::generate()
        .iter()
        .filter(|file| std::fs::read_to_string(root.join(file.path)).ok().as_deref() != Some(file.contents.as_str()))
        .map(|file| file.path)
        .collect();
    assert!(
        stale.is_empty(),
        "generated from the Rust types, but out of date: {}\nregenerate them with `{}` and commit the result",
        stale.join(", "),
        session_schema_gen::REGENERATE,
    );
}

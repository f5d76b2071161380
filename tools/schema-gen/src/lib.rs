//! The JSON Schema of the result and of each stored artifact, and the Python and TypeScript
//! types of the bindings, generated from the Rust types with `schemars` (decision 029).
//!
//! [`generate`] returns every file with its path in the repository; `cargo run -p
//! session_schema_gen` writes them, and the test `generated_result_types_are_current` fails when
//! a checked-in copy differs.

mod python;
mod schema_walk;
mod typescript;

use schemars::JsonSchema;
use schemars::generate::SchemaSettings;
use serde_json::{Map, Value};
use session_processing::livekit::WebhookDelivery;
use session_processing::session_reasoning::Analysis;
use session_processing::session_scoring::CombinedScore;
use session_processing::session_transcribe::Transcript;
use session_processing::{
    Engagement, FrameCheck, Manifest, Quality, SafetyEvent, SafetyScan, SessionResult, SessionTimeline, Stored,
    StoredSafetyEvent,
};

/// The command that rewrites the generated files.
pub const REGENERATE: &str = "cargo run -p session_schema_gen";

/// One generated file: its path from the repository's root, and what it holds.
pub struct GeneratedFile {
    pub path: &'static str,
    pub contents: String,
}

/// Every generated file.
pub fn generate() -> Vec<GeneratedFile> {
    let mut files = vec![
        schema_file::<SessionResult>("docs/schema/session-result.schema.json"),
        schema_file::<Manifest>("docs/schema/manifest.schema.json"),
        schema_file::<Quality>("docs/schema/quality.schema.json"),
        schema_file::<Engagement>("docs/schema/engagement.schema.json"),
        schema_file::<Stored<CombinedScore>>("docs/schema/combined-score.schema.json"),
        schema_file::<Stored<SafetyScan>>("docs/schema/safety-scan.schema.json"),
        schema_file::<Stored<Analysis>>("docs/schema/analysis.schema.json"),
        schema_file::<SafetyEvent>("docs/schema/safety-event.schema.json"),
        schema_file::<Stored<Transcript>>("docs/schema/transcript.schema.json"),
        schema_file::<Stored<SessionTimeline>>("docs/schema/timeline.schema.json"),
        schema_file::<WebhookDelivery>("docs/schema/webhook-delivery.schema.json"),
    ];
    let definitions = definitions();
    let python = python::render(&definitions);
    files.push(GeneratedFile { path: "bindings/python/python/session_monitor/_types.py", contents: python });
    files.push(GeneratedFile { path: "bindings/node/result.d.ts", contents: typescript::render(&definitions) });
    files
}

/// Schemas of what is serialised (a field skipped when empty is optional, one with a default
/// but always written is required).
fn settings() -> SchemaSettings {
    SchemaSettings::draft2020_12().for_serialize()
}

fn schema_file<T: JsonSchema>(path: &'static str) -> GeneratedFile {
    let schema = settings().into_generator().into_root_schema_for::<T>();
    let mut contents = serde_json::to_string_pretty(schema.as_value()).expect("a schema serialises");
    contents.push('\n');
    GeneratedFile { path, contents }
}

/// Every named type the result and the artifacts use, by name (sorted).
fn definitions() -> Map<String, Value> {
    let mut generator = settings().into_generator();
    generator.subschema_for::<SessionResult>();
    generator.subschema_for::<Manifest>();
    generator.subschema_for::<SafetyEvent>();
    generator.subschema_for::<StoredSafetyEvent>();
    generator.subschema_for::<FrameCheck>();
    generator.subschema_for::<WebhookDelivery>();
    generator.take_definitions(true)
}

/// The header of the generated source files.
fn banner(comment: &str) -> String {
    format!(
        "{comment} Generated from the Rust types by `{REGENERATE}` (tools/schema-gen); do not edit.\n\
         {comment} The JSON Schema of the same types is in docs/schema/.\n"
    )
}

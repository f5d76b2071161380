//! Hugging Face hub ids: the local hub cache, the hub settings, resolving an id to a model
//! folder, and (with the `hub-download` feature) downloading what the cache lacks.

pub mod hub_cache;
#[cfg(feature = "hub-download")]
pub(crate) mod hub_download;
pub mod hub_model;
pub(crate) mod hub_settings;

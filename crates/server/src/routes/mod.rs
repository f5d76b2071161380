//! The HTTP routes, one file per area.

pub mod ops;
pub mod page;
pub mod sessions;
pub mod webhook;

//! `CancelToken`: a JavaScript handle on the core's `CancelFlag`.

use napi_derive::napi;
use session_processing::CancelFlag;

/// Stops a run: `cancel()` asks every run holding this token to stop at its next buffer or
/// stage; the run then rejects with `code === "cancelled"` and its manifest says `failed`.
/// A token stays cancelled; use a new one per run. `SessionProcessor.process` makes one for
/// its `signal` option.
#[napi]
#[derive(Default)]
pub struct CancelToken {
    pub(crate) flag: CancelFlag,
}

#[napi]
impl CancelToken {
    #[napi(constructor)]
    pub fn new() -> Self {
        Self::default()
    }

    #[napi]
    pub fn cancel(&self) {
        self.flag.cancel();
    }

    /// Whether `cancel()` has been called.
    #[napi(getter)]
    pub fn cancelled(&self) -> bool {
        self.flag.is_cancelled()
    }
}

//! For hosts of the library — the Python and Node bindings, a web server — that call it from
//! threads and runtimes of their own: work runs on the library's runtime, and no panic crosses
//! back (it becomes an `internal` [`ProcessingError`]).

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::{ProcessingError, runtime};

/// Calls `work` on this thread; a panic becomes an `internal` error.
pub fn guarded<T>(work: impl FnOnce() -> Result<T, ProcessingError>) -> Result<T, ProcessingError> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| Err(ProcessingError::from_panic(panic)))
}

/// Runs `work` on the library's runtime and blocks this thread until it ends; a panic becomes an
/// `internal` error. Call it from a thread that is not itself driving an async runtime.
pub fn block_on<T: Send + 'static>(
    work: impl Future<Output = Result<T, ProcessingError>> + Send + 'static,
) -> Result<T, ProcessingError> {
    guarded(|| runtime()?.block_on(spawn(work)))
}

/// Starts `work` on the library's runtime at once; the future returned (await it on any
/// executor) ends with its outcome, a panic in it becoming an `internal` error.
pub fn spawn<T: Send + 'static>(
    work: impl Future<Output = Result<T, ProcessingError>> + Send + 'static,
) -> impl Future<Output = Result<T, ProcessingError>> + Send + 'static {
    let task = runtime().map(|runtime| runtime.spawn(work));
    async move {
        match task?.await {
            Ok(outcome) => outcome,
            Err(join) if join.is_panic() => Err(ProcessingError::from_panic(join.into_panic())),
            Err(join) => Err(ProcessingError::Internal(format!("the work was lost on the library's runtime: {join}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_internal_error_on_every_path() {
        let direct = guarded::<()>(|| panic!("in the caller's thread"));
        assert_eq!(direct.unwrap_err().to_string(), "internal error: the pipeline panicked: in the caller's thread");
        let blocked = block_on::<()>(async { panic!("on the runtime") });
        assert_eq!(blocked.unwrap_err().to_string(), "internal error: the pipeline panicked: on the runtime");
        let awaited = futures::executor::block_on(spawn::<()>(async { panic!("awaited elsewhere") }));
        assert_eq!(awaited.unwrap_err().kind(), "internal");
        assert_eq!(block_on(async { Ok(7) }).unwrap(), 7);
    }
}

//! SIGINT and SIGTERM cancel the run through its `CancelFlag`; a second signal exits at once.

use session_processing::{CancelFlag, ProcessingError, runtime};
use tokio::signal::unix::{SignalKind, signal};

/// Watches SIGINT and SIGTERM on the library's runtime. The first raises `cancel`: the run stops
/// at its next buffer or stage, writes its manifest as `failed` (cancelled) and removes its
/// temporary files. A second exits with status 130 without waiting.
pub fn cancel_on_signals(cancel: &CancelFlag) -> Result<(), ProcessingError> {
    let runtime = runtime()?;
    let _entered = runtime.enter();
    let listen =
        |kind| signal(kind).map_err(|e| ProcessingError::Internal(format!("cannot listen for SIGINT/SIGTERM: {e}")));
    let (mut interrupt, mut terminate) = (listen(SignalKind::interrupt())?, listen(SignalKind::terminate())?);
    let cancel = cancel.clone();
    runtime.spawn(async move {
        for received in 0.. {
            let name = tokio::select! {
                _ = interrupt.recv() => "SIGINT",
                _ = terminate.recv() => "SIGTERM",
            };
            if received > 0 {
                eprintln!("\nerror: {name} again: stopping without cleaning up");
                std::process::exit(130);
            }
            eprintln!("\n{name}: cancelling the run (send it again to stop at once)");
            cancel.cancel();
        }
    });
    Ok(())
}

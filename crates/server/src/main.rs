//! `session-monitor-server serve | worker | migrate`: settings from the environment (see
//! README.md), logs to stderr (`SESSION_MONITOR_LOG`, default `info`).

use std::net::SocketAddr;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use session_monitor_server::app::{AppState, router};
use session_monitor_server::config::{ServerConfig, redact_password};
use session_monitor_server::error::ServerError;
use session_monitor_server::jobs::WorkerState;
use session_monitor_server::livekit_calls::LiveKitCalls;
use session_monitor_server::metrics::Metrics;
use session_monitor_server::{db, reconcile, room_monitor, workers};
use session_transcribe::HuggingFaceInference;
use tokio::sync::watch;

#[derive(Parser)]
#[command(
    name = "session-monitor-server",
    version,
    about = "Session Monitor's platform: API, webhooks, queue and workers"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The HTTP API and, unless --api-only, workers in the same process.
    Serve {
        /// Run no workers here (they run as `worker` processes elsewhere).
        #[arg(long)]
        api_only: bool,
    },
    /// Workers only: take jobs from the queue until stopped (SIGINT/SIGTERM).
    Worker,
    /// Create or update the database tables and the job queue, then exit.
    Migrate,
}

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SESSION_MONITOR_LOG").unwrap_or_else(|_| "info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => exit_with(ServerError::Config(format!("cannot start the async runtime: {error}"))),
    };
    if let Err(error) = runtime.block_on(run(cli.command)) {
        exit_with(error);
    }
}

fn exit_with(error: ServerError) -> ! {
    eprintln!("error: {error}");
    std::process::exit(1);
}

async fn run(command: Command) -> Result<(), ServerError> {
    let config = Arc::new(ServerConfig::from_env()?);
    let pool = db::connect(&config.database_url).await?;
    db::migrate(&pool).await?;
    tracing::info!(database = %redact_password(&config.database_url), "database ready");
    let (stop_tx, stop_rx) = watch::channel(false);
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("stopping");
        let _ = stop_tx.send(true);
    });
    let metrics = Arc::new(Metrics::default());
    match command {
        Command::Migrate => Ok(()),
        Command::Worker => run_workers(config, pool, metrics, stop_rx).await,
        Command::Serve { api_only } => {
            if let Some(monitor) = &config.monitor {
                room_monitor::check_python(monitor).await?;
            }
            let state = AppState::new(pool.clone(), config.clone(), metrics.clone())?;
            let address: SocketAddr = format!("{}:{}", config.bind_address, config.port).parse().map_err(|_| {
                ServerError::Config(format!("BIND_ADDRESS {:?} is not an IP address", config.bind_address))
            })?;
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| ServerError::Config(format!("cannot listen on {address} (PORT): {e}")))?;
            tokio::spawn(reconcile::run(state.clone(), stop_rx.clone()));
            let workers = (!api_only).then(|| tokio::spawn(run_workers(config, pool, metrics, stop_rx.clone())));
            tracing::info!(%address, workers = workers.is_some(), "listening");
            println!("session-monitor-server listening on http://{address}");
            axum::serve(listener, router(state))
                .with_graceful_shutdown(stopped(stop_rx))
                .await
                .map_err(|e| ServerError::Config(format!("the HTTP server failed: {e}")))?;
            if let Some(workers) = workers {
                workers.await.map_err(|e| ServerError::Queue(e.to_string()))??;
            }
            Ok(())
        }
    }
}

async fn run_workers(
    config: Arc<ServerConfig>,
    pool: sqlx::PgPool,
    metrics: Arc<Metrics>,
    stop: watch::Receiver<bool>,
) -> Result<(), ServerError> {
    let processor_config = config.processor.clone();
    let hf_inference = config.hf_inference.clone();
    tracing::info!(?processor_config, ?hf_inference, "loading models");
    let processor = tokio::task::spawn_blocking(move || {
        let builder = processor_config.builder()?;
        let builder = match hf_inference {
            // No WHISPER_MODEL, a HUGGINGFACE_ACCESS_TOKEN: the Inference API transcribes.
            Some(settings) => builder.transcriber(Arc::new(
                HuggingFaceInference::new(settings).map_err(|e| ServerError::Config(e.to_string()))?,
            )),
            None => builder,
        };
        Ok::<_, ServerError>(builder.build())
    })
    .await
    .map_err(|e| ServerError::Config(format!("loading the models failed: {e}")))??;
    let state =
        Arc::new(WorkerState { pool, livekit: LiveKitCalls::new(&config.livekit)?, config, processor, metrics });
    workers::run(state, stopped(stop)).await
}

async fn stopped(mut stop: watch::Receiver<bool>) {
    let _ = stop.wait_for(|stopped| *stopped).await;
}

async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

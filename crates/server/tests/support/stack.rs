//! The whole platform with every part real: Redis, livekit-server sending its webhooks to our
//! server, LiveKit Egress uploading to the loopback S3 server, Postgres, and
//! `session-monitor-server serve` (API and workers).

use std::time::{Duration, Instant};

use object_store::ObjectStore;
use serde_json::json;
use session_processing::livekit::{AccessToken, VideoGrants};
use session_testkit::livekit_server::LiveKitServer;
use session_testkit::{EgressService, RedisServer, S3Server};

use super::relay::WebhookRelay;
use super::{API_KEY, API_SECRET, Platform, ServerProcess, http_get};

pub const BUCKET: &str = "recordings";

pub struct Stack {
    pub platform: Platform,
    pub s3: S3Server,
    pub livekit: LiveKitServer,
    // Dropped first: the recorders, then the server, then what they use.
    pub egress: EgressService,
    pub server: ServerProcess,
    /// Between LiveKit and the server when deliveries are to be lost.
    pub relay: Option<WebhookRelay>,
    _redis: RedisServer,
}

impl Stack {
    pub fn start() -> Stack {
        Self::start_with(|_| {})
    }

    /// As [`Stack::start`], with `configure` changing the server's settings before it starts.
    pub fn start_with(configure: impl FnOnce(&mut Platform)) -> Stack {
        Self::start_losing(&[], configure)
    }

    /// As [`Stack::start_with`], with LiveKit's deliveries of the events in `lose` lost on the
    /// way to the server (a [`WebhookRelay`] between them).
    pub fn start_losing(lose: &'static [&'static str], configure: impl FnOnce(&mut Platform)) -> Stack {
        let redis = RedisServer::start();
        let s3 = S3Server::start();
        s3.create_bucket(BUCKET);
        let mut platform = Platform::start("ws://127.0.0.1:9");
        let webhook_url = format!("{}/api/livekit/webhook", platform.base_url());
        let relay = (!lose.is_empty()).then(|| WebhookRelay::start(webhook_url.clone(), lose));
        let livekit = LiveKitServer::builder()
            .redis(&redis.address)
            .webhook_url(&relay.as_ref().map(WebhookRelay::url).unwrap_or(webhook_url))
            .start();
        platform.env.remove("RECORDINGS_DIR");
        platform.env.remove("OUTPUT_DIR");
        for (name, value) in [
            ("LIVEKIT_URL", livekit.ws_url()),
            ("RECORDINGS_S3_BUCKET", BUCKET.to_string()),
            ("S3_ENDPOINT", s3.endpoint.clone()),
            ("AWS_REGION", S3Server::REGION.to_string()),
            ("AWS_ACCESS_KEY_ID", S3Server::ACCESS_KEY_ID.to_string()),
            ("AWS_SECRET_ACCESS_KEY", S3Server::SECRET_ACCESS_KEY.to_string()),
            ("EGRESS_START_TIMEOUT_S", "15".to_string()),
        ] {
            platform.env.insert(name.into(), value);
        }
        configure(&mut platform);
        let egress = EgressService::start(&livekit, &redis, &s3, BUCKET);
        let server = platform.serve(&[]);
        Stack { platform, s3, livekit, egress, server, relay, _redis: redis }
    }

    pub fn logs(&self) -> String {
        format!("livekit-server log:\n{}\negress log:\n{}", self.livekit.log_text(), self.egress.log_text())
    }

    /// A token for LiveKit's Egress API (`ListEgress`).
    pub fn egress_token(&self) -> String {
        AccessToken::new(API_KEY, API_SECRET)
            .with_grants(VideoGrants { room_record: true, ..Default::default() })
            .to_jwt()
            .expect("token")
    }

    /// Waits until the session has a LiveKit egress for `identity` that LiveKit reports ACTIVE.
    pub fn wait_until_recording(&self, id: &str, key: &str, identity: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(90);
        let token = self.egress_token();
        loop {
            let (_, seen) = http_get(
                &format!("{}/api/sessions/{id}", self.platform.base_url()),
                &[("X-Session-Key", key.to_string())],
            );
            // The newest active one: an egress that did not start in time is failed and replaced.
            let egress = seen["egresses"].as_array().into_iter().flatten().rev().find(|e| {
                e["participant_identity"] == identity
                    && e["status"] == "active"
                    && e["egress_id"].as_str().is_some_and(|i| i.starts_with("EG_"))
            });
            if let Some(egress_id) = egress.and_then(|e| e["egress_id"].as_str()) {
                let (_, listed) =
                    self.livekit.twirp("livekit.Egress/ListEgress", &token, &json!({ "egress_id": egress_id }));
                if listed["items"][0]["status"] == "EGRESS_ACTIVE" {
                    return egress_id.to_string();
                }
            }
            assert!(
                Instant::now() < deadline,
                "no active egress for {identity} within 90 s: {seen:#}\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    pub fn object(&self, key: &str) -> Vec<u8> {
        let store = self.s3.store(BUCKET);
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
        runtime
            .block_on(async { store.get(&object_store::path::Path::from(key)).await?.bytes().await })
            .unwrap_or_else(|e| panic!("{key} in the bucket: {e}"))
            .to_vec()
    }
}

//! The whole recording flow with real LiveKit parts on loopback: Redis, livekit-server v1.13.5
//! (with Redis), moto as S3, and LiveKit Egress v1.8.6 (`scripts/prepare-livekit-egress`,
//! `$LIVEKIT_EGRESS_BIN`). A participant (`crates/testkit/peers/livekit_av_publisher.py`, LiveKit's
//! `livekit` SDK) publishes a camera and a microphone; the test starts a ParticipantEgress with
//! the request `RecordingSource::Participant::start_request` builds, lets it record a few seconds,
//! stops it, verifies the real `egress_ended` that reached our own webhook endpoint with
//! `WebhookVerifier`, maps it to the S3 input, and processes that recording with
//! `SessionProcessor` (no transcription). Fails — never skips — when redis-server, the egress
//! binary, a GStreamer element or the SDK is missing.

/// `join_token` and `verify_delivery`, shared with the LiveKit crate's tests.
#[path = "../../livekit/tests/support/mod.rs"]
mod livekit_support;
mod support;

use std::io::BufReader;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use serde_json::{Value, json};
use session_processing::livekit::{
    AccessToken, EgressOutcome, EgressStatus, EventKind, LiveKitApi, RecordingSource, RecordingStore, S3Upload,
    VideoGrants,
};
use session_processing::{CancelFlag, OutputLocation, RunStatus, SessionId, SessionProcessor, StageStatus, StreamKind};
use session_testkit::AvPublisher;
use session_testkit::http::{Listener, Request, write_response};
use session_testkit::livekit_server::{API_KEY, API_SECRET, LiveKitServer};
use session_testkit::{EgressService, RedisServer, S3Server};

/// The room, and the session id the recording is filed under.
const ROOM: &str = "sm-egress-1";
const BUCKET: &str = "recordings";
/// Media recorded after the egress is active, before StopEgress.
const RECORD_S: f64 = 4.0;
/// The participant publishes at most this long, whatever happens to the test.
const PUBLISH_MAX_S: u32 = 180;
const JOIN_TIMEOUT: Duration = Duration::from_secs(30);
/// From StartParticipantEgress to status ACTIVE: the recorder joins, subscribes, starts GStreamer.
const ACTIVE_TIMEOUT: Duration = Duration::from_secs(60);
/// From StopEgress to `egress_ended`: the recorder finishes the MP4 and uploads it.
const ENDED_TIMEOUT: Duration = Duration::from_secs(90);
const WEBHOOK_TIMEOUT: Duration = Duration::from_secs(30);

fn token(grants: VideoGrants) -> String {
    AccessToken::new(API_KEY, API_SECRET).with_grants(grants).to_jwt().expect("mint a token")
}

fn is_egress_event(body: &Value, event: &str, egress_id: &str) -> bool {
    body["event"] == event && body["egressInfo"]["egressId"] == egress_id
}

/// Our own webhook endpoint, as a web stack has one: livekit-server sends it every webhook
/// besides its built-in collector.
struct WebhookEndpoint {
    listener: Listener,
    deliveries: Receiver<Request>,
}

impl WebhookEndpoint {
    fn start() -> Self {
        let (send, deliveries) = std::sync::mpsc::channel();
        let listener = Listener::start(move |stream| {
            let mut reader = BufReader::new(stream);
            let Ok(request) = Request::read(&mut reader) else { return };
            let _ = write_response(reader.get_mut(), 200, &[], b"");
            let _ = send.send(request);
        });
        WebhookEndpoint { listener, deliveries }
    }

    fn url(&self) -> String {
        format!("{}/api/livekit/webhook", self.listener.base_url)
    }

    /// The first delivery (from now on) whose JSON body satisfies `matches`, within `timeout`.
    fn wait_for(&self, what: &str, timeout: Duration, matches: impl Fn(&Value) -> bool) -> Request {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let request = self
                .deliveries
                .recv_timeout(left)
                .unwrap_or_else(|e| panic!("our webhook endpoint received no {what} within {timeout:?} ({e})"));
            if matches(&serde_json::from_slice(&request.body).unwrap_or_default()) {
                return request;
            }
        }
    }
}

/// The servers of one test, each on its own ports and folders; fields drop in order, egress first.
struct Servers {
    egress: EgressService,
    livekit: LiveKitServer,
    endpoint: WebhookEndpoint,
    s3: S3Server,
    _redis: RedisServer,
}

impl Servers {
    fn start() -> Self {
        let redis = RedisServer::start();
        let s3 = S3Server::start();
        s3.create_bucket(BUCKET);
        let endpoint = WebhookEndpoint::start();
        let livekit = LiveKitServer::builder().redis(&redis.address).webhook_url(&endpoint.url()).start();
        let egress = EgressService::start(&livekit, &redis, &s3, BUCKET);
        Servers { egress, livekit, endpoint, s3, _redis: redis }
    }

    /// The logs to show when something failed.
    fn logs(&self) -> String {
        format!("egress log:\n{}\nlivekit-server log:\n{}", self.egress.log_text(), self.livekit.log_text())
    }

    /// Twirp `livekit.Egress/ListEgress` for one egress: its status (`EGRESS_STARTING` when the
    /// answer omits the zero value).
    fn egress_status(&self, egress_id: &str) -> String {
        let (status, answer) = self.livekit.twirp(
            "livekit.Egress/ListEgress",
            &token(VideoGrants { room_record: true, ..Default::default() }),
            &json!({ "egress_id": egress_id }),
        );
        assert_eq!(status, 200, "ListEgress: {answer}");
        let item = &answer["items"][0];
        assert_eq!(item["egress_id"], egress_id, "ListEgress names the egress: {answer}");
        item["status"].as_str().unwrap_or("EGRESS_STARTING").to_owned()
    }

    /// Polls ListEgress until `egress_id` is ACTIVE; fails on an ended status or at the deadline.
    fn wait_until_active(&self, egress_id: &str) {
        let deadline = Instant::now() + ACTIVE_TIMEOUT;
        loop {
            let status = self.egress_status(egress_id);
            match status.as_str() {
                "EGRESS_ACTIVE" => return,
                "EGRESS_STARTING" => {}
                ended => panic!("egress {egress_id} became {ended} instead of EGRESS_ACTIVE\n{}", self.logs()),
            }
            assert!(
                Instant::now() < deadline,
                "egress {egress_id} was not EGRESS_ACTIVE within {ACTIVE_TIMEOUT:?} (still {status})\n{}",
                self.logs()
            );
            std::thread::sleep(Duration::from_millis(250));
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_participant_recorded_by_real_egress_reaches_s3_and_is_processed_from_the_egress_ended_webhook() {
    let servers = Servers::start();
    let livekit = &servers.livekit;
    let admin = token(VideoGrants { room_create: true, room_admin: true, ..Default::default() });
    let (status, room) = livekit.twirp("livekit.RoomService/CreateRoom", &admin, &json!({ "name": ROOM }));
    assert_eq!(status, 200, "CreateRoom: {room}");

    let mut alice =
        AvPublisher::start(&livekit.ws_url(), &livekit_support::join_token(ROOM, "alice", "alice"), PUBLISH_MAX_S);
    let published = alice.wait_for("published", JOIN_TIMEOUT);
    assert!(published["video_track_sid"].as_str().is_some_and(|s| s.starts_with("TR_")), "{published}");
    assert!(published["audio_track_sid"].as_str().is_some_and(|s| s.starts_with("TR_")), "{published}");

    // Start recording with the request the library builds, sent as built.
    let api = LiveKitApi::new(&livekit.ws_url(), API_KEY, API_SECRET).expect("LiveKit API");
    let upload = S3Upload {
        access_key: S3Server::ACCESS_KEY_ID.into(),
        secret: S3Server::SECRET_ACCESS_KEY.into(),
        region: S3Server::REGION.into(),
        endpoint: servers.s3.endpoint.clone(),
        bucket: BUCKET.into(),
        force_path_style: true,
        ..Default::default()
    };
    let session = SessionId::new(ROOM).expect("session id");
    let request = RecordingSource::Participant { room_name: ROOM.into(), identity: "alice".into() }
        .start_request(&api, &upload, &session)
        .expect("the egress request");
    assert_eq!(request.url, format!("{}{}", livekit.url, request.path));
    let method = request.path.strip_prefix("/twirp/").expect("a Twirp path");
    let bearer = request.authorization.strip_prefix("Bearer ").expect("a bearer token");
    let (status, started) = livekit.twirp(method, bearer, &request.body);
    assert_eq!(status, 200, "{method}: {started}\n{}", servers.logs());
    let egress_id = started["egress_id"].as_str().expect("the egress id").to_owned();
    assert!(egress_id.starts_with("EG_"), "{started}");

    let started_event = livekit_support::verify_delivery(&livekit.webhook_where(
        "egress_started",
        WEBHOOK_TIMEOUT,
        |b| is_egress_event(b, "egress_started", &egress_id),
    ));
    assert_eq!(started_event.kind, EventKind::EgressStarted);

    // Record RECORD_S seconds of the participant's media once the recorder is active.
    servers.wait_until_active(&egress_id);
    let active_at_s = alice.published_s;
    alice.wait_until_published(active_at_s + RECORD_S, Duration::from_secs(60));
    let (status, stopping) = livekit.twirp(
        "livekit.Egress/StopEgress",
        &token(VideoGrants { room_record: true, ..Default::default() }),
        &json!({ "egress_id": egress_id }),
    );
    assert_eq!(status, 200, "StopEgress: {stopping}\n{}", servers.logs());

    let ended = servers.endpoint.wait_for("egress_ended for the participant egress", ENDED_TIMEOUT, |b| {
        is_egress_event(b, "egress_ended", &egress_id)
    });
    let finished = alice.stop(Duration::from_secs(30));
    assert_eq!(finished["stopped_by"], "stdin", "{finished}");
    let ended = livekit_support::verify_delivery(&ended);
    assert_eq!(ended.kind, EventKind::EgressEnded);
    let collected = livekit_support::verify_delivery(&livekit.webhook_where(
        "egress_ended at the collector",
        WEBHOOK_TIMEOUT,
        |b| is_egress_event(b, "egress_ended", &egress_id),
    ));
    assert_eq!(collected.id, ended.id, "one event, sent to every webhook URL");
    let info = ended.egress.as_ref().expect("egress_ended carries the EgressInfo");
    assert_eq!(info.status, EgressStatus::Complete, "{}\n{}", ended.raw, servers.logs());
    assert_eq!(info.room_name, ROOM);

    // The webhook maps to the object egress uploaded.
    let outcome = ended
        .egress_outcome(&RecordingStore::s3(BUCKET).expect("bucket"))
        .expect("an egress event has an outcome")
        .unwrap_or_else(|e| panic!("the outcome of {}: {e}", ended.raw));
    let EgressOutcome::Recorded { session_id, input, input_uri, egress_id: recorded_id, duration_ns, limit_reached } =
        outcome
    else {
        panic!("a completed egress is Recorded: {outcome:?}")
    };
    assert_eq!(input.to_string(), format!("s3://{BUCKET}/sessions/{ROOM}/participants/alice/recording.mp4"));
    assert_eq!(input_uri, input.to_string());
    assert_eq!((session_id.as_str(), recorded_id.as_str(), limit_reached), (ROOM, egress_id.as_str(), false));
    // The recorder's pipeline starts some time after ACTIVE is reported (how long depends on the
    // machine's load, so it is not asserted): the file holds media, and never more than the
    // participant published.
    let recorded_s = duration_ns as f64 / 1e9;
    let published_s = finished["seconds"].as_f64().expect("seconds published");
    assert!(
        recorded_s > 0.5 && recorded_s <= published_s,
        "recorded {recorded_s} s of the {published_s} s published ({RECORD_S} s after ACTIVE): {}",
        ended.raw
    );

    let store = servers.s3.store(BUCKET);
    let key = format!("sessions/{ROOM}/participants/alice/recording.mp4");
    let object = store.head(&ObjectPath::from(key.as_str())).await.unwrap_or_else(|e| panic!("{key} in S3: {e}"));
    let reported = info.file_results.first().map(|f| f.size_bytes).expect("a file result");
    assert_eq!(object.size as i64, reported, "the object is the file egress reported");
    // H.264 at egress's default 720p plus Opus: tens of kB a second at the very least.
    assert!(object.size as f64 > 20_000.0 * recorded_s, "{key} is {} bytes for {recorded_s} s", object.size);

    // The pipeline reads the recording from the bucket (the platform processes a participant's
    // recording per participant, in place; here it is one recording into a folder of its own).
    let processor = SessionProcessor::builder()
        .s3(support::s3_settings(&servers.s3))
        .output(OutputLocation::parse(&format!("s3://{BUCKET}/processed")).expect("output"))
        .build();
    let result = processor
        .process(session_id.as_str(), input, &CancelFlag::new())
        .await
        .unwrap_or_else(|e| panic!("processing the egress recording: {e}"));
    assert_eq!(result.status, RunStatus::Complete);
    let media = result.media.as_ref().expect("the recording's streams");
    let video = media.video().unwrap_or_else(|| panic!("a video stream: {media:?}"));
    assert_eq!(video.media_type, "video/x-h264", "{media:?}");
    assert!(video.width.is_some_and(|w| w >= 320), "{media:?}");
    let audio = media.audio().unwrap_or_else(|| panic!("an audio stream: {media:?}"));
    assert_eq!(audio.media_type, "audio/x-opus", "{media:?}");
    assert_eq!(media.streams.iter().filter(|s| s.kind == StreamKind::Video).count(), 1, "{media:?}");
    for stage in ["audio", "video"] {
        let report = result.stages.iter().find(|s| s.name == stage).unwrap_or_else(|| panic!("a {stage} stage"));
        assert_eq!(report.status, StageStatus::Ok, "{stage}: {report:?}");
    }
    let manifest =
        store.get(&ObjectPath::from(format!("processed/sessions/{ROOM}/manifest.json"))).await.expect("manifest");
    let manifest: Value = serde_json::from_slice(&manifest.bytes().await.expect("manifest bytes")).expect("JSON");
    assert_eq!(manifest["status"], "complete", "{manifest}");
    let quality = support::json(result.quality.as_ref().expect("quality"));
    assert!(quality["audio"]["score"].is_number() && quality["video"]["score"].is_number(), "{quality}");
}

//! A real participant in a real room: LiveKit's realtime Python SDK (`livekit`, installed into
//! .venv by scripts/setup; `tests/peers/livekit_participant.py`) joins the real livekit-server
//! (v1.13.5, `scripts/prepare-livekit-server`) on loopback with a join token minted by our
//! `AccessToken`, publishes a microphone track for a moment, then leaves. The participant and
//! track webhooks the server sends for it pass `WebhookVerifier`, parse into our types with the
//! values the SDK reported, and use no enum value our parser does not know. Without the server
//! binary or the SDK the test fails, naming what to run.

mod support;

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use session_livekit::{
    AccessToken, EventKind, Participant, ParticipantKind, ParticipantState, Track, TrackSource, TrackType, VideoGrants,
};
use session_testkit::livekit_server::{API_KEY, API_SECRET, LiveKitServer};

const WAIT: Duration = Duration::from_secs(15);
/// How long the participant publishes its tone.
const PUBLISH_S: u32 = 2;
/// The participant's whole run: connecting, publishing, leaving (its own steps time out sooner).
const PEER_TIMEOUT: Duration = Duration::from_secs(60);
const ROOM: &str = "sm-participants-1";

fn admin() -> String {
    AccessToken::new(API_KEY, API_SECRET)
        .with_grants(VideoGrants { room_create: true, room_list: true, room_admin: true, ..Default::default() })
        .to_jwt()
        .expect("mint an admin token")
}

fn drain(mut pipe: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// Kills the participant if the test fails while it runs.
struct Peer(Child);

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs `tests/peers/livekit_participant.py URL TOKEN SECONDS`, killing it after
/// [`PEER_TIMEOUT`]; returns the JSON line it printed. Fails loudly when it cannot run or fails.
fn run_participant(server: &LiveKitServer, token: &str, seconds: u32) -> Value {
    let python = session_testkit::peer_python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/livekit_participant.py");
    let ws_url = server.url.replacen("http://", "ws://", 1);
    let child = Command::new(&python)
        .arg(&script)
        .arg(&ws_url)
        .arg(token)
        .arg(seconds.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): the participant needs the test venv with the `livekit` SDK; run scripts/setup \
                 (or set LIVEKIT_PEER_PYTHON to a python that has `pip install -r scripts/test-requirements.txt`)",
                python.display()
            )
        });
    let mut peer = Peer(child);
    let stdout = drain(peer.0.stdout.take().expect("stdout"));
    let stderr = drain(peer.0.stderr.take().expect("stderr"));
    let deadline = Instant::now() + PEER_TIMEOUT;
    let status = loop {
        if let Some(status) = peer.0.try_wait().expect("wait for the participant") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = peer.0.kill();
            let _ = peer.0.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let (stdout, stderr) = (stdout.join().unwrap_or_default(), stderr.join().unwrap_or_default());
    let Some(status) = status else {
        panic!(
            "livekit_participant.py did not finish within {PEER_TIMEOUT:?} (killed). stderr:\n{stderr}\nserver log:\n{}",
            server.log_text()
        )
    };
    assert!(
        status.success(),
        "livekit_participant.py failed ({status}); if `livekit` is missing run scripts/setup. stderr:\n{stderr}\n\
         server log:\n{}",
        server.log_text()
    );
    let line = stdout.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or_default();
    serde_json::from_str(line).unwrap_or_else(|e| panic!("the participant prints one JSON line ({e}): {stdout:?}"))
}

fn is_participant_event(body: &Value, event: &str, identity: &str) -> bool {
    body["event"] == event && body["room"]["name"] == ROOM && body["participant"]["identity"] == identity
}

/// Every enum value in `participant` (and its tracks) is one our parser knows.
fn assert_known_participant(event: &str, participant: &Participant) {
    assert!(
        !matches!(participant.state, ParticipantState::Other(_)),
        "{event}: unknown participant state {}",
        participant.state
    );
    assert!(
        !matches!(participant.kind, ParticipantKind::Other(_)),
        "{event}: unknown participant kind {}",
        participant.kind
    );
    for track in &participant.tracks {
        assert_known_track(event, track);
    }
}

fn assert_known_track(event: &str, track: &Track) {
    assert!(!matches!(track.kind, TrackType::Other(_)), "{event}: unknown track type {}", track.kind);
    assert!(!matches!(track.source, TrackSource::Other(_)), "{event}: unknown track source {}", track.source);
}

#[test]
fn a_real_participant_publishing_audio_gets_verified_participant_and_track_webhooks() {
    let server = LiveKitServer::start();
    let (status, room) = server.twirp("livekit.RoomService/CreateRoom", &admin(), &json!({"name": ROOM}));
    assert_eq!(status, 200, "CreateRoom with our token: {room}");
    let room_sid = room["sid"].as_str().expect("the room's sid").to_string();

    let ran = run_participant(&server, &support::join_token(ROOM, "alice", "Alice"), PUBLISH_S);
    let participant_sid = ran["participant_sid"].as_str().expect("the participant's sid");
    let track_sid = ran["track_sid"].as_str().expect("the track's sid");
    assert!(participant_sid.starts_with("PA_"), "{ran}");
    assert!(track_sid.starts_with("TR_"), "{ran}");
    assert_eq!(
        (ran["identity"].as_str(), ran["name"].as_str(), ran["room"].as_str()),
        (Some("alice"), Some("Alice"), Some(ROOM))
    );
    assert_eq!(ran["frames"], PUBLISH_S * 100, "10 ms frames for {PUBLISH_S} s: {ran}");

    // participant_joined: sent once the participant is active.
    let joined = support::verify_delivery(&server.webhook_where("participant_joined for alice", WAIT, |b| {
        is_participant_event(b, "participant_joined", "alice")
    }));
    assert_eq!(joined.kind, EventKind::ParticipantJoined);
    assert!(joined.id.starts_with("EV_"), "{}", joined.id);
    assert_eq!(joined.room.as_ref().map(|r| r.sid.as_str()), Some(room_sid.as_str()));
    let alice = joined.participant.as_ref().expect("participant_joined carries the participant");
    assert_eq!((alice.identity.as_str(), alice.name.as_str(), alice.sid.as_str()), ("alice", "Alice", participant_sid));
    assert_eq!(alice.kind, ParticipantKind::Standard, "a client SDK participant: {}", joined.raw);
    assert_eq!(alice.state, ParticipantState::Active, "participant_joined fires once active: {}", joined.raw);
    assert!(!alice.is_recorder());
    assert!(alice.joined_at_s > 1_700_000_000, "joinedAt in Unix seconds: {}", alice.joined_at_s);

    // track_published: the microphone track, with the sid the SDK was given.
    let published = support::verify_delivery(
        &server
            .webhook_where("track_published for alice", WAIT, |b| is_participant_event(b, "track_published", "alice")),
    );
    assert_eq!(published.kind, EventKind::TrackPublished);
    let track = published.track.as_ref().expect("track_published carries the track");
    assert_eq!(track.sid, track_sid, "{}", published.raw);
    assert_eq!(track.kind, TrackType::Audio, "{}", published.raw);
    assert_eq!(track.source, TrackSource::Microphone, "{}", published.raw);
    assert_eq!(track.name, "mic", "{}", published.raw);
    // The SDK publishes microphone audio as RED (redundant Opus) by default, and v1.13.5 reports
    // the track's primary codec, so `audio/red` rather than `audio/opus`.
    assert!(matches!(track.mime_type.as_str(), "audio/red" | "audio/opus"), "an Opus codec: {}", published.raw);
    assert!(!track.muted, "{}", published.raw);
    // The participant in track events is a stub (sid and identity only: no name, no state, so
    // `state` reads as the zero value JOINING); use participant_joined/_left for the rest.
    let publisher = published.participant.as_ref().expect("track_published carries the publisher");
    assert_eq!((publisher.sid.as_str(), publisher.identity.as_str()), (participant_sid, "alice"));

    // track_unpublished (the SDK unpublished it) and participant_left (it disconnected).
    let unpublished =
        support::verify_delivery(&server.webhook_where("track_unpublished for alice", WAIT, |b| {
            is_participant_event(b, "track_unpublished", "alice")
        }));
    assert_eq!(unpublished.kind, EventKind::TrackUnpublished);
    assert_eq!(unpublished.track.as_ref().map(|t| t.sid.as_str()), Some(track_sid), "{}", unpublished.raw);
    let left =
        support::verify_delivery(&server.webhook_where("participant_left for alice", WAIT, |b| {
            is_participant_event(b, "participant_left", "alice")
        }));
    assert_eq!(left.kind, EventKind::ParticipantLeft);
    let gone = left.participant.as_ref().expect("participant_left carries the participant");
    assert_eq!(
        (gone.identity.as_str(), gone.sid.as_str(), gone.kind.clone()),
        ("alice", participant_sid, ParticipantKind::Standard)
    );
    assert_eq!(gone.state, ParticipantState::Disconnected, "{}", left.raw);
    assert!(gone.is_publisher, "it published a track: {}", left.raw);

    // Every delivery so far verifies, and none uses an event name or enum value we do not know.
    let mut ids = Vec::new();
    for delivery in server.webhooks() {
        let event = support::verify_delivery(&delivery);
        assert!(!matches!(event.kind, EventKind::Other(_)), "unknown event {}: {}", event.kind, event.raw);
        if let Some(participant) = &event.participant {
            assert_known_participant(event.kind.as_str(), participant);
        }
        if let Some(track) = &event.track {
            assert_known_track(event.kind.as_str(), track);
        }
        ids.push(event.id);
    }
    let kinds = ["room_started", "participant_joined", "track_published", "track_unpublished", "participant_left"];
    for kind in kinds {
        assert!(
            server.webhooks().iter().any(|d| support::verify_delivery(d).kind.as_str() == kind),
            "a {kind} webhook was received"
        );
    }
    ids.sort();
    ids.dedup();
    assert!(ids.len() >= kinds.len(), "each event has its own id: {ids:?}");
}

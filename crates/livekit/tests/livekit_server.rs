//! The real LiveKit server (v1.13.5 from the Go module proxy, `scripts/prepare-livekit-server`)
//! on loopback: tokens minted by `AccessToken` are accepted (or refused) by its APIs as their
//! grants say, and the webhooks it sends pass `WebhookVerifier` and parse. Without the binary the
//! tests fail, naming the script.

use std::time::Duration;

use serde_json::json;
use session_livekit::{AccessToken, EventKind, LiveKitError, RecordingStore, VideoGrants, WebhookVerifier};
use session_testkit::http::Request;
use session_testkit::livekit_server::{API_KEY, API_SECRET, LiveKitServer};

const WAIT: Duration = Duration::from_secs(15);

fn token(grants: VideoGrants) -> String {
    AccessToken::new(API_KEY, API_SECRET).with_grants(grants).to_jwt().expect("mint a token")
}

fn admin() -> String {
    token(VideoGrants { room_create: true, room_list: true, room_admin: true, ..Default::default() })
}

fn verify(request: &Request) -> Result<session_livekit::WebhookEvent, LiveKitError> {
    WebhookVerifier::new(API_KEY, API_SECRET).expect("verifier").verify_now(
        &request.body,
        request.header("authorization"),
        request.header("content-type"),
    )
}

#[test]
fn room_webhooks_from_the_real_server_verify_and_parse() {
    let server = LiveKitServer::start();
    let (status, room) = server.twirp("livekit.RoomService/CreateRoom", &admin(), &json!({"name": "sm-room-1"}));
    assert_eq!(status, 200, "CreateRoom with our token: {room}");
    assert_eq!(room["name"], "sm-room-1");

    let started = server.webhook("room_started", "sm-room-1", WAIT);
    assert_eq!(started.header("content-type"), Some("application/webhook+json"));
    let event = verify(&started).expect("the server's room_started verifies");
    assert_eq!(event.kind, EventKind::RoomStarted);
    assert!(event.id.starts_with("EV_"), "{}", event.id);
    assert!(event.created_at_s > 1_700_000_000, "createdAt in Unix seconds: {}", event.created_at_s);
    let reported = event.room.as_ref().expect("a room");
    assert_eq!((reported.name.as_str(), reported.sid.as_str()), ("sm-room-1", room["sid"].as_str().unwrap_or("?")));
    assert_eq!(event.egress_outcome(&RecordingStore::local("/recordings")), None, "no egress in a room event");
    let delivered: serde_json::Value = serde_json::from_slice(&started.body).expect("JSON body");
    assert!(delivered["room"]["turnPassword"].is_string(), "the server sends the room's TURN password");
    assert!(event.raw["room"].get("turnPassword").is_none(), "raw keeps no credential: {}", event.raw);
    assert_eq!(event.raw["room"]["name"], "sm-room-1", "and everything else");

    let (status, answer) = server.twirp("livekit.RoomService/DeleteRoom", &admin(), &json!({"room": "sm-room-1"}));
    assert_eq!(status, 200, "DeleteRoom: {answer}");
    let finished = verify(&server.webhook("room_finished", "sm-room-1", WAIT)).expect("room_finished verifies");
    assert_eq!(finished.kind, EventKind::RoomFinished);
    assert_ne!(finished.id, event.id, "each event has its own id");
}

#[test]
fn a_real_delivery_fails_verification_once_anything_is_changed() {
    let server = LiveKitServer::start();
    let (status, answer) = server.twirp("livekit.RoomService/CreateRoom", &admin(), &json!({"name": "sm-room-2"}));
    assert_eq!(status, 200, "{answer}");
    let delivery = server.webhook("room_started", "sm-room-2", WAIT);
    verify(&delivery).expect("as delivered, it verifies");

    let mut tampered = delivery.clone();
    let text = String::from_utf8(tampered.body.clone()).expect("UTF-8 JSON");
    tampered.body = text.replacen("sm-room-2", "sm-room-X", 1).into_bytes();
    assert_eq!(verify(&tampered).err(), Some(LiveKitError::BodyHashMismatch));

    let other_secret = WebhookVerifier::new(API_KEY, "another-secret-that-is-also-long-enough-0000").expect("verifier");
    let error = other_secret
        .verify_now(&delivery.body, delivery.header("authorization"), delivery.header("content-type"))
        .expect_err("signed with the server's secret, not this one");
    assert_eq!(error, LiveKitError::BadSignature);
    assert_eq!(error.http_status(), 401);
    let shown = format!("{error} {error:?}");
    let token = delivery.header("authorization").unwrap_or_default();
    assert!(!shown.contains(API_SECRET) && !shown.contains(token), "{shown}");
}

#[test]
fn the_server_honours_the_grants_of_our_tokens() {
    let server = LiveKitServer::start();
    let list = json!({});
    let (status, rooms) = server.twirp("livekit.RoomService/ListRooms", &admin(), &list);
    assert_eq!(status, 200, "ListRooms with roomList: {rooms}");

    let join_only = AccessToken::new(API_KEY, API_SECRET)
        .with_identity("alice")
        .with_grants(VideoGrants { room_join: true, room: "sm-room-3".into(), ..Default::default() })
        .to_jwt()
        .expect("mint a join token");
    let (status, answer) = server.twirp("livekit.RoomService/CreateRoom", &join_only, &json!({"name": "sm-room-3"}));
    assert!(matches!(status, 401 | 403), "a join-only token cannot create rooms: {status} {answer}");

    let wrong_secret = AccessToken::new(API_KEY, "not-the-server-secret-but-long-enough-000000")
        .with_grants(VideoGrants { room_create: true, ..Default::default() })
        .to_jwt()
        .expect("mint");
    let (status, answer) = server.twirp("livekit.RoomService/CreateRoom", &wrong_secret, &json!({"name": "sm-room-3"}));
    assert_eq!(status, 401, "a token signed with another secret: {answer}");
    assert!(server.webhooks().is_empty(), "no room was created, so no webhook was sent");
}

//! LiveKit glue: webhook verification and its typed errors, tolerant parsing of bodies shaped as
//! livekit-server emits them (tests/fixtures/), egress outcomes, access tokens, egress
//! requests, and a cross-check with LiveKit's own Python SDK (`livekit-api`, installed into
//! .venv by scripts/setup) as the peer.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use session_layout::{RecordingInput, SessionId};
use session_livekit::{
    AccessToken, EgressOutcome, EgressStatus, EventKind, LiveKitApi, LiveKitError, ParticipantKind, ParticipantState,
    RecordingSource, RecordingStore, S3Upload, TrackSource, TrackType, VideoGrants, WebhookEvent, WebhookVerifier,
    sign_webhook,
};
use time::OffsetDateTime;

const API_KEY: &str = "APIm3Kq7sVx2";
const API_SECRET: &str = "pW9dLk2vQ8zR4tY6uI1oP3aS5dF7gH9jK0lZxCvBnM2";
const CONTENT_TYPE: Option<&str> = Some("application/webhook+json");

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn at(unix_s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix_s).expect("a valid time")
}

/// The fixtures' delivery time.
const DELIVERED_AT: i64 = 1_764_000_066;

fn verifier() -> WebhookVerifier {
    WebhookVerifier::new(API_KEY, API_SECRET).expect("valid settings")
}

fn sign(body: &[u8], signed_at: i64) -> String {
    sign_webhook(API_KEY, API_SECRET, body, at(signed_at)).expect("signs")
}

/// Verifies `body` signed at the delivery time and checked then.
fn verified(name: &str) -> WebhookEvent {
    let body = fixture(name);
    let token = sign(&body, DELIVERED_AT);
    verifier().verify(&body, Some(&token), CONTENT_TYPE, at(DELIVERED_AT)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

// --- verification -------------------------------------------------------------------------

#[test]
fn a_valid_delivery_verifies() {
    let body = fixture("egress_ended_complete.json");
    let token = sign(&body, DELIVERED_AT);
    let event = verifier().verify(&body, Some(&token), CONTENT_TYPE, at(DELIVERED_AT + 30)).expect("verifies");
    assert_eq!(event.kind, EventKind::EgressEnded);
    assert_eq!(event.id, "EV_5cXbY2LkVw3p");
    let bearer = format!("Bearer {token}");
    assert!(verifier().verify(&body, Some(&bearer), Some("application/json"), at(DELIVERED_AT)).is_ok());
    assert!(verifier().verify_now(&body, Some(&sign(&body, now_s())), CONTENT_TYPE).is_ok());
}

fn now_s() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// Every rejection the verifier can give, each with the deliveries' shared secret and token,
/// so the last test can check that none of them leaks either.
fn rejections() -> Vec<(&'static str, LiveKitError, String)> {
    let body = fixture("participant_joined.json");
    let token = sign(&body, DELIVERED_AT);
    let parts: Vec<&str> = token.split('.').collect();
    let verify = |body: &[u8], auth: Option<&str>, ct: Option<&str>, now: i64| {
        verifier().verify(body, auth, ct, at(now)).expect_err("rejected")
    };
    let other_secret = sign_webhook(API_KEY, "another-secret-entirely", &body, at(DELIVERED_AT)).expect("signs");
    let other_key = sign_webhook("APIother", API_SECRET, &body, at(DELIVERED_AT)).expect("signs");
    let mut flipped = parts[2].to_string();
    let last = if flipped.ends_with('A') { "B" } else { "A" };
    flipped.replace_range(flipped.len() - 1.., last);
    let forged = format!("{}.{}.{flipped}", parts[0], parts[1]);
    // {"alg":"none","typ":"JWT"}, the valid payload, no signature.
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{}.", parts[1]);
    // {"alg":"HS512","typ":"JWT"}
    let hs512 = format!("eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.{}.{}", parts[1], parts[2]);
    let mut tampered = body.clone();
    let pos = tampered.windows(5).position(|w| w == b"alice").expect("the fixture names alice");
    tampered[pos] = b'A';
    let not_json = b"{\"event\": \"room_started\", ".to_vec();
    let not_object = b"[1, 2]".to_vec();
    let wrong_type = br#"{"event":"egress_ended","id":"EV_1","egressInfo":{"fileResults":[{"size":true}]}}"#.to_vec();
    let big = vec![b' '; WebhookVerifier::DEFAULT_MAX_BODY_BYTES + 1];
    let no_sha = AccessToken::new(API_KEY, API_SECRET).to_jwt_at(at(DELIVERED_AT)).expect("mints");
    vec![
        ("forged signature", verify(&body, Some(&forged), CONTENT_TYPE, DELIVERED_AT), forged.clone()),
        ("other secret", verify(&body, Some(&other_secret), CONTENT_TYPE, DELIVERED_AT), other_secret.clone()),
        ("tampered body", verify(&tampered, Some(&token), CONTENT_TYPE, DELIVERED_AT), token.clone()),
        ("expired", verify(&body, Some(&token), CONTENT_TYPE, DELIVERED_AT + 5 * 60 + 61), token.clone()),
        ("not yet valid", verify(&body, Some(&token), CONTENT_TYPE, DELIVERED_AT - 61), token.clone()),
        ("wrong api key", verify(&body, Some(&other_key), CONTENT_TYPE, DELIVERED_AT), other_key.clone()),
        ("missing header", verify(&body, None, CONTENT_TYPE, DELIVERED_AT), token.clone()),
        ("empty header", verify(&body, Some("  "), CONTENT_TYPE, DELIVERED_AT), token.clone()),
        ("alg none", verify(&body, Some(&alg_none), CONTENT_TYPE, DELIVERED_AT), alg_none.clone()),
        ("alg HS512", verify(&body, Some(&hs512), CONTENT_TYPE, DELIVERED_AT), hs512.clone()),
        ("not a jwt", verify(&body, Some("not-a-token"), CONTENT_TYPE, DELIVERED_AT), token.clone()),
        ("no sha256", verify(&body, Some(&no_sha), CONTENT_TYPE, DELIVERED_AT), no_sha.clone()),
        (
            "malformed json",
            verify(&not_json, Some(&sign(&not_json, DELIVERED_AT)), CONTENT_TYPE, DELIVERED_AT),
            token.clone(),
        ),
        (
            "not an object",
            verify(&not_object, Some(&sign(&not_object, DELIVERED_AT)), CONTENT_TYPE, DELIVERED_AT),
            token.clone(),
        ),
        (
            "wrong field type",
            verify(&wrong_type, Some(&sign(&wrong_type, DELIVERED_AT)), CONTENT_TYPE, DELIVERED_AT),
            token.clone(),
        ),
        ("oversized body", verify(&big, Some(&token), CONTENT_TYPE, DELIVERED_AT), token.clone()),
        ("wrong content type", verify(&body, Some(&token), Some("text/plain"), DELIVERED_AT), token.clone()),
        ("no content type", verify(&body, Some(&token), None, DELIVERED_AT), token.clone()),
    ]
}

#[test]
fn each_bad_delivery_gets_its_typed_error_and_http_status() {
    let found: Vec<(&str, String, u16)> =
        rejections().into_iter().map(|(case, err, _)| (case, format!("{err:?}"), err.http_status())).collect();
    let expect = |case: &str, variant: &str, status: u16| {
        let (_, debug, got) = found.iter().find(|(c, ..)| *c == case).expect("the case ran");
        assert!(debug.starts_with(variant), "{case}: expected {variant}, got {debug}");
        assert_eq!(*got, status, "{case}: {debug}");
    };
    expect("forged signature", "BadSignature", 401);
    expect("other secret", "BadSignature", 401);
    expect("tampered body", "BodyHashMismatch", 401);
    expect("expired", "Expired", 401);
    expect("not yet valid", "NotYetValid", 401);
    expect("wrong api key", "WrongIssuer", 401);
    expect("missing header", "MissingAuthorization", 401);
    expect("empty header", "MissingAuthorization", 401);
    expect("alg none", "UnsupportedAlgorithm", 401);
    expect("alg HS512", "UnsupportedAlgorithm", 401);
    expect("not a jwt", "MalformedToken", 401);
    expect("no sha256", "MissingBodyHash", 401);
    expect("malformed json", "MalformedEvent", 400);
    expect("not an object", "MalformedEvent", 400);
    expect("wrong field type", "MalformedEvent", 400);
    expect("oversized body", "BodyTooLarge", 413);
    expect("wrong content type", "WrongContentType", 415);
    expect("no content type", "WrongContentType", 415);
}

#[test]
fn errors_name_the_field_and_what_to_do() {
    let errors = rejections();
    let message = |case: &str| errors.iter().find(|(c, ..)| *c == case).map(|(_, e, _)| e.to_string()).expect("ran");
    assert!(
        message("wrong field type").contains("`egressInfo.fileResults[0].size`"),
        "{}",
        message("wrong field type")
    );
    // The key the request claimed is named; the verifier's own key never is (issue 14).
    assert!(message("wrong api key").contains("\"APIother\"") && !message("wrong api key").contains(API_KEY));
    assert!(message("tampered body").contains("raw request bytes"));
    assert!(message("oversized body").contains("limit is 1048576"));
    assert!(message("alg none").contains("\"none\""));
    let small = verifier().with_max_body_bytes(10);
    let err = small.verify(b"{\"event\":\"room_started\"}", None, CONTENT_TYPE, at(DELIVERED_AT)).expect_err("too big");
    assert_eq!(err, LiveKitError::BodyTooLarge { size: 24, limit: 10 });
}

#[test]
fn no_error_reveals_the_secret_or_the_token() {
    for (case, err, token) in rejections() {
        let signature = token.rsplit('.').next().unwrap_or_default().to_string();
        for shown in [err.to_string(), format!("{err:?}")] {
            assert!(!shown.contains(API_SECRET), "{case}: the secret leaked: {shown}");
            assert!(!shown.contains(&token), "{case}: the token leaked: {shown}");
            assert!(signature.len() < 8 || !shown.contains(&signature), "{case}: the signature leaked: {shown}");
        }
    }
    assert!(!format!("{:?}", verifier()).contains(API_SECRET));
}

#[test]
fn the_leeway_is_a_minute_by_default_and_configurable() {
    let body = fixture("room_finished.json");
    let token = sign(&body, DELIVERED_AT);
    let exp = DELIVERED_AT + 5 * 60;
    assert!(verifier().verify(&body, Some(&token), CONTENT_TYPE, at(exp + 60)).is_ok());
    assert!(verifier().verify(&body, Some(&token), CONTENT_TYPE, at(DELIVERED_AT - 60)).is_ok());
    let strict = verifier().with_leeway(Duration::ZERO);
    assert!(matches!(strict.verify(&body, Some(&token), CONTENT_TYPE, at(exp + 1)), Err(LiveKitError::Expired { .. })));
    assert!(matches!(
        strict.verify(&body, Some(&token), CONTENT_TYPE, at(DELIVERED_AT - 1)),
        Err(LiveKitError::NotYetValid { .. })
    ));
}

// --- parsing --------------------------------------------------------------------------------

#[test]
fn egress_ended_complete_parses() {
    let event = verified("egress_ended_complete.json");
    assert_eq!(event.created_at_s, 1_764_000_066);
    assert!(event.room.is_none() && event.participant.is_none());
    let egress = event.egress.as_ref().expect("egressInfo");
    assert_eq!(egress.egress_id, "EG_hmN3tKqg9xCa");
    assert_eq!(egress.room_name, "session-room-7");
    assert_eq!(egress.status, EgressStatus::Complete);
    assert_eq!(egress.started_at_ns, 1_764_000_003_512_345_678);
    assert_eq!(egress.error, "");
    let file = &egress.file_results[0];
    assert_eq!(file.filename, "sessions/s-42/recording.mp4");
    assert_eq!(file.size_bytes, 7_340_032);
    assert_eq!(file.duration_ns, 61_975_308_643);
    assert!(file.location.starts_with("https://http://"), "the server's own odd location is kept as sent");
    assert_eq!(event.raw["egressInfo"]["participant"]["identity"], "alice", "unmodelled fields stay in raw");
}

#[test]
fn egress_failures_parse_with_livekits_error() {
    let failed = verified("egress_ended_failed.json").egress.expect("egressInfo");
    assert_eq!(failed.status, EgressStatus::Failed);
    assert_eq!(failed.error, "pipeline frozen");
    assert_eq!(failed.error_code, 500);
    assert_eq!(failed.file_results[0].size_bytes, 0, "omitted zero values read as 0");

    let from_server = verified("egress_ended_server_failed.json").egress.expect("egressInfo");
    assert_eq!(from_server.egress_id, "", "the server's own egress_ended has no egress id");
    assert_eq!(from_server.status, EgressStatus::Failed);
    assert!(from_server.file_results.is_empty());
}

#[test]
fn participant_and_room_events_parse() {
    let joined = verified("participant_joined.json");
    assert_eq!(joined.kind, EventKind::ParticipantJoined);
    let room = joined.room.expect("room");
    assert_eq!((room.sid.as_str(), room.name.as_str()), ("RM_t3wUQ5hBcJ8Z", "session-room-7"));
    assert_eq!((room.creation_time_s, room.num_participants), (1_764_000_000, 1));
    let alice = joined.participant.expect("participant");
    assert_eq!((alice.identity.as_str(), alice.name.as_str()), ("alice", "Alice"));
    assert_eq!(alice.state, ParticipantState::Active);
    assert_eq!(alice.kind, ParticipantKind::Standard, "an omitted kind is STANDARD");
    assert!(!alice.is_recorder() && !alice.is_publisher);
    assert_eq!(alice.joined_at_s, 1_764_000_002);

    let finished = verified("room_finished.json");
    assert_eq!(finished.kind, EventKind::RoomFinished);
    assert_eq!(finished.room.expect("room").num_participants, 0, "omitted zero values read as 0");

    let published = verified("track_published.json");
    let track = published.track.expect("track");
    assert_eq!((track.kind.clone(), track.source.clone()), (TrackType::Video, TrackSource::Camera));
    assert_eq!((track.sid.as_str(), track.width, track.height), ("TR_VCx2yGmXaB3n", 1280, 720));
    assert!(published.participant.expect("participant").is_publisher);
}

#[test]
fn unknown_fields_and_enum_values_never_fail_an_event() {
    let event = verified("egress_from_a_newer_server.json");
    let egress = event.egress.as_ref().expect("egressInfo");
    assert_eq!(egress.status, EgressStatus::Other("EGRESS_PAUSED_FOR_LUNCH".into()));
    assert_eq!(egress.status.to_string(), "EGRESS_PAUSED_FOR_LUNCH");
    assert_eq!(egress.file_results[0].size_bytes, 7_340_032);
    let bot = event.participant.as_ref().expect("participant");
    assert_eq!(bot.kind, ParticipantKind::Other("QUANTUM_RECORDER".into()));
    assert_eq!(event.raw["hologram"]["depth"], 3);
    let outcome = egress.outcome(&RecordingStore::s3("recordings").expect("bucket"));
    assert!(matches!(outcome, Err(LiveKitError::EgressNotEnded { .. })), "an unknown status is not taken as an ending");

    let unknown_event =
        WebhookEvent::from_json(br#"{"event":"agent_job_ended","id":"EV_9","job":{"id":"AJ_1"}}"#).expect("parses");
    assert_eq!(unknown_event.kind, EventKind::Other("agent_job_ended".into()));
    let numbers = WebhookEvent::from_json(
        br#"{"event":"egress_updated","created_at":1764000000,"egress_info":{"egress_id":"EG_1","status":1}}"#,
    )
    .expect("snake_case names, numeric int64 and numeric enums are protobuf JSON too");
    assert_eq!(numbers.created_at_s, 1_764_000_000);
    assert_eq!(numbers.egress.expect("egress").status, EgressStatus::Active);
}

#[test]
fn the_deprecated_single_file_is_read() {
    let event = WebhookEvent::from_json(
        br#"{"event":"egress_ended","egressInfo":{"egressId":"EG_old","roomName":"r1","status":"EGRESS_COMPLETE",
            "file":{"filename":"sessions/old-1/recording.mp4","size":"10"}}}"#,
    )
    .expect("parses");
    let egress = event.egress.expect("egress");
    assert_eq!(egress.file_results.len(), 1);
    assert_eq!(egress.file_results[0].filename, "sessions/old-1/recording.mp4");
}

// --- egress outcomes -------------------------------------------------------------------------

#[test]
fn a_completed_egress_becomes_a_pipeline_input() {
    let event = verified("egress_ended_complete.json");
    let store = RecordingStore::s3("arn:aws:s3:::recordings").expect("an ARN");
    let outcome = event.egress_outcome(&store).expect("an egress_ended").expect("maps");
    assert_eq!(
        outcome,
        EgressOutcome::Recorded {
            session_id: SessionId::new("s-42").expect("valid"),
            input: RecordingInput::S3 { bucket: "recordings".into(), key: "sessions/s-42/recording.mp4".into() },
            input_uri: "s3://recordings/sessions/s-42/recording.mp4".into(),
            egress_id: "EG_hmN3tKqg9xCa".into(),
            duration_ns: 61_975_308_643,
            limit_reached: false,
        }
    );
    let local = event.egress_outcome(&RecordingStore::local("/srv/egress")).expect("an egress_ended").expect("maps");
    let EgressOutcome::Recorded { input, .. } = local else { panic!("recorded: {local:?}") };
    assert_eq!(input, RecordingInput::Local { path: PathBuf::from("/srv/egress/sessions/s-42/recording.mp4") });
    assert!(verified("participant_joined.json").egress_outcome(&store).is_none());
}

fn egress_ended(status: &str, error: &str, filename: &str, room_name: &str) -> WebhookEvent {
    let mut info = json!({ "egressId": "EG_1", "roomName": room_name, "status": status });
    if !error.is_empty() {
        info["error"] = error.into();
    }
    if !filename.is_empty() {
        info["fileResults"] = json!([{ "filename": filename, "duration": "5000000000", "size": "1000" }]);
    }
    WebhookEvent::from_value(json!({ "event": "egress_ended", "id": "EV_1", "egressInfo": info })).expect("parses")
}

#[test]
fn failures_and_limits_map_to_outcomes() {
    let store = RecordingStore::s3("recordings").expect("bucket");
    let outcome = |event: WebhookEvent| event.egress_outcome(&store).expect("an egress_ended");

    let failed = outcome(verified("egress_ended_failed.json")).expect("maps");
    assert_eq!(
        failed,
        EgressOutcome::Failed {
            egress_id: "EG_q8WcRzL2pTnV".into(),
            status: EgressStatus::Failed,
            reason: "pipeline frozen".into()
        }
    );
    let from_server = outcome(verified("egress_ended_server_failed.json")).expect("maps");
    assert_eq!(
        from_server,
        EgressOutcome::Failed {
            egress_id: String::new(),
            status: EgressStatus::Failed,
            reason: "egress not connected (redis required)".into()
        }
    );
    let aborted = outcome(egress_ended("EGRESS_ABORTED", "", "", "r")).expect("maps");
    assert!(matches!(&aborted, EgressOutcome::Failed { reason, .. } if reason.contains("without an error message")));

    let limited = outcome(egress_ended("EGRESS_LIMIT_REACHED", "time limit", "sessions/s-1/recording.mp4", "r"));
    assert!(matches!(limited, Ok(EgressOutcome::Recorded { limit_reached: true, .. })), "{limited:?}");
    let limited_no_file = outcome(egress_ended("EGRESS_LIMIT_REACHED", "time limit", "", "r")).expect("maps");
    assert!(matches!(limited_no_file, EgressOutcome::Failed { status: EgressStatus::LimitReached, .. }));

    let no_file = outcome(egress_ended("EGRESS_COMPLETE", "", "", "r")).expect_err("nothing to process");
    assert!(matches!(no_file, LiveKitError::NoRecordingFile { .. }), "{no_file:?}");
    assert_eq!(no_file.http_status(), 422);
    let active = outcome(egress_ended("EGRESS_ACTIVE", "", "sessions/s-1/recording.mp4", "r"));
    assert!(matches!(active, Err(LiveKitError::EgressNotEnded { .. })));
}

#[test]
fn the_session_id_comes_from_the_key_else_the_room() {
    let store = RecordingStore::s3("recordings").expect("bucket");
    let session =
        |filename: &str, room: &str| match egress_ended("EGRESS_COMPLETE", "", filename, room).egress_outcome(&store) {
            Some(Ok(EgressOutcome::Recorded { session_id, .. })) => Ok(session_id.to_string()),
            Some(Err(e)) => Err(e),
            other => panic!("unexpected {other:?}"),
        };
    assert_eq!(session("sessions/abc/recording.mp4", "room-1").ok().as_deref(), Some("abc"));
    assert_eq!(session("tenant/sessions/abc/cam.mp4", "room-1").ok().as_deref(), Some("abc"));
    assert_eq!(session("recordings/room-1-2026.mp4", "room-1").ok().as_deref(), Some("room-1"));
    let bad_room = session("recordings/x.mp4", "a room/with slash").expect_err("invalid id");
    assert!(matches!(bad_room, LiveKitError::InvalidSessionId { .. }), "{bad_room:?}");
    assert!(bad_room.to_string().contains("room name"), "{bad_room}");
    let no_room = session("x.mp4", "").expect_err("no id anywhere");
    assert!(matches!(no_room, LiveKitError::InvalidSessionId { .. }));
    let bad_key = session("sessions/bad id!/recording.mp4", "room-1").expect_err("invalid id in the key");
    assert!(bad_key.to_string().contains("file key"), "{bad_key}");
}

// --- access tokens and egress requests ----------------------------------------------------------

#[test]
fn egress_requests_record_mp4_with_opus_and_short_gops() {
    let api = LiveKitApi::new("wss://demo.livekit.cloud", API_KEY, API_SECRET).expect("valid");
    let s3 = S3Upload {
        access_key: "AKIAEXAMPLEKEY".into(),
        secret: "s3-secret-value-123".into(),
        region: "eu-west-1".into(),
        endpoint: "http://127.0.0.1:9000".into(),
        bucket: "arn:aws:s3:::recordings".into(),
        force_path_style: true,
        ..Default::default()
    };
    let session = SessionId::new("s-42").expect("valid");
    let participant = RecordingSource::Participant { room_name: "session-room-7".into(), identity: "alice".into() };
    let request = participant.start_request(&api, &s3, &session).expect("builds");
    assert_eq!(request.url, "https://demo.livekit.cloud/twirp/livekit.Egress/StartParticipantEgress");
    assert_eq!(request.path, "/twirp/livekit.Egress/StartParticipantEgress");
    assert_eq!(
        request.body,
        json!({
            "roomName": "session-room-7",
            "identity": "alice",
            "fileOutputs": [{
                "fileType": "MP4",
                "filepath": "sessions/s-42/participants/alice/recording.mp4",
                "s3": {
                    "accessKey": "AKIAEXAMPLEKEY", "secret": "s3-secret-value-123", "region": "eu-west-1",
                    "endpoint": "http://127.0.0.1:9000", "bucket": "recordings", "forcePathStyle": true
                }
            }],
            "advanced": { "audioCodec": "OPUS", "keyFrameInterval": 2.0 }
        })
    );
    let token = request.authorization.strip_prefix("Bearer ").expect("a bearer token");
    let claims = peer("verify-token", json!({ "api_key": API_KEY, "api_secret": API_SECRET, "token": token }));
    assert_eq!(claims["video"]["room_record"], true, "{claims}");

    let debug = format!("{request:?} {s3:?} {api:?}");
    for secret in ["s3-secret-value-123", "AKIAEXAMPLEKEY", API_SECRET, token] {
        assert!(!debug.contains(secret), "Debug shows a secret: {debug}");
    }

    // A participant who left and joined again is recorded into a part folder of their own.
    let rejoined = participant.start_part_request(&api, &s3, &session, 2).expect("builds");
    assert_eq!(rejoined.body["fileOutputs"][0]["filepath"], "sessions/s-42/participants/alice/part-2/recording.mp4");
    assert_eq!(rejoined.body["identity"], "alice");
    let first = participant.start_part_request(&api, &s3, &session, 1).expect("builds");
    assert_eq!(first.body["fileOutputs"], request.body["fileOutputs"], "the first part is the participant's folder");

    let composite = RecordingSource::TrackComposite {
        room_name: "session-room-7".into(),
        audio_track_id: "TR_audio".into(),
        video_track_id: "TR_video".into(),
    };
    let request = composite.start_request(&api, &s3, &session).expect("builds");
    assert!(request.url.ends_with("/StartTrackCompositeEgress"));
    assert_eq!(
        (&request.body["audioTrackId"], &request.body["videoTrackId"]),
        (&json!("TR_audio"), &json!("TR_video"))
    );
    let room = RecordingSource::RoomComposite { room_name: "session-room-7".into(), layout: "speaker".into() };
    let request =
        room.start_request(&LiveKitApi::new("ws://127.0.0.1:7880", API_KEY, API_SECRET).expect("valid"), &s3, &session);
    let request = request.expect("builds");
    assert_eq!(request.url, "http://127.0.0.1:7880/twirp/livekit.Egress/StartRoomCompositeEgress");
    assert_eq!(request.body["layout"], "speaker");
    assert_eq!(request.body["fileOutputs"][0]["filepath"], "sessions/s-42/recording.mp4");
    assert!(
        matches!(room.start_part_request(&api, &s3, &session, 2), Err(LiveKitError::Config(_))),
        "only a participant is recorded in parts"
    );

    let bad = RecordingSource::Participant { room_name: String::new(), identity: "a".into() };
    assert!(matches!(bad.start_request(&api, &s3, &session), Err(LiveKitError::Config(_))));
    let escaping = RecordingSource::Participant { room_name: "r".into(), identity: "../bob".into() };
    assert!(
        matches!(escaping.start_request(&api, &s3, &session), Err(LiveKitError::Config(_))),
        "an identity is one folder"
    );
    let bad_bucket = S3Upload { bucket: "Not_A_Bucket".into(), ..s3.clone() };
    assert!(matches!(participant.start_request(&api, &bad_bucket, &session), Err(LiveKitError::Config(_))));
}

// --- LiveKit's Python SDK as the peer ------------------------------------------------------------

/// Runs `tests/peers/livekit_peer.py <command>` with `request` on stdin; the test fails loudly
/// when the peer cannot run.
fn peer(command: &str, request: Value) -> Value {
    let python = session_testkit::peer_python();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/peers/livekit_peer.py");
    let mut child = Command::new(&python)
        .arg(&script)
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {} ({e}): the LiveKit peer needs the test venv with livekit-api; run scripts/setup \
                 (or set LIVEKIT_PEER_PYTHON to a python that has `pip install -r scripts/test-requirements.txt`)",
                python.display()
            )
        });
    child.stdin.take().expect("stdin").write_all(request.to_string().as_bytes()).expect("write the request");
    let output = child.wait_with_output().expect("the peer ran");
    assert!(
        output.status.success(),
        "livekit_peer.py {command} failed ({}); if livekit-api is missing run scripts/setup. stderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the peer prints JSON")
}

#[test]
fn a_webhook_signed_by_livekits_sdk_verifies_here() {
    let body = String::from_utf8(fixture("egress_ended_complete.json")).expect("UTF-8");
    let signed = peer("sign-webhook", json!({ "api_key": API_KEY, "api_secret": API_SECRET, "body": body }));
    let authorization = signed["authorization"].as_str().expect("a token");
    let event = verifier().verify_now(body.as_bytes(), Some(authorization), CONTENT_TYPE).expect("verifies");
    assert_eq!(event.egress.expect("egress").egress_id, "EG_hmN3tKqg9xCa");
    let tampered = body.replace("EG_hmN3tKqg9xCa", "EG_hmN3tKqg9xCb");
    let err = verifier().verify_now(tampered.as_bytes(), Some(authorization), CONTENT_TYPE).expect_err("tampered");
    assert_eq!(err, LiveKitError::BodyHashMismatch);
}

#[test]
fn a_token_minted_here_verifies_in_livekits_sdk() {
    let token = AccessToken::new(API_KEY, API_SECRET)
        .with_identity("alice")
        .with_name("Alice")
        .with_metadata(r#"{"sessionId":"s-42"}"#)
        .with_ttl(Duration::from_secs(600))
        .with_grants(VideoGrants {
            room_join: true,
            room: "session-room-7".into(),
            can_publish: Some(true),
            can_subscribe: Some(false),
            can_publish_sources: vec!["camera".into(), "microphone".into()],
            hidden: true,
            ..Default::default()
        })
        .to_jwt()
        .expect("mints");
    let claims = peer("verify-token", json!({ "api_key": API_KEY, "api_secret": API_SECRET, "token": token }));
    assert_eq!(claims["identity"], "alice");
    assert_eq!(claims["name"], "Alice");
    assert_eq!(claims["metadata"], r#"{"sessionId":"s-42"}"#);
    let video = &claims["video"];
    assert_eq!(video["room_join"], true, "{claims}");
    assert_eq!(video["room"], "session-room-7");
    assert_eq!(video["can_publish"], true);
    assert_eq!(video["can_subscribe"], false);
    assert_eq!(video["can_publish_sources"], json!(["camera", "microphone"]));
    assert_eq!(video["hidden"], true);
    assert_eq!(video["room_admin"], Value::Null, "grants left unset stay unset");
}

/// Whether LiveKit's generated protobuf types accept `json` as `message` with no unknown names.
fn livekit_parses_strictly(message: &str, json: &str) -> Result<(), String> {
    let answer = peer("parse-strict", json!({ "message": message, "json": json }));
    match answer["ok"].as_bool() {
        Some(true) => Ok(()),
        _ => Err(answer["error"].to_string()),
    }
}

#[test]
fn the_fixtures_use_livekits_real_names() {
    for name in [
        "egress_ended_complete.json",
        "egress_ended_failed.json",
        "egress_ended_server_failed.json",
        "participant_joined.json",
        "room_finished.json",
        "track_published.json",
    ] {
        let body = String::from_utf8(fixture(name)).expect("UTF-8");
        livekit_parses_strictly("WebhookEvent", &body).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // What a strict decoder (like the livekit-api crate) does with a newer server's values, and
    // we do not: `unknown_fields_and_enum_values_never_fail_an_event`.
    let newer = String::from_utf8(fixture("egress_from_a_newer_server.json")).expect("UTF-8");
    let err = livekit_parses_strictly("WebhookEvent", &newer).expect_err("strict parsing rejects it");
    assert!(err.contains("Invalid enum value"), "{err}");
}

#[test]
fn egress_request_bodies_are_livekits_messages() {
    let api = LiveKitApi::new("wss://demo.livekit.cloud", API_KEY, API_SECRET).expect("valid");
    let s3 = S3Upload {
        access_key: "AKIAEXAMPLEKEY".into(),
        secret: "s3-secret-value-123".into(),
        session_token: "session-token".into(),
        region: "eu-west-1".into(),
        endpoint: "https://s3.example.com".into(),
        bucket: "recordings".into(),
        force_path_style: true,
    };
    let session = SessionId::new("s-42").expect("valid");
    let sources = [
        (
            "RoomCompositeEgressRequest",
            "StartRoomCompositeEgress",
            RecordingSource::RoomComposite { room_name: "r".into(), layout: "grid".into() },
        ),
        (
            "ParticipantEgressRequest",
            "StartParticipantEgress",
            RecordingSource::Participant { room_name: "r".into(), identity: "alice".into() },
        ),
        (
            "TrackCompositeEgressRequest",
            "StartTrackCompositeEgress",
            RecordingSource::TrackComposite {
                room_name: "r".into(),
                audio_track_id: "TR_a".into(),
                video_track_id: "TR_v".into(),
            },
        ),
    ];
    for (message, method, source) in sources {
        let request = source.start_request(&api, &s3, &session).expect("builds");
        assert_eq!(request.path, format!("/twirp/livekit.Egress/{method}"));
        livekit_parses_strictly(message, &request.body.to_string()).unwrap_or_else(|e| panic!("{message}: {e}"));
    }
}

#[test]
fn a_webhook_signed_here_is_accepted_by_livekits_sdk() {
    let body = String::from_utf8(fixture("participant_joined.json")).expect("UTF-8");
    let authorization = sign(body.as_bytes(), now_s());
    let received = peer(
        "receive-webhook",
        json!({ "api_key": API_KEY, "api_secret": API_SECRET, "body": body, "authorization": authorization }),
    );
    let event = &received["event"];
    assert_eq!(event["event"], "participant_joined", "{received}");
    assert_eq!(event["id"], "EV_kP3sJ9dL2qWe");
    assert_eq!(event["participant"]["identity"], "alice");
    assert_eq!(event["room"]["name"], "session-room-7");
}

// --- real egress runs ---------------------------------------------------------------------

/// The webhook bodies of one captured egress run (`tests/fixtures/real_egress_runs.json`:
/// livekit-server v1.13.5 and LiveKit Egress v1.8.6 recording to an S3 stand-in on loopback).
fn real_run(name: &str) -> Vec<WebhookEvent> {
    let runs: Value = serde_json::from_slice(&fixture("real_egress_runs.json")).expect("JSON");
    let bodies = runs[name].as_array().unwrap_or_else(|| panic!("no run {name}")).clone();
    bodies.into_iter().map(|body| WebhookEvent::from_value(body).expect("a real body parses")).collect()
}

#[test]
fn every_webhook_of_a_real_egress_run_parses_with_known_values() {
    for run in ["participant_egress_stopped", "participant_egress_source_closed", "track_composite_egress_stopped"] {
        let events = real_run(run);
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.starts_with(&["participant_joined"]) || kinds.starts_with(&["room_started"]), "{run}: {kinds:?}");
        assert_eq!(kinds.last(), Some(&"egress_ended"), "{run}");
        for event in &events {
            assert!(!matches!(event.kind, EventKind::Other(_)), "{run}: {:?}", event.kind);
            if let Some(egress) = &event.egress {
                assert!(!matches!(egress.status, EgressStatus::Other(_)), "{run}: {:?}", egress.status);
            }
            if let Some(participant) = &event.participant {
                assert!(!matches!(participant.kind, ParticipantKind::Other(_)), "{run}: {:?}", participant.kind);
            }
            assert!(event.raw.get("room").is_none_or(|room| room.get("turnPassword").is_none()));
        }
        // The recorder joins and leaves the room as a participant of kind EGRESS, named by its egress id.
        let egress_id = events.last().and_then(|e| e.egress.as_ref()).map(|e| e.egress_id.clone()).expect("egress");
        let recorder =
            events.iter().filter_map(|e| e.participant.as_ref()).find(|p| p.is_recorder()).expect("recorder");
        assert_eq!(recorder.identity, egress_id, "{run}");
        let statuses: Vec<EgressStatus> =
            events.iter().filter_map(|e| e.egress.as_ref()).map(|e| e.status.clone()).collect();
        assert_eq!(statuses.last(), Some(&EgressStatus::Complete), "{run}: {statuses:?}");
    }
}

#[test]
fn real_egress_ended_deliveries_map_to_the_recording_in_s3() {
    let store = RecordingStore::parse("s3://recordings").expect("store");
    for (run, session, duration_ns) in [
        ("participant_egress_stopped", "s-egress-3", 9_833_543_428),
        ("participant_egress_source_closed", "s-egress-nostop", 24_875_358_643),
        ("track_composite_egress_stopped", "s-egress-tc", 9_850_108_040),
    ] {
        let ended = real_run(run).pop().expect("egress_ended");
        let outcome = ended.egress_outcome(&store).expect("an egress_ended").expect("processable");
        let EgressOutcome::Recorded { session_id, input, duration_ns: got, limit_reached, .. } = outcome else {
            panic!("{run}: not recorded: {outcome:?}")
        };
        assert_eq!(session_id.as_str(), session, "{run}: from sessions/<id>/ in the key");
        let key = format!("sessions/{session}/recording.mp4");
        assert_eq!(input, RecordingInput::S3 { bucket: "recordings".into(), key }, "{run}");
        assert!(!limit_reached);
        assert_eq!(got, duration_ns, "{run}");
        // Egress builds `location` as https://{bucket}.{endpoint}/{key}: never parsed, only the filename is used.
        let location = &ended.egress.as_ref().expect("egress").file_results[0].location;
        assert!(location.starts_with("https://recordings.http://"), "{location}");
    }
}

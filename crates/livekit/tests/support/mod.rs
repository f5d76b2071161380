//! Shared by the LiveKit tests (and by `crates/core/tests/livekit_egress.rs`, which includes this
//! file): tokens and verified webhooks on the test LiveKit server's key.
#![allow(dead_code)]

/// A token for `identity` (shown as `name`) to join `room` and publish and subscribe, on the
/// test LiveKit server's key.
pub fn join_token(room: &str, identity: &str, name: &str) -> String {
    use session_livekit::{AccessToken, VideoGrants};
    use session_testkit::livekit_server::{API_KEY, API_SECRET};
    AccessToken::new(API_KEY, API_SECRET)
        .with_identity(identity)
        .with_name(name)
        .with_grants(VideoGrants {
            room_join: true,
            room: room.into(),
            can_publish: Some(true),
            can_subscribe: Some(true),
            ..Default::default()
        })
        .to_jwt()
        .expect("mint a join token")
}

/// A delivery the test LiveKit server sent, verified and parsed; fails the test with its body
/// when it does not verify.
pub fn verify_delivery(request: &session_testkit::http::Request) -> session_livekit::WebhookEvent {
    use session_testkit::livekit_server::{API_KEY, API_SECRET};
    session_livekit::WebhookVerifier::new(API_KEY, API_SECRET)
        .expect("verifier")
        .verify_now(&request.body, request.header("authorization"), request.header("content-type"))
        .unwrap_or_else(|e| {
            panic!("a delivery from the server does not verify ({e}): {}", String::from_utf8_lossy(&request.body))
        })
}

//! Webhook ingestion load: signed `track_published` deliveries (each with its own id) for the
//! rooms `bench-1` … `bench-<rooms>`, sent by `--concurrency` threads over keep-alive
//! connections; prints deliveries per second and latency percentiles. Used by
//! `benches/platform-race.sh`, which starts Postgres and the server and seeds the sessions.
//!
//! webhook_load load URL KEY SECRET DELIVERIES CONCURRENCY ROOMS
//! webhook_load send URL KEY SECRET BODY     (one signed delivery; exits 1 unless answered 200)

use std::time::{Duration, Instant};

use serde_json::json;
use session_processing::livekit::sign_webhook;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (url, key, secret, deliveries, concurrency, rooms) = match args.as_slice() {
        [mode, url, key, secret, body] if mode == "send" => {
            send_all(url, key, secret, &[body.clone().into_bytes()]);
            return;
        }
        [mode, url, key, secret, deliveries, concurrency, rooms] if mode == "load" => {
            (url, key, secret, deliveries, concurrency, rooms)
        }
        _ => {
            eprintln!(
                "usage: webhook_load load URL KEY SECRET DELIVERIES CONCURRENCY ROOMS | send URL KEY SECRET BODY"
            );
            std::process::exit(2);
        }
    };
    let number = |s: &str, what: &str| -> usize {
        s.parse().unwrap_or_else(|_| {
            eprintln!("{what} must be a whole number, not {s:?}");
            std::process::exit(2)
        })
    };
    let (deliveries, concurrency, rooms) =
        (number(deliveries, "DELIVERIES"), number(concurrency, "CONCURRENCY").max(1), number(rooms, "ROOMS").max(1));
    let bodies: Vec<Vec<u8>> = (0..deliveries)
        .map(|i| {
            json!({
                "event": "track_published", "id": format!("EV_load_{i}_{}", std::process::id()),
                "createdAt": "1764800000",
                "room": { "sid": "RM_load", "name": format!("bench-{}", i % rooms + 1) },
                "participant": { "sid": "PA_load", "identity": "alice" },
                "track": { "sid": format!("TR_{i}"), "type": "AUDIO", "source": "MICROPHONE" }
            })
            .to_string()
            .into_bytes()
        })
        .collect();
    let started = Instant::now();
    let mut latencies: Vec<Duration> = std::thread::scope(|scope| {
        let threads: Vec<_> = bodies
            .chunks(deliveries.div_ceil(concurrency).max(1))
            .map(|chunk| scope.spawn(|| send_all(url, key, secret, chunk)))
            .collect();
        threads.into_iter().flat_map(|t| t.join().expect("a sender thread")).collect()
    });
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |q: f64| latencies[((latencies.len() as f64 - 1.0) * q).round() as usize].as_secs_f64() * 1000.0;
    println!(
        "deliveries {} concurrency {concurrency} in {:.2} s: {:.0} deliveries/s, latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        at(0.5),
        at(0.99),
        at(1.0),
    );
}

/// Sends each body in turn on one agent; every answer must be 200.
fn send_all(url: &str, key: &str, secret: &str, bodies: &[Vec<u8>]) -> Vec<Duration> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    bodies
        .iter()
        .map(|body| {
            let auth = sign_webhook(key, secret, body, time::OffsetDateTime::now_utc()).expect("sign");
            let sent = Instant::now();
            let mut answer = agent
                .post(url)
                .header("Authorization", &auth)
                .header("Content-Type", "application/webhook+json")
                .send(body.as_slice())
                .expect("the server answers");
            let latency = sent.elapsed();
            let status = answer.status().as_u16();
            let text = answer.body_mut().read_to_string().unwrap_or_default();
            assert_eq!(status, 200, "a delivery was refused: {text}");
            latency
        })
        .collect()
}

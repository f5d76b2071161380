//! Loopback ports for the servers a test starts. A port the OS hands out for `bind(0)` comes
//! from the ephemeral range, which every outgoing connection draws its local port from too: in
//! the seconds between choosing a port and the server binding it, a client connection of a
//! parallel test could take it ("Address already in use"). These come from below that range, are
//! checked free, and are never handed out twice in one process.

use std::collections::HashSet;
use std::net::{TcpListener, UdpSocket};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// Lowest port handed out.
const LOWEST: u16 = 10_000;
/// Ports below the ephemeral range tried before giving up.
const TRIES: usize = 2_000;

static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// A TCP port on 127.0.0.1 that is free now and outside the ephemeral range.
pub fn free_tcp_port() -> u16 {
    pick(|port| TcpListener::bind(("127.0.0.1", port)).is_ok())
}

/// A UDP port on 127.0.0.1 that is free now and outside the ephemeral range.
pub fn free_udp_port() -> u16 {
    pick(|port| UdpSocket::bind(("127.0.0.1", port)).is_ok())
}

fn pick(is_free: impl Fn(u16) -> bool) -> u16 {
    let below = ephemeral_start();
    assert!(below > LOWEST + 1_000, "the ephemeral port range starts at {below}: too low to pick ports below it");
    let span = u64::from(below - LOWEST);
    let mut state = seed();
    let mut handed_out = HANDED_OUT.lock().unwrap_or_else(|e| e.into_inner());
    let taken = handed_out.get_or_insert_with(HashSet::new);
    for _ in 0..TRIES {
        state = state.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        let port = LOWEST + ((state >> 33) % span) as u16;
        if !taken.contains(&port) && is_free(port) {
            taken.insert(port);
            return port;
        }
    }
    panic!("no free loopback port between {LOWEST} and {below} after {TRIES} tries");
}

/// The first port of the OS's ephemeral range (Linux: `ip_local_port_range`; 32768 elsewhere).
fn ephemeral_start() -> u16 {
    std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|range| range.split_whitespace().next().and_then(|low| low.parse().ok()))
        .unwrap_or(32_768)
}

fn seed() -> u64 {
    let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    nanos ^ (u64::from(std::process::id()) << 32)
}

//! Rendering report.html for a one-hour 1:1 session (issue #15's goal: under 200 ms, under 2 MB).
//! The page's size is printed once before the timing.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use session_benches::hour_long_session;

fn render_hour(c: &mut Criterion) {
    let documents = hour_long_session();
    let bytes = session_report::render(&documents).len();
    eprintln!("report.html of a one-hour 1:1 session: {bytes} bytes ({:.2} MB)", bytes as f64 / 1e6);
    let mut group = c.benchmark_group("report");
    group.sample_size(20);
    group.bench_function("render_one_hour_1on1", |b| {
        b.iter(|| black_box(session_report::render(black_box(&documents))))
    });
    group.finish();
}

criterion_group!(benches, render_hour);
criterion_main!(benches);

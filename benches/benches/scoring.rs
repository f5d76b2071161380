//! Criterion benches for the scoring stage: the audio analyzer over a
//! minute of 16 kHz audio, `frame_stats` on one 320×180 frame, and
//! `score_quality` on ten minutes of features.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use session_benches::{speech_like_audio, ten_minutes_of_features, textured_plane};
use session_scoring::{AudioAnalyzer, frame_stats, score_quality};

fn audio_analyzer(c: &mut Criterion) {
    let samples = speech_like_audio(16_000, 60.0);
    let mut group = c.benchmark_group("audio_analyzer");
    group.throughput(Throughput::Elements(samples.len() as u64));
    group.sample_size(10);
    group.bench_function("60s_16khz_in_1024_sample_chunks", |b| {
        b.iter(|| {
            let mut analyzer = AudioAnalyzer::new(16_000).unwrap();
            for chunk in samples.chunks(1_024) {
                analyzer.push(black_box(chunk));
            }
            black_box(analyzer.finish())
        })
    });
    group.finish();
}

fn frame_statistics(c: &mut Criterion) {
    let plane = textured_plane(320, 180, 0.0);
    c.bench_function("frame_stats_320x180", |b| {
        b.iter(|| black_box(frame_stats(black_box(&plane), 320, 180, 320, 0.0)))
    });
}

fn quality_report(c: &mut Criterion) {
    let (audio, video) = ten_minutes_of_features();
    let mut group = c.benchmark_group("score_quality");
    group.sample_size(10);
    group.bench_function("10_minutes", |b| b.iter(|| black_box(score_quality(Ok(&audio), Ok(&video)))));
    group.finish();
}

criterion_group!(benches, audio_analyzer, frame_statistics, quality_report);
criterion_main!(benches);

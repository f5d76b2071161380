//! Frame timing from packet timestamps (no decoding): measured frame rate,
//! its stability, and freezes and pauses as W3C webrtc-stats defines them.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::features::PacketInfo;

/// Frames averaged for the freeze threshold (W3C webrtc-stats).
const FREEZE_WINDOW_FRAMES: usize = 30;
/// A gap longer than this is a pause rather than a freeze, seconds.
const PAUSE_GAP_S: f64 = 5.0;

/// Presentation times of the frames, seconds, ascending. A packet without
/// a pts falls back to its dts; packets with neither are skipped.
pub fn frame_times_s(packets: &[PacketInfo]) -> Vec<f64> {
    let mut times: Vec<f64> = packets.iter().filter_map(|p| p.pts_s.or(p.dts_s)).filter(|t| t.is_finite()).collect();
    times.sort_by(f64::total_cmp);
    times
}

/// Frame rate and its regularity, measured from frame times.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct FrameTiming {
    /// Frames with a timestamp.
    pub frame_count: usize,
    /// `(frame_count - 1) / (last time - first time)`, frames per second.
    pub measured_fps: f64,
    /// Mean interval between frames, freezes and pauses left out, seconds.
    pub frame_duration_mean_s: f64,
    /// Standard deviation of the interval between frames, freezes and pauses left out, seconds.
    pub frame_duration_std_s: f64,
    /// Coefficient of variation of the interval (std / mean): 0 for a perfectly steady rate.
    pub frame_duration_cv: f64,
}

impl FrameTiming {
    /// Timing of ascending frame times; `None` with fewer than two frames or no time span.
    /// The interval statistics leave out gaps of at least max(3 × median,
    /// median + 150 ms): those are freezes and pauses, reported on their own,
    /// and would otherwise swamp the jitter of the regular frames.
    pub fn measure(times_s: &[f64]) -> Option<Self> {
        let span_s = times_s.last()? - times_s.first()?;
        if times_s.len() < 2 || span_s <= 0.0 {
            return None;
        }
        let durations: Vec<f64> = times_s.windows(2).map(|w| w[1] - w[0]).collect();
        let typical = crate::stats::median(&durations)?;
        let regular: Vec<f64> =
            durations.iter().copied().filter(|&d| d < (3.0 * typical).max(typical + 0.150)).collect();
        let mean = crate::stats::mean(&regular)?;
        let std = crate::stats::std_dev(&regular)?;
        Some(Self {
            frame_count: times_s.len(),
            measured_fps: (times_s.len() - 1) as f64 / span_s,
            frame_duration_mean_s: mean,
            frame_duration_std_s: std,
            frame_duration_cv: if mean > 0.0 { std / mean } else { 0.0 },
        })
    }
}

/// Whether a gap is a freeze or a pause.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum FreezeKind {
    /// Gap of at least max(3 × avg, avg + 150 ms), at most 5 s.
    Freeze,
    /// No frame for more than 5 s.
    Pause,
}

/// A gap in the frame times.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Freeze {
    /// Time of the last frame before the gap, seconds.
    pub start_s: f64,
    /// Length of the gap, seconds.
    pub duration_s: f64,
    /// Freeze or pause.
    pub kind: FreezeKind,
}

/// Streaming freeze detector following W3C webrtc-stats: a frame interval
/// is a freeze when it is at least max(3 × avg, avg + 150 ms), avg being the
/// mean of the previous 30 intervals; an interval over 5 s is a pause.
#[derive(Default)]
pub struct FreezeDetector {
    last_time_s: Option<f64>,
    recent_durations_s: VecDeque<f64>,
    events: Vec<Freeze>,
}

impl FreezeDetector {
    /// A detector that has seen no frame yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// All freezes and pauses in ascending frame times.
    pub fn detect(times_s: &[f64]) -> Vec<Freeze> {
        let mut detector = Self::new();
        for &t in times_s {
            detector.push(t);
        }
        detector.finish()
    }

    /// The next frame's time, seconds (ascending).
    pub fn push(&mut self, time_s: f64) {
        if let Some(last) = self.last_time_s {
            let duration = time_s - last;
            self.classify(last, duration);
            if self.recent_durations_s.len() == FREEZE_WINDOW_FRAMES {
                self.recent_durations_s.pop_front();
            }
            self.recent_durations_s.push_back(duration);
        }
        self.last_time_s = Some(time_s);
    }

    /// The gaps found.
    pub fn finish(self) -> Vec<Freeze> {
        self.events
    }

    fn classify(&mut self, start_s: f64, duration_s: f64) {
        if duration_s > PAUSE_GAP_S {
            self.events.push(Freeze { start_s, duration_s, kind: FreezeKind::Pause });
            return;
        }
        if self.recent_durations_s.is_empty() {
            return;
        }
        let avg = self.recent_durations_s.iter().sum::<f64>() / self.recent_durations_s.len() as f64;
        if duration_s >= (3.0 * avg).max(avg + 0.150) {
            self.events.push(Freeze { start_s, duration_s, kind: FreezeKind::Freeze });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn packets_at(times: &[f64]) -> Vec<PacketInfo> {
        times
            .iter()
            .map(|&t| PacketInfo { pts_s: Some(t), dts_s: None, duration_s: None, size_bytes: 1000, keyframe: false })
            .collect()
    }

    fn steady(fps: f64, seconds: f64) -> Vec<f64> {
        (0..(fps * seconds) as usize).map(|i| i as f64 / fps).collect()
    }

    #[test]
    fn thirty_fps_measures_thirty_and_is_steady() {
        let times = frame_times_s(&packets_at(&steady(30.0, 10.0)));
        let timing = FrameTiming::measure(&times).unwrap();
        assert!((timing.measured_fps - 30.0).abs() < 0.1, "{}", timing.measured_fps);
        assert!(timing.frame_duration_cv < 1e-6);
        assert!(FreezeDetector::detect(&times).is_empty());
    }

    #[test]
    fn b_frame_order_is_sorted_by_pts() {
        let mut packets = packets_at(&[0.0, 0.1, 0.033, 0.066, 0.133]);
        packets[0].pts_s = None;
        packets[0].dts_s = Some(0.0);
        assert_eq!(frame_times_s(&packets), vec![0.0, 0.033, 0.066, 0.1, 0.133]);
    }

    #[test]
    fn a_two_second_gap_is_one_freeze() {
        let mut times = steady(30.0, 5.0);
        let after: Vec<f64> = steady(30.0, 5.0).iter().map(|t| t + 5.0 + 2.0).collect();
        times.extend(after);
        let events = FreezeDetector::detect(&times);
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].kind, FreezeKind::Freeze);
        assert!((events[0].duration_s - (2.0 + 1.0 / 30.0)).abs() < 1e-6);
        assert!((events[0].start_s - 149.0 / 30.0).abs() < 1e-6);
        // The gap is a freeze, not jitter: the regular frames stay steady.
        assert!(FrameTiming::measure(&times).unwrap().frame_duration_cv < 1e-6);
    }

    #[test]
    fn a_gap_over_five_seconds_is_a_pause_and_small_jitter_is_nothing() {
        let mut times = steady(30.0, 3.0);
        times.extend(steady(30.0, 3.0).iter().map(|t| t + 9.0));
        let events = FreezeDetector::detect(&times);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, FreezeKind::Pause);

        // 100 ms late once at 30 fps: 133 ms < avg + 150 ms, not a freeze.
        let mut jittery = steady(30.0, 2.0);
        for t in &mut jittery[30..] {
            *t += 0.1;
        }
        assert!(FreezeDetector::detect(&jittery).is_empty());
    }
}

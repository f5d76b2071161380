//! A second voice in a track that should carry one person: two clearly separate pitch registers
//! (for example a man's and a woman's voice) in the same recording.
//!
//! Each voiced stretch (at least 200 ms) is reduced to its median pitch; the stretches are split
//! into a lower and a higher group where the split leaves the least spread (1-D two-means), and
//! the groups count as two voices when they are far apart compared to their own spread, and the
//! smaller one holds a real share of the speech. One person's intonation moves the pitch up and
//! down but keeps one register; two people of similar pitch are not told apart.

use serde::Serialize;

/// Voiced 40 ms hops a stretch needs to count (200 ms).
const MIN_STRETCH_HOPS: usize = 5;
/// Stretches needed before judging.
const MIN_STRETCHES: usize = 8;

/// What the pitch registers show.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SecondVoice {
    /// 0..1: how clearly two registers are present.
    pub score: f64,
    /// Median pitch of the lower and the higher group, Hz.
    pub low_hz: f64,
    pub high_hz: f64,
    /// Distance between the groups, semitones.
    pub separation_semitones: f64,
    /// Distance over the groups' pooled spread (about 2.7 for one voice's normal intonation).
    pub separation_ratio: f64,
    /// Share of the voiced stretches' time in the smaller group.
    pub minor_share: f64,
    /// Voiced stretches judged.
    pub stretches: usize,
}

/// Judges a pitch track (one estimate per hop, `None` where unvoiced); `None` when there is too
/// little voiced speech to judge.
pub fn second_voice(pitch_hz: &[Option<f32>]) -> Option<SecondVoice> {
    let mut stretches: Vec<(f64, usize)> = Vec::new(); // (median semitones above 55 Hz, hops)
    let mut run: Vec<f64> = Vec::new();
    for pitch in pitch_hz.iter().chain(std::iter::once(&None)) {
        match pitch.filter(|f| *f > 40.0) {
            Some(f) => run.push(12.0 * (f64::from(f) / 55.0).log2()),
            None => {
                if run.len() >= MIN_STRETCH_HOPS {
                    run.sort_by(f64::total_cmp);
                    stretches.push((run[run.len() / 2], run.len()));
                }
                run.clear();
            }
        }
    }
    if stretches.len() < MIN_STRETCHES {
        return None;
    }
    stretches.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (low, high) = best_split(&stretches)?;
    let separation = high.mean - low.mean;
    let pooled = ((low.variance * low.weight + high.variance * high.weight) / (low.weight + high.weight)).sqrt();
    let ratio = separation / pooled.max(0.25);
    let total = low.weight + high.weight;
    let minor_share = low.weight.min(high.weight) / total;
    // Two registers: at least 4 semitones apart, well beyond one voice's spread (ratio 2.7 for a
    // single normal distribution), and the smaller one at least a tenth of the speech.
    let by_separation = ((separation - 4.0) / 3.0).clamp(0.0, 1.0);
    let by_ratio = ((ratio - 3.0) / 2.0).clamp(0.0, 1.0);
    let by_share = (minor_share / 0.15).clamp(0.0, 1.0);
    let hz = |semitones: f64| 55.0 * 2f64.powf(semitones / 12.0);
    let round = |x: f64, d: i32| (x * 10f64.powi(d)).round() / 10f64.powi(d);
    Some(SecondVoice {
        score: round(by_separation.min(by_ratio).min(by_share), 4),
        low_hz: round(hz(low.mean), 1),
        high_hz: round(hz(high.mean), 1),
        separation_semitones: round(separation, 2),
        separation_ratio: round(ratio, 2),
        minor_share: round(minor_share, 4),
        stretches: stretches.len(),
    })
}

/// Weighted mean and variance of one group.
struct Group {
    mean: f64,
    variance: f64,
    weight: f64,
}

fn group(items: &[(f64, usize)]) -> Group {
    let weight: f64 = items.iter().map(|(_, w)| *w as f64).sum();
    let mean = items.iter().map(|(x, w)| x * *w as f64).sum::<f64>() / weight;
    let variance = items.iter().map(|(x, w)| (x - mean).powi(2) * *w as f64).sum::<f64>() / weight;
    Group { mean, variance, weight }
}

/// The split of sorted values into a lower and a higher group with the least weighted spread.
fn best_split(sorted: &[(f64, usize)]) -> Option<(Group, Group)> {
    (1..sorted.len())
        .map(|i| {
            let (low, high) = (group(&sorted[..i]), group(&sorted[i..]));
            (i, low.variance * low.weight + high.variance * high.weight, low, high)
        })
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(_, _, low, high)| (low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Voiced stretches of 10 hops around `hz`, wobbling by `wobble` semitones, 5 hops of silence between.
    fn track(registers: &[(f32, usize)], wobble: f32) -> Vec<Option<f32>> {
        let mut out = Vec::new();
        let mut k = 0u32;
        for &(hz, stretches) in registers {
            for _ in 0..stretches {
                k += 1;
                let offset = wobble * (((k * 37) % 11) as f32 / 5.0 - 1.0);
                let f = hz * 2f32.powf(offset / 12.0);
                out.extend(std::iter::repeat_n(Some(f), 10));
                out.extend(std::iter::repeat_n(None, 5));
            }
        }
        out
    }

    #[test]
    fn one_voice_with_intonation_is_one_voice() {
        let verdict = second_voice(&track(&[(110.0, 40)], 3.0)).unwrap();
        assert!(verdict.score < 0.2, "{verdict:?}");
    }

    #[test]
    fn a_low_and_a_high_voice_are_two() {
        let verdict = second_voice(&track(&[(105.0, 20), (210.0, 15), (100.0, 10)], 1.5)).unwrap();
        assert!(verdict.score > 0.8, "{verdict:?}");
        assert!(verdict.low_hz < 115.0 && verdict.high_hz > 190.0, "{verdict:?}");
    }

    #[test]
    fn too_little_speech_is_not_judged() {
        assert_eq!(second_voice(&track(&[(110.0, 3)], 0.0)), None);
        assert_eq!(second_voice(&[]), None);
    }
}

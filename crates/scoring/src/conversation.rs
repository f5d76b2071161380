//! Conversation dynamics between participants, each recorded separately
//! (the 1:1 matching flow): talk shares, turns, overlaps, interruptions
//! and response latency.
//!
//! Turns follow the floor: a participant takes the floor when they start
//! speaking while nobody holds it, or when they start during someone else's
//! speech and are still speaking after that speech ends (an interruption).
//! Speech that starts and ends inside someone else's is a backchannel
//! ("mm-hm"): it counts as overlap but not as a turn.

use serde::{Deserialize, Serialize};

use crate::SpeechSegment;
use crate::scale::round_to;
use crate::stats::{mean, median};

/// A new speaker must overlap the one holding the floor by at least this much for the turn to be
/// an interruption; a shorter overlap is an ordinary hand-over (VAD padding alone makes tens of
/// milliseconds of it), counted as a reply without a gap, seconds.
pub const MIN_INTERRUPTION_OVERLAP_S: f64 = 0.25;
/// A silence longer than this before a new speaker is a lull, not a reply: it is counted in
/// `response_latency.lulls` and left out of the latency figures, seconds.
pub const MAX_RESPONSE_LATENCY_S: f64 = 10.0;

/// One participant's speech.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ParticipantSpeech {
    /// Participant identity.
    pub participant: String,
    /// Speech segments on the shared session timeline, seconds.
    pub segments: Vec<SpeechSegment>,
    /// Length of this participant's recording, seconds.
    pub duration_s: f64,
}

impl ParticipantSpeech {
    /// Adds another recording of the same participant (they left and joined again), on the same
    /// timeline: its segments join these in time order, overlapping ones merged into one, so no
    /// second of speech counts twice; the duration runs to the later end.
    pub fn add_part(&mut self, segments: &[SpeechSegment], duration_s: f64) {
        let mut all: Vec<SpeechSegment> = self.segments.iter().chain(segments).copied().collect();
        all.sort_by(|a, b| a.start_s.total_cmp(&b.start_s));
        let mut merged: Vec<SpeechSegment> = Vec::with_capacity(all.len());
        for segment in all {
            match merged.last_mut() {
                Some(last) if segment.start_s <= last.end_s => last.end_s = last.end_s.max(segment.end_s),
                _ => merged.push(segment),
            }
        }
        self.segments = merged;
        self.duration_s = self.duration_s.max(duration_s);
    }
}

/// `conversation` metrics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ConversationReport {
    /// Longest participant recording, seconds.
    pub duration_s: f64,
    /// Per participant, in input order.
    pub participants: Vec<ParticipantTalk>,
    /// Floor changes plus the first turn.
    pub turn_count: usize,
    /// Turns per minute.
    pub turns_per_minute: f64,
    /// Time in which two or more participants speak at once, seconds.
    pub overlap_s: f64,
    /// Time in which nobody speaks, seconds.
    pub mutual_silence_s: f64,
    /// Turns taken by starting during someone else's speech.
    pub interruption_count: usize,
    /// Gaps between one participant's speech ending and the next one's turn starting (interruptions excluded).
    pub response_latency: ResponseLatency,
    /// Balance of talk time: 1 when everyone talks equally, 0 when one participant does all the talking.
    /// `1 - (max share - min share)`; `null` with fewer than two participants or no speech.
    pub balance: Option<f64>,
}

/// One participant's part in the conversation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ParticipantTalk {
    /// Participant identity.
    pub participant: String,
    /// Total speech, seconds.
    pub talk_time_s: f64,
    /// Share of all participants' talk time (talk ratio), 0–1; `null` when nobody spoke.
    pub talk_share: Option<f64>,
    /// Talk time over the participant's recording length, 0–1.
    pub speech_ratio: f64,
    /// Turns taken.
    pub turns: usize,
    /// Turns taken by interrupting.
    pub interruptions: usize,
    /// Longest turn, seconds.
    pub longest_turn_s: f64,
}

/// Response latency statistics, seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ResponseLatency {
    /// Responses measured.
    pub count: usize,
    /// Mean, seconds; `null` without responses.
    pub mean_s: Option<f64>,
    /// Median, seconds; `null` without responses.
    pub median_s: Option<f64>,
    /// Turns taken after more than [`MAX_RESPONSE_LATENCY_S`] of silence: not replies.
    #[serde(default)]
    pub lulls: usize,
}

struct Floor {
    holder: usize,
    turn_start_s: f64,
    speech_end_s: f64,
}

struct Tally {
    turns: Vec<usize>,
    interruptions: Vec<usize>,
    longest_turn_s: Vec<f64>,
    latencies_s: Vec<f64>,
    lulls: usize,
}

/// Conversation metrics for participants on a shared timeline.
pub fn score_conversation(participants: &[ParticipantSpeech]) -> ConversationReport {
    let n = participants.len();
    let mut tagged: Vec<(usize, SpeechSegment)> = participants
        .iter()
        .enumerate()
        .flat_map(|(i, p)| p.segments.iter().map(move |s| (i, *s)))
        .filter(|(_, s)| s.end_s > s.start_s)
        .collect();
    tagged.sort_by(|a, b| a.1.start_s.total_cmp(&b.1.start_s));
    let tally = follow_floor(&tagged, n);
    let duration_s = participants.iter().map(|p| p.duration_s).fold(0.0, f64::max);
    let (overlap_s, mutual_silence_s) = overlap_and_silence(&tagged, duration_s);
    let talk: Vec<f64> = participants.iter().map(|p| p.segments.iter().map(SpeechSegment::duration_s).sum()).collect();
    let total_talk: f64 = talk.iter().sum();
    let shares: Vec<Option<f64>> = talk.iter().map(|t| (total_talk > 0.0).then(|| t / total_talk)).collect();
    let turn_count: usize = tally.turns.iter().sum();
    ConversationReport {
        duration_s: round_to(duration_s, 3),
        participants: participants
            .iter()
            .enumerate()
            .map(|(i, p)| ParticipantTalk {
                participant: p.participant.clone(),
                talk_time_s: round_to(talk[i], 3),
                talk_share: shares[i].map(|s| round_to(s, 4)),
                // 0–1 as documented, even when segments run past the declared duration.
                speech_ratio: if p.duration_s > 0.0 {
                    round_to((talk[i] / p.duration_s).clamp(0.0, 1.0), 4)
                } else {
                    0.0
                },
                turns: tally.turns[i],
                interruptions: tally.interruptions[i],
                longest_turn_s: round_to(tally.longest_turn_s[i], 3),
            })
            .collect(),
        turn_count,
        turns_per_minute: if duration_s > 0.0 { round_to(turn_count as f64 / (duration_s / 60.0), 2) } else { 0.0 },
        overlap_s: round_to(overlap_s, 3),
        mutual_silence_s: round_to(mutual_silence_s, 3),
        interruption_count: tally.interruptions.iter().sum(),
        response_latency: ResponseLatency {
            count: tally.latencies_s.len(),
            mean_s: mean(&tally.latencies_s).map(|m| round_to(m, 3)),
            median_s: median(&tally.latencies_s).map(|m| round_to(m, 3)),
            lulls: tally.lulls,
        },
        balance: balance(&shares),
    }
}

fn balance(shares: &[Option<f64>]) -> Option<f64> {
    let shares: Vec<f64> = shares.iter().copied().collect::<Option<Vec<f64>>>()?;
    if shares.len() < 2 {
        return None;
    }
    let max = shares.iter().copied().fold(f64::MIN, f64::max);
    let min = shares.iter().copied().fold(f64::MAX, f64::min);
    Some(round_to(1.0 - (max - min), 4))
}

fn follow_floor(tagged: &[(usize, SpeechSegment)], n: usize) -> Tally {
    let mut tally = Tally {
        turns: vec![0; n],
        interruptions: vec![0; n],
        longest_turn_s: vec![0.0; n],
        latencies_s: Vec::new(),
        lulls: 0,
    };
    let mut floor: Option<Floor> = None;
    for &(who, seg) in tagged {
        let taken = Floor { holder: who, turn_start_s: seg.start_s, speech_end_s: seg.end_s };
        floor = Some(match floor.take() {
            None => {
                tally.turns[who] += 1;
                taken
            }
            Some(f) if f.holder == who => Floor { speech_end_s: f.speech_end_s.max(seg.end_s), ..f },
            Some(f) if seg.end_s <= f.speech_end_s => f, // backchannel inside the holder's speech
            Some(f) => {
                close_turn(&mut tally, &f);
                let gap = seg.start_s - f.speech_end_s;
                if -gap >= MIN_INTERRUPTION_OVERLAP_S {
                    tally.interruptions[who] += 1;
                } else if gap > MAX_RESPONSE_LATENCY_S {
                    tally.lulls += 1;
                } else {
                    tally.latencies_s.push(gap.max(0.0));
                }
                tally.turns[who] += 1;
                taken
            }
        });
    }
    if let Some(f) = &floor {
        close_turn(&mut tally, f);
    }
    tally
}

fn close_turn(tally: &mut Tally, floor: &Floor) {
    let length = floor.speech_end_s - floor.turn_start_s;
    let longest = &mut tally.longest_turn_s[floor.holder];
    *longest = longest.max(length);
}

/// Overlapped time (2+ speakers) and mutual silence (nobody) over `[0, duration_s]`, by a sweep over segment edges.
fn overlap_and_silence(tagged: &[(usize, SpeechSegment)], duration_s: f64) -> (f64, f64) {
    let mut edges: Vec<(f64, i32)> = tagged.iter().flat_map(|(_, s)| [(s.start_s, 1), (s.end_s, -1)]).collect();
    edges.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    let (mut active, mut last_s, mut overlap, mut speaking) = (0i32, 0.0f64, 0.0, 0.0);
    for (t, delta) in edges {
        let t = t.max(0.0);
        if active >= 2 {
            overlap += t - last_s;
        }
        if active >= 1 {
            speaking += t - last_s;
        }
        active += delta;
        last_s = t;
    }
    (overlap, (duration_s - speaking).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, spans: &[(f64, f64)]) -> ParticipantSpeech {
        ParticipantSpeech {
            participant: name.to_owned(),
            segments: spans.iter().map(|&(start_s, end_s)| SpeechSegment { start_s, end_s }).collect(),
            duration_s: 60.0,
        }
    }

    #[test]
    fn turns_latency_interruptions_and_backchannels() {
        // A speaks 0-10; B answers after 1 s (11-20), with A's "mm-hm" at 15-15.5;
        // A interrupts at 19 and talks to 30; B answers after 2 s (32-40).
        let a = person("a", &[(0.0, 10.0), (15.0, 15.5), (19.0, 30.0)]);
        let b = person("b", &[(11.0, 20.0), (32.0, 40.0)]);
        let report = score_conversation(&[a, b]);
        assert_eq!(report.turn_count, 4);
        assert_eq!(report.participants[0].turns, 2);
        assert_eq!(report.participants[1].turns, 2);
        assert_eq!(report.interruption_count, 1);
        assert_eq!(report.participants[0].interruptions, 1);
        assert_eq!(report.response_latency.count, 2);
        assert_eq!(report.response_latency.mean_s, Some(1.5));
        assert_eq!(report.overlap_s, 1.5);
        assert_eq!(report.participants[0].talk_time_s, 21.5);
        assert_eq!(report.participants[1].talk_time_s, 17.0);
        assert_eq!(report.participants[0].longest_turn_s, 11.0);
        // speaking covers 0-10, 11-30, 32-40 = 37 s of 60.
        assert_eq!(report.mutual_silence_s, 23.0);
        assert_eq!(report.balance, Some(round_to(1.0 - (21.5 - 17.0) / 38.5, 4)));
    }

    #[test]
    fn a_hand_over_with_padding_is_not_an_interruption_and_a_lull_is_not_a_reply() {
        // B starts 60 ms before A stops (VAD padding), then A comes back after 30 s of silence,
        // then B cuts in 1 s before A stops.
        let a = person("a", &[(0.0, 5.0), (40.0, 50.0)]);
        let b = person("b", &[(4.94, 10.0), (49.0, 55.0)]);
        let report = score_conversation(&[a, b]);
        assert_eq!(report.interruption_count, 1, "only the 1 s overlap interrupts");
        assert_eq!(report.participants[1].interruptions, 1);
        assert_eq!(report.response_latency.count, 1, "the padded hand-over is a reply without a gap");
        assert_eq!(report.response_latency.median_s, Some(0.0));
        assert_eq!(report.response_latency.lulls, 1, "30 s of silence is not a reply");
    }

    #[test]
    fn one_silent_participant() {
        let report = score_conversation(&[person("a", &[(0.0, 30.0)]), person("b", &[])]);
        assert_eq!(report.participants[0].talk_share, Some(1.0));
        assert_eq!(report.participants[1].talk_share, Some(0.0));
        assert_eq!(report.balance, Some(0.0));
        assert_eq!(report.turn_count, 1);
        assert_eq!(report.response_latency.mean_s, None);
    }

    #[test]
    fn speech_ratio_stays_within_0_and_1_when_speech_outruns_the_duration() {
        // As a recording placed before the session's start (a negative offset) made it: 8 s of
        // speech in a participant said to last 6 s.
        let mut early = person("a", &[(0.0, 8.0)]);
        early.duration_s = 6.0;
        let report = score_conversation(&[early, person("b", &[(9.0, 10.0)])]);
        assert_eq!(report.participants[0].speech_ratio, 1.0);
        for p in &report.participants {
            assert!((0.0..=1.0).contains(&p.speech_ratio), "{}: {}", p.participant, p.speech_ratio);
            assert!(p.talk_share.is_none_or(|s| (0.0..=1.0).contains(&s)));
        }
    }

    #[test]
    fn a_participant_who_rejoined_is_one_speaker() {
        let seg = |start_s, end_s| SpeechSegment { start_s, end_s };
        let mut alice = ParticipantSpeech {
            participant: "alice".into(),
            segments: vec![seg(0.0, 2.0), seg(3.0, 5.0)],
            duration_s: 6.0,
        };
        alice.add_part(&[seg(4.5, 7.0), seg(20.0, 21.0)], 25.0);
        assert_eq!(alice.segments, vec![seg(0.0, 2.0), seg(3.0, 7.0), seg(20.0, 21.0)]);
        assert_eq!(alice.duration_s, 25.0);
        let bob = ParticipantSpeech { participant: "bob".into(), segments: vec![seg(10.0, 12.0)], duration_s: 25.0 };
        let report = score_conversation(&[alice, bob]);
        assert_eq!(report.participants.len(), 2);
        assert_eq!(report.participants[0].talk_time_s, 7.0, "overlapping parts count once");
    }
}

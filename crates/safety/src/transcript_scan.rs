//! Offensive language and harassment in a transcript, judged by the lexicon.

use serde_json::json;

use crate::{
    CategoryAssessment, DetectorInfo, Evidence, Lexicon, Quote, SafetyCategory, SafetyDecision, SafetyEvent,
    SafetySource, TextSpan,
};

/// Identifier of the lexicon detector.
pub const LEXICON_DETECTOR_ID: &str = "lexicon/en";
/// Version of the built-in lexicon.
pub const LEXICON_VERSION: &str = "1";
/// Default flag threshold for the transcript categories.
pub const DEFAULT_TEXT_THRESHOLD: f64 = 0.5;

/// The offensive and harassment verdicts for one transcript: each category's score is the
/// highest weight among its matches (0 when nothing matched), one event per flagged match.
pub fn lexicon_assessments(
    lexicon: &Lexicon,
    spans: &[TextSpan<'_>],
    participant: Option<&str>,
    threshold: f64,
) -> Vec<CategoryAssessment> {
    let matches = lexicon.find(spans);
    let info = DetectorInfo { id: LEXICON_DETECTOR_ID.into(), version: LEXICON_VERSION.into() };
    [SafetyCategory::Offensive, SafetyCategory::Harassment]
        .into_iter()
        .map(|category| {
            let mine: Vec<_> = matches.iter().filter(|m| m.category == category).collect();
            let score = mine.iter().map(|m| m.weight).fold(0.0, f64::max);
            let events = mine
                .iter()
                .filter(|m| SafetyDecision::from_score(m.weight, threshold) == SafetyDecision::Flagged)
                .map(|m| {
                    let mut event =
                        SafetyEvent::new(category, m.weight, threshold, SafetySource::PostSession, info.clone());
                    event.participant = participant.map(str::to_string);
                    event.media_time_s = Some(m.start_s.max(0.0));
                    event.evidence = Evidence {
                        frame_time_s: None,
                        quote: Some(Quote {
                            text: m.quote.clone(),
                            start_s: m.start_s.max(0.0),
                            end_s: m.end_s.max(0.0),
                        }),
                        details: Some(json!({"phrase": m.phrase})),
                    };
                    event
                })
                .collect();
            let signals = json!({"matches": mine.len(), "segments_scanned": spans.len()});
            CategoryAssessment::judged(category, score, threshold, vec![info.clone()], signals, events)
                .with_limitation("A word list: meaning, sarcasm and new slang are not understood.")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_and_events_follow_the_matches() {
        let spans = [
            TextSpan { start_s: 0.0, end_s: 2.0, text: "Hello there, how was your week?" },
            TextSpan { start_s: 2.0, end_s: 4.0, text: "Honestly, you're worthless." },
            TextSpan { start_s: 4.0, end_s: 5.0, text: "Damn, the wifi dropped." },
        ];
        let verdicts = lexicon_assessments(&Lexicon::english(), &spans, Some("bob"), DEFAULT_TEXT_THRESHOLD);
        let offensive = &verdicts[0];
        assert_eq!(offensive.category, SafetyCategory::Offensive);
        assert_eq!((offensive.score, offensive.decision), (Some(0.4), Some(SafetyDecision::Clear)));
        assert!(offensive.events.is_empty());
        let harassment = &verdicts[1];
        assert_eq!(harassment.decision, Some(SafetyDecision::Flagged));
        assert_eq!(harassment.events.len(), 1);
        let event = &harassment.events[0];
        assert_eq!(event.evidence.quote.as_ref().map(|q| (q.start_s, q.end_s)), Some((2.0, 4.0)));
        assert_eq!(event.participant.as_deref(), Some("bob"));
        event.validate().unwrap();
    }

    #[test]
    fn a_clean_transcript_scores_zero_not_null() {
        let spans = [TextSpan { start_s: 0.0, end_s: 2.0, text: "Thanks, that was really helpful." }];
        for verdict in lexicon_assessments(&Lexicon::english(), &spans, None, DEFAULT_TEXT_THRESHOLD) {
            assert_eq!((verdict.score, verdict.decision), (Some(0.0), Some(SafetyDecision::Clear)));
        }
    }
}

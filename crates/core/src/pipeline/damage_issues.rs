//! `media_damaged` quality issues from what the media stage saw of damage: stretches missing from
//! the audio (filled with silence so times stay aligned), a file cut short, and the damaged
//! pieces the audio and video decoders skipped.

use session_media::DamageReport;
use session_scoring::{Issue, Severity, clock};

/// The issues for one recording lasting `duration_s` (as probed); `audio` is `None` when the audio
/// was not decoded, `video_decoder_errors` counts the video decoder's skipped pieces.
pub(crate) fn damage_issues(audio: Option<&DamageReport>, video_decoder_errors: u32, duration_s: f64) -> Vec<Issue> {
    let mut issues = audio.map(audio_issues).unwrap_or_default();
    if video_decoder_errors > 0 {
        let message = format!("The video decoder skipped {video_decoder_errors} damaged pieces of the picture");
        issues.push(damaged(0.0, duration_s, message));
    }
    issues
}

fn damaged(start_s: f64, end_s: f64, message: String) -> Issue {
    Issue::new("media_damaged", Severity::Warning, start_s, end_s.max(start_s), message)
}

fn audio_issues(damage: &DamageReport) -> Vec<Issue> {
    let mut issues: Vec<Issue> = damage
        .missing
        .iter()
        .map(|m| {
            let end_s = m.start_s + m.duration_s;
            let what = format!("{:.1} s of audio missing from the file at {}", m.duration_s, clock(m.start_s));
            damaged(m.start_s, end_s, format!("{what} (damaged or cut short; counted as silence)"))
        })
        .collect();
    if let Some(cut) = &damage.cut {
        // The missing end, when the declared duration showed it, is the same cut: say why there.
        let end = issues.iter_mut().zip(&damage.missing).find(|(_, m)| (m.start_s - cut.after_s).abs() < 0.05);
        match end {
            Some((issue, _)) => issue.message = format!("{}; the file is cut short: {}", issue.message, cut.detail),
            None => {
                let end_s = damage.declared_duration_s.unwrap_or(cut.after_s);
                let message = format!(
                    "The file is cut short ({}): the recording after {} is missing",
                    cut.detail,
                    clock(cut.after_s)
                );
                issues.push(damaged(cut.after_s, end_s, message));
            }
        }
    }
    if damage.decoder_errors > 0 {
        let end_s = damage.declared_duration_s.unwrap_or(0.0);
        let message = format!("The decoder skipped {} damaged pieces of the audio", damage.decoder_errors);
        issues.push(damaged(0.0, end_s, message));
    }
    issues
}

#[cfg(test)]
mod tests {
    use super::*;
    use session_media::{CutEnd, MissingStretch};

    #[test]
    fn video_decoder_errors_are_an_issue_over_the_recording() {
        let issues = damage_issues(None, 3, 12.0);
        let [issue] = &issues[..] else { panic!("{issues:?}") };
        assert_eq!((issue.code.as_str(), issue.start_s, issue.end_s), ("media_damaged", 0.0, 12.0));
        assert!(issue.message.contains("video decoder skipped 3"), "{}", issue.message);
        assert!(damage_issues(Some(&DamageReport::default()), 0, 12.0).is_empty());
    }

    #[test]
    fn a_cut_is_named_once_with_the_missing_end_or_on_its_own() {
        let cut = CutEnd { after_s: 2.0, detail: "the last Ogg page needs 400 bytes".into() };
        let no_duration = DamageReport { cut: Some(cut.clone()), ..Default::default() };
        let [issue] = &damage_issues(Some(&no_duration), 0, 2.0)[..] else { panic!() };
        assert_eq!((issue.start_s, issue.end_s), (2.0, 2.0));
        assert!(issue.message.contains("cut short (the last Ogg page needs 400 bytes)"), "{}", issue.message);
        let declared = DamageReport {
            declared_duration_s: Some(4.0),
            missing: vec![MissingStretch { start_s: 2.0, duration_s: 2.0 }],
            cut: Some(cut),
            ..Default::default()
        };
        let [issue] = &damage_issues(Some(&declared), 0, 4.0)[..] else { panic!() };
        assert_eq!((issue.start_s, issue.end_s), (2.0, 4.0));
        assert!(issue.message.contains("2.0 s of audio missing") && issue.message.contains("Ogg page"));
    }
}

//! `--participant ID=INPUT[@OFFSET_S]`: one participant's recording and where it starts.

use session_processing::{ParticipantInput, RecordingInput, escape_controls, validate_offset};

/// `alice=rec.mp4`, `alice=s3://bucket/key@2.5` (the recording starts 2.5 s into the session) or
/// `alice=take@home.mp4` (an `@` whose tail is not a number belongs to the path). The offset goes
/// through the core's validator, as the bindings' offsets do.
pub fn parse(spec: &str) -> Result<ParticipantInput, String> {
    let shown = escape_controls(spec);
    let (participant, rest) =
        spec.split_once('=').ok_or_else(|| format!("--participant \"{shown}\" must look like ID=INPUT[@OFFSET_S]"))?;
    let (input, offset_s) = match rest.rsplit_once('@') {
        Some((input, offset)) if looks_numeric(offset) => {
            let offset_s = offset.trim().parse::<f64>().map_err(|_| {
                format!("--participant \"{shown}\": offset \"{}\" is not a number of seconds", escape_controls(offset))
            })?;
            (input, offset_s)
        }
        _ => (rest, 0.0),
    };
    let offset_s = validate_offset(participant, offset_s).map_err(|e| format!("--participant \"{shown}\": {e}"))?;
    let input = RecordingInput::parse(input).map_err(|e| e.to_string())?;
    Ok(ParticipantInput { participant: participant.to_string(), input, offset_s })
}

/// Whether the text after the last `@` is meant as an offset: anything Rust reads as a float
/// (`nan` and `inf` included, so that they are refused rather than taken for part of the path),
/// or a mistyped number such as `1.2.3`.
fn looks_numeric(text: &str) -> bool {
    let text = text.trim();
    text.parse::<f64>().is_ok()
        || (text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.'))
            && text.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '-' | '+')))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offset(spec: &str) -> Result<f64, String> {
        parse(spec).map(|p| p.offset_s)
    }

    #[test]
    fn offsets_are_read_and_checked() {
        assert_eq!(offset("a=rec.mp4").unwrap(), 0.0);
        assert_eq!(offset("a=rec.mp4@2.5").unwrap(), 2.5);
        assert_eq!(offset("a=s3://bucket/k.mp4@1e2").unwrap(), 100.0);
        for bad in ["-5", "NaN", "nan", "inf", "-inf", "Infinity", "86401", "1e300"] {
            let error = offset(&format!("a=rec.mp4@{bad}")).expect_err(bad);
            assert!(error.contains("offset of participant \"a\""), "{bad}: {error}");
            assert!(error.contains("0 to 86400"), "{bad}: {error}");
        }
        assert!(offset("a=rec.mp4@1.2.3").unwrap_err().contains("not a number"));
    }

    #[test]
    fn an_at_sign_in_a_path_needs_no_trailing_offset() {
        let p = parse("a=/data/take@home.mp4").unwrap();
        assert_eq!(p.input, RecordingInput::parse("/data/take@home.mp4").unwrap());
        assert_eq!(p.offset_s, 0.0);
        let p = parse("a=/data/take@home.mp4@3").unwrap();
        assert_eq!(p.input, RecordingInput::parse("/data/take@home.mp4").unwrap());
        assert_eq!(p.offset_s, 3.0);
        let p = parse("a=/mail/user@example.com/rec.webm").unwrap();
        assert_eq!(p.input, RecordingInput::parse("/mail/user@example.com/rec.webm").unwrap());
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        let error = parse("no-equals\u{1b}[31m").unwrap_err();
        assert!(!error.contains('\u{1b}') && error.contains("\\u{1b}"), "{error}");
    }
}

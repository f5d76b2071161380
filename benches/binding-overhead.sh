#!/usr/bin/env bash
# Binding overhead: the same session processed through the Rust CLI, the Python package and the
# Node addon, interleaved in one run (the order rotates each round), medians of RUNS runs.
#
# What is timed, the same in all three: the whole process, from exec to exit: interpreter or
# binary start, loading the native module, loading the nudity and VAD models, the pipeline on a 10-minute
# 720p recording (transcription off, nudity scan on, no LLM), writing the artifacts and printing
# the result to /dev/null. Reported per language: wall s, CPU s (user + sys), the pipeline's own
# wall s (manifest.json: started_at → finished_at), the rest (wall − pipeline: start, module and
# model loading, exit), peak RSS, and wall and pipeline vs Rust.
# Each run writes to its own fresh folder, which is removed and synced to disk after the run and
# before the next one, so that no run pays for writing back another's 230 MB of artifacts.
#
# Target (issue #3): Python and Node within 5% of Rust's wall time. No decoded media crosses the
# boundary by design: the bindings pass a path in and get the result JSON back.
# Needs: the Python package installed in $PYTHON's environment (bindings/python/scripts/test.sh),
# the Node addon built (bindings/node/scripts/test.sh), the nsfwjs model (NSFW_MODEL_DIR, else
# scripts/prepare-nsfw-model) and Silero VAD (SILERO_VAD_DIR, else scripts/prepare-silero-vad).
# SESSION_PROCESSING_BIN: a release CLI to use instead of building one.
# Usage: benches/binding-overhead.sh [RUNS=5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-5}
work=${BENCH_DIR:-$root/target/bench}
rec=$work/rec10.mp4
say() { echo "binding-overhead: $*" >&2; }
[ -s "$rec" ] || { say "making the recording with benches/pipeline-race.sh's command"; mkdir -p "$work"
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 -t 600 -c:v libx264 -preset veryfast -g 60 \
    -pix_fmt yuv420p -c:a aac -b:a 96k "$work/tmp.mp4" && mv "$work/tmp.mp4" "$rec"; }
bin=${SESSION_PROCESSING_BIN:-}
if [ -z "$bin" ]; then
  (cd "$root" && cargo build --release --quiet -p session_processing_cli)
  bin=${CARGO_TARGET_DIR:-$root/target}/release/session-processing
fi
python=${PYTHON:-$root/.venv/bin/python}
nsfw=${NSFW_MODEL_DIR:-$("$root/scripts/prepare-nsfw-model" | tail -n 1)}
[ -s "$nsfw/model.safetensors" ] || { say "no nsfwjs model in $nsfw"; exit 1; }
vad=${SILERO_VAD_DIR:-$("$root/scripts/prepare-silero-vad" | tail -n 1)}
[ -s "$vad/model.safetensors" ] || { say "no Silero VAD model in $vad"; exit 1; }

# The same inputs for all three: the nudity and Silero VAD models given explicitly (the CLI would
# otherwise look for default ones), no Whisper, no LLM.
command_for() { # NAME OUT → the command in the array `cmd`
  case $1 in
    rust) cmd=("$bin" process "$rec" --session-id bench --out "$2" --no-transcribe --nudity-model "$nsfw" --vad-model "$vad") ;;
    python) cmd=("$python" "$root/bindings/python/examples/process_file.py" "$rec" "$2" bench) ;;
    node) cmd=(node "$root/bindings/node/examples/process-file.mjs" "$rec" "$2" bench) ;;
  esac
}
seconds() { date -d "$1" +%s.%N; }
measure() { # NAME → "wall cpu pipeline rss_mb" appended to overhead-NAME.txt
  local out=$work/ov-$1 manifest cmd
  rm -rf "$out"
  command_for "$1" "$out"
  env -u WHISPER_MODEL_DIR -u GEMINI_API_KEY NSFW_MODEL_DIR="$nsfw" SILERO_VAD_DIR="$vad" \
    /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "${cmd[@]}" >/dev/null 2>"$work/stderr-$1.txt" ||
    { say "$1 failed:"; cat "$work/stderr-$1.txt" >&2; exit 1; }
  manifest=$out/sessions/bench/manifest.json
  local started finished
  started=$(sed -n 's/.*"started_at": *"\([^"]*\)".*/\1/p' "$manifest" | head -n 1)
  finished=$(sed -n 's/.*"finished_at": *"\([^"]*\)".*/\1/p' "$manifest" | head -n 1)
  awk -v s="$(seconds "$started")" -v f="$(seconds "$finished")" \
    '{ printf "%.2f %.2f %.3f %.0f %.3f\n", $1, $2 + $3, f - s, $4 / 1024, $1 - (f - s) }' "$work/time.txt" >>"$work/overhead-$1.txt"
  rm -rf "$out"
  sync
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
column_median() { cut -d' ' -f"$2" "$work/overhead-$1.txt" | median; }

names=(rust python node)
for name in "${names[@]}"; do : >"$work/overhead-$name.txt"; done
for i in $(seq 1 "$runs"); do
  order=("${names[@]:$(((i - 1) % 3))}" "${names[@]:0:$(((i - 1) % 3))}")
  say "round $i/$runs: ${order[*]}"
  for name in "${order[@]}"; do measure "$name"; done
done
rust_wall=$(column_median rust 1)
rust_pipeline=$(column_median rust 3)
rust_cpu=$(column_median rust 2)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3fx", a / b }'; }
printf '\n%-8s %7s %7s %10s %7s %8s %9s %8s %13s\n' through "wall s" "CPU s" "pipeline s" "rest s" "peak MB" \
  "wall/Rust" "CPU/Rust" "pipeline/Rust"
for name in "${names[@]}"; do
  wall=$(column_median "$name" 1) cpu=$(column_median "$name" 2) pipeline=$(column_median "$name" 3)
  rss=$(column_median "$name" 4) rest=$(column_median "$name" 5)
  printf '%-8s %7s %7s %10s %7s %8s %9s %8s %13s\n' "$name" "$wall" "$cpu" "$pipeline" "$rest" "$rss" \
    "$(ratio "$wall" "$rust_wall")" "$(ratio "$cpu" "$rust_cpu")" "$(ratio "$pipeline" "$rust_pipeline")"
done
echo "(medians of $runs interleaved runs; target: Python and Node wall within 1.05x of Rust. On a machine"
echo " shared with other work, wall and pipeline swing by 10-20 % from run to run: read CPU s and rest s too)"

#!/usr/bin/env bash
# Binding overhead: the same session processed through the Rust CLI, the Python package and the
# Node addon, in one run (medians of RUNS runs, whole process incl. interpreter start).
# Target (issue #3): Python and Node within 5% of Rust's wall time. No decoded media crosses the
# boundary by design: only the result JSON does.
# Needs: the release CLI, the Python package installed in .venv (bindings/python/scripts/test.sh)
# and the Node addon built (bindings/node/scripts/test.sh). Transcription is off in all three (no
# model is given), so the comparison is the pipeline itself.
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
(cd "$root" && cargo build --release --quiet -p session_processing_cli)
bin=${CARGO_TARGET_DIR:-$root/target}/release/session-processing
python=${PYTHON:-$root/.venv/bin/python}

measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || { say "failed: $*"; exit 1; }
  awk '{ printf "%.2f %.0f\n", $1, $2 / 1024 }' "$work/time.txt"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

for name in rust python node; do : >"$work/overhead-$name.txt"; done
for i in $(seq 1 "$runs"); do
  say "run $i/$runs"
  rm -rf "$work/ov"
  measure "$bin" process "$rec" --session-id rust --out "$work/ov" --no-transcribe >>"$work/overhead-rust.txt"
  measure "$python" "$root/bindings/python/examples/process_file.py" "$rec" "$work/ov" python >>"$work/overhead-python.txt"
  measure node "$root/bindings/node/examples/process-file.mjs" "$rec" "$work/ov" node >>"$work/overhead-node.txt"
done
rust=$(cut -d' ' -f1 "$work/overhead-rust.txt" | median)
printf '\n%-10s %8s %9s %10s\n' "through" "wall s" "peak MB" "vs Rust"
for name in rust python node; do
  wall=$(cut -d' ' -f1 "$work/overhead-$name.txt" | median)
  rss=$(cut -d' ' -f2 "$work/overhead-$name.txt" | median)
  printf '%-10s %8s %9s %9.3fx\n' "$name" "$wall" "$rss" "$(awk -v a="$wall" -v b="$rust" 'BEGIN { print a / b }')"
done
echo "(target: Python and Node within 1.05x of Rust)"

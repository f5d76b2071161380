#!/usr/bin/env bash
# The pipeline race: `session-processing process --no-transcribe` against a full ffmpeg decode of
# the same 10-minute 1280x720 30 fps H.264/AAC recording, measured in the same run.
# Prints wall time, CPU time and peak RSS (medians of RUNS runs) and our ratio to the full decode.
# Targets (issue #6): <= 0.5x the full decode's wall time (aim: <= 0.15x) and <= 200 MB peak RSS.
# Usage: benches/pipeline-race.sh [RUNS=3]    (uses CARGO_TARGET_DIR when set)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${1:-3}
work=${BENCH_DIR:-$root/target/bench}
mkdir -p "$work"
rec=$work/rec10.mp4
say() { echo "pipeline-race: $*" >&2; }
command -v /usr/bin/time >/dev/null || { say "needs GNU time (apt-get install time)"; exit 1; }

if [ ! -s "$rec" ]; then
  say "making the 10-minute 720p30 recording (a few minutes)"
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 -t 600 -c:v libx264 -preset veryfast -g 60 \
    -pix_fmt yuv420p -c:a aac -b:a 96k "$work/tmp.mp4"
  mv "$work/tmp.mp4" "$rec"
fi
say "building the release CLI"
(cd "$root" && cargo build --release --quiet -p session_processing_cli)
bin=${CARGO_TARGET_DIR:-$root/target}/release/session-processing

# measure NAME CMD...: prints "wall cpu rss_mb" for one run.
measure() {
  /usr/bin/time -f "%e %U %S %M" -o "$work/time.txt" "$@" >/dev/null 2>&1 || { say "failed: $*"; exit 1; }
  awk '{ printf "%.2f %.2f %.0f\n", $1, $2 + $3, $4 / 1024 }' "$work/time.txt"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A wall cpu rss
for name in ffmpeg ours; do : >"$work/$name.txt"; done
for i in $(seq 1 "$runs"); do
  say "run $i/$runs"
  measure ffmpeg -nostdin -hide_banner -loglevel error -i "$rec" -f null - >>"$work/ffmpeg.txt"
  rm -rf "$work/out"
  measure "$bin" process "$rec" --session-id bench --out "$work/out" --no-transcribe >>"$work/ours.txt"
done
for name in ffmpeg ours; do
  wall[$name]=$(cut -d' ' -f1 "$work/$name.txt" | median)
  cpu[$name]=$(cut -d' ' -f2 "$work/$name.txt" | median)
  rss[$name]=$(cut -d' ' -f3 "$work/$name.txt" | median)
done
printf '\n%-44s %8s %8s %9s\n' "command (median of $runs)" "wall s" "CPU s" "peak MB"
printf '%-44s %8s %8s %9s\n' "ffmpeg -i rec10.mp4 -f null - (full decode)" "${wall[ffmpeg]}" "${cpu[ffmpeg]}" "${rss[ffmpeg]}"
printf '%-44s %8s %8s %9s\n' "session-processing process --no-transcribe" "${wall[ours]}" "${cpu[ours]}" "${rss[ours]}"
awk -v a="${wall[ours]}" -v b="${wall[ffmpeg]}" -v c="${cpu[ours]}" -v d="${cpu[ffmpeg]}" \
  'BEGIN { printf "\nratio to the full decode: wall %.3fx, CPU %.3fx (target <= 0.5x, aim <= 0.15x)\n", a / b, c / d }'
echo "peak RSS: ${rss[ours]} MB (target <= 200 MB)"

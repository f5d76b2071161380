#!/usr/bin/env bash
# The platform's throughput, on loopback, with the release server and a private Postgres:
#   1. webhook ingestion: signed deliveries (verification, the session's row lock, the delivery
#      and event inserts) at a fixed concurrency → deliveries/s and p50/p99 latency;
#      aim: >= 1,000/s with p99 <= 20 ms.
#   2. sessions finished per hour by 1 and by 2 worker processes: SESSIONS copies of a 10-minute
#      720p recording adopted through egress_ended webhooks, processed with Whisper tiny, Silero
#      VAD and the nudity model, end to end through queue, folder and database; aim: >= 100 per
#      hour per 2-core worker.
# Usage: benches/platform-race.sh [DELIVERIES=5000] [CONCURRENCY=16] [SESSIONS=4]
#        (SKIP_SESSIONS=1 runs the ingestion part only; uses CARGO_TARGET_DIR when set)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
deliveries=${1:-5000} concurrency=${2:-16} sessions=${3:-4}
work=${BENCH_DIR:-$root/target/bench}/platform
say() { echo "platform-race: $*" >&2; }
rm -rf "$work"; mkdir -p "$work/logs" "$work/recordings" "$work/output"

say "building the release server and the load generator"
(cd "$root" && cargo build --release --quiet -p session_monitor_server --bin session-monitor-server --example webhook_load)
target=${CARGO_TARGET_DIR:-$root/target}/release
server=$target/session-monitor-server load=$target/examples/webhook_load

pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true' EXIT
as_pg=()
[ "$(id -u)" -eq 0 ] && as_pg=(setpriv --reuid "$(id -u postgres)" --regid "$(id -g postgres)" --clear-groups --) && chown postgres "$work" "$work/logs"
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$pg_bin/initdb" --auth=trust --username=monitor --no-sync -D "$work/pg" >/dev/null
"${as_pg[@]}" "$pg_bin/postgres" -D "$work/pg" -p "$pg_port" -c listen_addresses=127.0.0.1 -c unix_socket_directories="$work/pg" \
  -c max_connections=200 >"$work/logs/postgres.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$pg_port" && break; sleep 0.1; done

secret=bench-secret-that-is-long-enough-for-livekit
export PORT=$port DATABASE_URL="postgres://monitor@127.0.0.1:$pg_port/postgres" LIVEKIT_URL=ws://127.0.0.1:9
export LIVEKIT_API_KEY=APIbench LIVEKIT_API_SECRET=$secret RECORDINGS_DIR=$work/recordings OUTPUT_DIR=$work/output
export SESSION_MONITOR_LOG=warn
"$server" serve --api-only >"$work/logs/api.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
psql -q -h 127.0.0.1 -p "$pg_port" -U monitor postgres \
  -c "INSERT INTO sessions (id, room_name) SELECT 'bench-' || g, 'bench-' || g FROM generate_series(1, 100) g"

say "webhook ingestion: $deliveries deliveries, $concurrency at a time (warm-up: 500)"
"$load" load "http://127.0.0.1:$port/api/livekit/webhook" APIbench "$secret" 500 "$concurrency" 100 >/dev/null
"$load" load "http://127.0.0.1:$port/api/livekit/webhook" APIbench "$secret" "$deliveries" "$concurrency" 100
[ "${SKIP_SESSIONS:-0}" = 1 ] && exit 0

rec=$work/../rec10-speech.mp4
if [ ! -s "$rec" ]; then
  say "making the 10-minute 720p30 recording with speech (a few minutes)"
  speech=$("$root/scripts/make-fixtures" | tail -n 1)/ten-minutes.wav
  ffmpeg -nostdin -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=1280x720:rate=30 -i "$speech" -t 600 \
    -c:v libx264 -preset veryfast -g 60 -pix_fmt yuv420p -c:a aac -b:a 96k "$work/tmp.mp4"
  mv "$work/tmp.mp4" "$rec"
fi
export WHISPER_MODEL=$("$root/scripts/prepare-whisper-tiny" | tail -n 1)
export VAD_MODEL=$("$root/scripts/prepare-silero-vad" | tail -n 1)
export NUDITY_MODEL=$("$root/scripts/prepare-nsfw-model" | tail -n 1)
for workers in 1 2; do
  say "$sessions sessions of 10 minutes, $workers worker process(es)"
  for i in $(seq 1 "$sessions"); do
    id=s-w$workers-$i
    mkdir -p "$work/recordings/sessions/$id" && cp "$rec" "$work/recordings/sessions/$id/recording.mp4"
  done
  worker_pids=()
  for w in $(seq 1 "$workers"); do "$server" worker >"$work/logs/worker-$workers-$w.log" 2>&1 & worker_pids+=($!); pids+=($!); done
  start=$(date +%s.%N)
  for i in $(seq 1 "$sessions"); do
    id=s-w$workers-$i
    body="{\"event\":\"egress_ended\",\"id\":\"EV_$id\",\"egressInfo\":{\"egressId\":\"EG_$id\",\"roomName\":\"$id\",\"status\":\"EGRESS_COMPLETE\",\"fileResults\":[{\"filename\":\"sessions/$id/recording.mp4\"}]}}"
    "$load" send "http://127.0.0.1:$port/api/livekit/webhook" APIbench "$secret" "$body" >/dev/null
  done
  while [ "$(psql -tA -h 127.0.0.1 -p "$pg_port" -U monitor postgres -c "SELECT count(*) FROM sessions WHERE id LIKE 's-w$workers-%' AND status IN ('complete','failed')")" -lt "$sessions" ]; do
    sleep 1
  done
  end=$(date +%s.%N)
  failed=$(psql -tA -h 127.0.0.1 -p "$pg_port" -U monitor postgres -c "SELECT count(*) FROM sessions WHERE id LIKE 's-w$workers-%' AND status = 'failed'")
  awk -v s="$start" -v e="$end" -v n="$sessions" -v w="$workers" -v f="$failed" \
    'BEGIN { t = e - s; printf "workers %d: %d sessions (%d failed) in %.1f s: %.0f sessions/hour\n", w, n, f, t, n * 3600 / t }'
  for p in "${worker_pids[@]}"; do kill "$p"; done
  wait "${worker_pids[@]}" 2>/dev/null || true
done

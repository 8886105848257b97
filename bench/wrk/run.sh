#!/usr/bin/env bash
# bench/wrk/run.sh [BUILD_DIR] — wrk (Debian's) against a real xynergy-node on a temporary data
# dir, 200 keep-alive connections, 2 threads: GET /v1/workflows/{id} of a completed run, then
# POST /v1/workflows (a durable submit each). ./dev.sh bench runs it after the bench programs.
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d)
"$build/runtime/xynergy-node" --data-dir "$dir" --admin-port 0 --cluster-port 0 \
  --log-level warn >"$dir/node.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT

xyn() { "$build/runtime/xyn" --data-dir "$dir" "$@" >/dev/null; }
for i in $(seq 200); do
  xyn health 2>/dev/null && break
  ((i < 200)) || { echo "bench/wrk/run.sh: the node did not start" >&2; exit 1; }
  sleep 0.1
done
port=$(grep -o '"admin_port":[0-9]*' "$dir/node.json" | cut -d: -f2)
export XYN_ADMIN_KEY=$(cat "$dir/admin.key")

# The run phase A reads: submitted with a known id, then waited for.
printf '%s' '{"name": "wrk", "version": "1", "steps": [
  {"id": "tick", "service": "system-runtime", "action": "clock"}]}' >"$dir/one_step.json"
xyn workflow start --definition "$dir/one_step.json" --id wrk-read
xyn workflow watch wrk-read

echo "== wrk GET /v1/workflows/{id}"
wrk -c200 -t2 -d10s --latency -s "$here/get.lua" "http://127.0.0.1:$port/v1/workflows/wrk-read"
echo "== wrk POST /v1/workflows"
wrk -c200 -t2 -d10s --latency -s "$here/submit.lua" "http://127.0.0.1:$port/v1/workflows"

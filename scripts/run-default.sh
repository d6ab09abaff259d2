#!/usr/bin/env bash
# The default job of `make run` until the distributed runner lands: a loopback `fabcheck gen`
# session — a server on a free port, then stream, pingpong and microburst clients against it.
# Usage: scripts/run-default.sh [path/to/fabcheck]
set -euo pipefail
BIN=${1:-build/fabcheck}
[ -x "$BIN" ] || { echo "run-default: $BIN is not built (run: make build)" >&2; exit 1; }

out=$(mktemp)
"$BIN" gen --server --bind 127.0.0.1 --port 0 >"$out" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; wait "$server" 2>/dev/null; rm -f "$out"' EXIT

port=""
for _ in $(seq 1 100); do  # up to 10 s for the server to say where it listens
  port=$(sed -n 's/.*listening on .* port \([0-9]*\)$/\1/p' "$out")
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || { cat "$out" >&2; exit 1; }
  sleep 0.1
done
[ -n "$port" ] || { echo "run-default: the server did not start within 10 s" >&2; cat "$out" >&2; exit 1; }

echo "== stream: 1 flow of 1400-byte datagrams, as fast as possible, 3 s"
"$BIN" gen --client 127.0.0.1 --port "$port" --pattern stream --size 1400 --duration 3s
echo
echo "== stream: 2 flows paced at 1 Gbit/s in total, 2 s"
"$BIN" gen --client 127.0.0.1 --port "$port" --pattern stream --size 1400 --flows 2 --rate 1G --duration 2s
echo
echo "== pingpong: round-trip latency, sizes 64..1024 bytes, 2000 iterations each"
"$BIN" gen --client 127.0.0.1 --port "$port" --pattern pingpong --sweep 64:1024:4 --iterations 2000
echo
echo "== microburst: 64 KiB bursts every 1 ms, 2 s"
"$BIN" gen --client 127.0.0.1 --port "$port" --pattern microburst --size 1400 --burst 64400 --interval 1ms --duration 2s

#!/usr/bin/env bash
# scripts/verbs-selftest's measuring path with stand-ins for ibv_devinfo, perftest and fabcheck
# (verbs_selftest_stubs/stub.py): the servers start and are waited for, the figures are parsed
# from perftest's tables and fabcheck's JSON, the ratios and verdicts printed, and the exit code
# says whether the targets were met. No RDMA device needed.
set -u
script=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/verbs-selftest-stubbed.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
for t in ibv_devinfo ib_write_bw ib_read_bw ib_send_lat fabcheck; do
  ln -s "$here/verbs_selftest_stubs/stub.py" "$tmp/$t"
done
export PATH="$tmp:$PATH" STUB_LOG="$tmp/calls.log"
# A free TCP port for perftest's exchange (the stub server listens on it).
perf_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fail=0
check() { if printf '%s\n' "$out" | grep -Eq -- "$1"; then :; else echo "FAIL: no line matching: $1"; fail=1; fi; }

run() {
  out=$(bash "$script" --fabcheck "$tmp/fabcheck" --sizes 65536 --duration 1 --perftest-port "$perf_port" 2>&1)
  rc=$?
  printf '%s\n' "$out"
}

# Targets met: WRITE 97.5/99.0 = 0.985, SEND (2*1.02/2)/1.00 = 1.02.
export STUB_WRITE_BW=99.00 STUB_READ_BW=90.00 STUB_SEND_LAT=1.00 STUB_FAB_WRITE=97.5 STUB_FAB_READ=45 STUB_FAB_RTT=2.04
run
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc with every target met, expected 0"; fail=1; }
check '^verbs-selftest: mlx5_0 port 1 gid \(IB\) -> loopback mlx5_0'
check '^WRITE bw +65536  perftest +99\.00 Gb/s +fabcheck +97\.5 Gb/s +ratio +0\.985  target >=0\.98 +ok$'
check '^READ bw +65536  perftest +90\.00 Gb/s +fabcheck +45\.0 Gb/s +ratio +0\.500  target - +-$'
check '^SEND lat +64  perftest +1\.00 +us +fabcheck +1\.02 +us +ratio +1\.020  target <=1\.05 +ok$'
grep -q -- '^fabcheck gen -c 127.0.0.1 -p [0-9]* --transport verbs -d mlx5_0 -q 1 --json --verb write --pattern stream --size 65536 -t 1s$' "$STUB_LOG" ||
  { echo "FAIL: fabcheck's WRITE client command line"; cat "$STUB_LOG"; fail=1; }
grep -q -- "^ib_write_bw -d mlx5_0 -i 1 -p $perf_port -F -s 65536 -q 1 -D 1 --report_gbits 127.0.0.1$" "$STUB_LOG" ||
  { echo "FAIL: ib_write_bw's client command line"; cat "$STUB_LOG"; fail=1; }

# WRITE target missed (0.97) and SEND latency 10% above perftest: exit 1, both MISSED.
export STUB_FAB_WRITE=96.03 STUB_FAB_RTT=2.2
run
[ "$rc" -eq 1 ] || { echo "FAIL: exit $rc with targets missed, expected 1"; fail=1; }
check '^WRITE bw .* ratio +0\.970  target >=0\.98 +MISSED$'
check '^SEND lat .* ratio +1\.100  target <=1\.05 +MISSED$'
# perftest without a result row: the script cannot compare, says so and exits 2.
export STUB_PERF_NO_ROW=1
run
[ "$rc" -eq 2 ] || { echo "FAIL: exit $rc without perftest's result row, expected 2"; fail=1; }
check '^verbs-selftest: no result row for 65536 bytes in ib_write_bw.client: .*Completion with error'
exit $fail

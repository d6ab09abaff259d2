#!/usr/bin/env bash
# The unit test of scripts/verbs-selftest on a host without an RDMA device: it must exit 0 and
# print exactly the skip line with ibv_get_device_list's reason. On a host with a device the
# script answers 77 (--expect-skip) and ctest marks this test skipped: run `make verbs-selftest`.
set -u
out=$(bash "$1" --expect-skip 2>&1)
rc=$?
printf '%s\n' "$out"
[ $rc -eq 77 ] && exit 77
if [ $rc -ne 0 ]; then
  echo "FAIL: verbs-selftest exited $rc, expected 0 (skipped)"
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eqx 'verbs-selftest: skipped: no RDMA device on this host \(ibv_get_device_list: [^)]+\)'; then
  echo "FAIL: no skip line 'verbs-selftest: skipped: no RDMA device on this host (ibv_get_device_list: <reason>)'"
  exit 1
fi

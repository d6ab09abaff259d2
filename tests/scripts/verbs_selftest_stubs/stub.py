#!/usr/bin/python3
"""Stand-ins for ibv_devinfo, perftest and `fabcheck gen` so that scripts/verbs-selftest's
measuring path (server start, readiness, parsing, ratios, verdicts) runs on a host without an
RDMA device. Called through symlinks named after the tool. Every call is appended to
$STUB_LOG as "tool argv...". Figures come from the environment:
  STUB_WRITE_BW, STUB_READ_BW (perftest Gb/s), STUB_SEND_LAT (perftest t_typical us),
  STUB_FAB_WRITE, STUB_FAB_READ (fabcheck Gb/s), STUB_FAB_RTT (fabcheck p50 round trip us);
  STUB_PERF_NO_ROW=1: perftest prints its header but no result row.
A server listens on its TCP port, accepts one client (10 s at most) and exits; a client connects
to it first, then prints its report."""
import json
import os
import socket
import sys

tool = os.path.basename(sys.argv[0])
args = sys.argv[1:]
with open(os.environ["STUB_LOG"], "a") as log:
    log.write(tool + " " + " ".join(args) + "\n")


def opt(name, default=None):
    return args[args.index(name) + 1] if name in args else default


def serve(port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    s.settimeout(10)
    if tool == "fabcheck":
        print("fabcheck gen server listening on 0.0.0.0 port %d" % s.getsockname()[1], flush=True)
    s.accept()[0].close()


def connect(port):
    socket.create_connection(("127.0.0.1", port), timeout=10).close()


if tool == "ibv_devinfo":
    print("1 HCA found:\n\tmlx5_0")
elif tool.startswith("ib_"):
    port = int(opt("-p"))
    if args[-1] != "127.0.0.1":  # the server has no host argument
        serve(port)
        sys.exit(0)
    connect(port)
    size = opt("-s")
    print(" #bytes     #iterations    BW peak[Gb/sec]    BW average[Gb/sec]   MsgRate[Mpps]")
    if os.environ.get("STUB_PERF_NO_ROW"):
        print(" Completion with error at client")
        sys.exit(0)
    if tool == "ib_send_lat":
        lat = float(os.environ["STUB_SEND_LAT"])
        print(" %s 10000 %.2f 9.00 %.2f %.2f 0.10 3.00 5.00" % (size, lat - 0.1, lat, lat + 0.05))
    else:
        bw = float(os.environ["STUB_WRITE_BW" if tool == "ib_write_bw" else "STUB_READ_BW"])
        print(" %s    1000           0.00               %.2f 		     0.200000" % (size, bw))
elif tool == "fabcheck":
    if "-c" not in args:
        serve(0)
        sys.exit(0)
    connect(int(opt("-p")))
    if opt("--pattern") == "pingpong":
        print(json.dumps({"latency_us": {"p50": float(os.environ["STUB_FAB_RTT"])}}))
    else:
        key = "STUB_FAB_WRITE" if opt("--verb") == "write" else "STUB_FAB_READ"
        print(json.dumps({"throughput_gbps": float(os.environ[key])}))

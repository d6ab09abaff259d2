#!/usr/bin/env bash
# Installs the Debian packages fabcheck needs to build, test and benchmark.
# Idempotent: checks what is already installed and installs only what is missing.
# Uses sudo when not root. Set FABCHECK_DEPS_QUIET=1 to silence the "all present" line.
# FABCHECK_DEPS_THROWAWAY=1 (.ci/run: a fresh machine used once) makes dpkg skip its fsyncs and
# the man-db index rebuild, as Debian's container images do; never on a machine that is kept.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential g++ clang cmake ninja-build ccache pkg-config make
  libclang-rt-14-dev  # clang's libFuzzer (-fsanitize=fuzzer): the fuzz targets of tests/fuzz
  lld  # the linker CMakeLists.txt picks when present: links in a third of ld.bfd's time
  # libraries (DESIGN.md "Dependencies")
  libboost-program-options-dev libboost-dev libyaml-cpp-dev nlohmann-json3-dev libssl-dev
  libfmt-dev libspdlog-dev libgtest-dev libgmock-dev libbenchmark-dev
  libibverbs-dev librdmacm-dev
  libsnmp-dev  # net-snmp's client library: switch counters over SNMP (harness/counters/snmp_session)
  perftest ibverbs-utils  # scripts/verbs-selftest: ib_write_bw, ib_send_lat, ib_read_bw, ibv_devinfo
  # python bindings and tests (Debian's interpreter)
  python3 python3-dev python3-pybind11 python3-pytest
  python3-setuptools python3-venv  # pip install --no-build-isolation . in a venv (docs/python.md)
  python3-numpy                    # tests/python: numpy wraps interval series without copying
  # peer tools for bench/ comparisons and system tools the tests use
  iperf3 sockperf iproute2 procps
  ethtool  # the emulated fabric turns segmentation offloads off on host interfaces; the
           # integration test compares the kernel-read NIC counters with `ethtool -S`
  libbpf-dev   # the emulated fabric's ECN marking program: loaded with libbpf (clang -target bpf builds it)
  libxml2-utils  # xmllint: the JUnit report tests validate against tests/junit.xsd
  # real engines the launcher tests start themselves
  openssh-server openssh-client
  slurmctld slurmd slurm-client munge  # slurm launcher: a single-node cluster the tests start
  snmpd snmp   # switch counters: the integration test starts its own snmpd (never the system one
               # the package starts); docs/switches.md uses snmpwalk
  openmpi-bin  # mpirun launcher (its libopenmpi3 and ssh client come as dependencies)
  lldpd        # agents read their switch port with lldpcli; the fabric test starts one lldpd per
               # namespace on its own sockets (never the package's /run/lldpd.socket daemon)
  chromium     # headless browser that renders the HTML report in tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  # dpkg-query prints "install ok installed" only for fully installed packages.
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  [ "${FABCHECK_DEPS_QUIET:-0}" = 1 ] || echo "install-deps: all ${#PACKAGES[@]} packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: not root and no sudo; install these packages: ${missing[*]}" >&2
    exit 1
  fi
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# iperf3 asks whether to start a daemon; answer no.
echo "iperf3 iperf3/start_daemon boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
APT_OPTS=()
if [ "${FABCHECK_DEPS_THROWAWAY:-0}" = 1 ]; then
  APT_OPTS+=(-o Dpkg::Options::=--force-unsafe-io)
  echo "man-db man-db/auto-update boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${APT_OPTS[@]}" "${missing[@]}"

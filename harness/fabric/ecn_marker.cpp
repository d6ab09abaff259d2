// attachEcnMarker() and the bpffs pin directory (ecn_marker.h).
#include "harness/fabric/ecn_marker.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <net/if.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdarg>
#include <cstring>
#include <exception>
#include <filesystem>
#include <thread>

#include "harness/counters/ecn_port_state.h"
#include "harness/fabric/bpf/ecn_mark_object.h"
#include "harness/fabric/fabric_error.h"

namespace fabcheck::fabric {
namespace {

// libbpf's warnings for the call in progress on this thread (the verifier's log on a failed
// load); the last part goes into the error message.
thread_local std::string t_libbpf_log;

int libbpfPrint(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  char line[512];
  const int n = std::vsnprintf(line, sizeof line, format, args);
  if (n > 0) t_libbpf_log += line;
  if (t_libbpf_log.size() > 4096) t_libbpf_log.erase(0, t_libbpf_log.size() - 4096);
  return n;
}

std::string lastLog() {
  std::string s = t_libbpf_log;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  const size_t cut = s.size() > 300 ? s.size() - 300 : 0;
  s = s.substr(cut);
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return s.empty() ? "" : " (libbpf: " + s + ")";
}

std::string errText(int err) { return std::strerror(err < 0 ? -err : err); }

// Runs f() on a thread that joined the network namespace /run/netns/<ns>; rethrows its exception.
template <class F>
void inNamespace(const std::string& ns, F f) {
  std::exception_ptr error;
  std::thread t([&] {
    try {
      const int fd = ::open(("/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) throw FabricError("ECN marker: cannot open namespace /run/netns/" + ns + ": " + errText(errno));
      const int rc = ::setns(fd, CLONE_NEWNET);
      const int err = errno;
      ::close(fd);
      if (rc != 0) throw FabricError("ECN marker: cannot enter namespace " + ns + ": " + errText(err));
      f();
    } catch (...) {
      error = std::current_exception();
    }
  });
  t.join();
  if (error) std::rethrow_exception(error);
}

// The map value the loader writes: the port's configuration, the model empty.
fabcheck_ecn_port initialState(const EcnPort& p) {
  fabcheck_ecn_port s{};
  s.rate_bytes_per_s = p.rate_bps / 8 ? p.rate_bps / 8 : 1;
  s.threshold_bytes = p.threshold_bytes;
  s.threshold_packets = p.threshold_packets;
  s.limit_bytes = p.queue_bytes;
  s.limit_packets = p.queue_bytes ? 0 : p.queue_packets;
  // elapsed × rate stays below 2^62; any gap that long drains more than a 32-bit queue holds.
  s.max_elapsed_ns = (1ULL << 62) / s.rate_bytes_per_s;
  return s;
}

// Closes the object on scope exit (the attached program and the pinned map outlive it).
struct ObjectCloser {
  bpf_object* obj;
  ~ObjectCloser() { bpf_object__close(obj); }
};

// Loads the program, configures and pins its map; returns the program's fd (valid while `obj`).
int loadAndPin(bpf_object* obj, const EcnPort& p, const std::string& where) {
  if (int err = bpf_object__load(obj); err != 0) {
    throw FabricError(where + ": loading the BPF program failed: " + errText(err) + lastLog());
  }
  bpf_map* map = bpf_object__find_map_by_name(obj, "port");
  bpf_program* prog = bpf_object__find_program_by_name(obj, "fabcheck_ecn_mark");
  if (!map || !prog) throw FabricError(where + ": the embedded BPF object has no map 'port' or program 'fabcheck_ecn_mark'");
  const uint32_t key = 0;
  const fabcheck_ecn_port state = initialState(p);
  if (bpf_map_update_elem(bpf_map__fd(map), &key, &state, BPF_ANY) != 0) {
    throw FabricError(where + ": writing the marker's configuration failed: " + errText(errno));
  }
  if (bpf_obj_pin(bpf_map__fd(map), p.pin_path.c_str()) != 0) {
    throw FabricError(where + ": pinning its map at " + p.pin_path + " failed: " + errText(errno));
  }
  return bpf_program__fd(prog);
}

// clsact on the device (reused when present) and the program at its egress, direct action.
void attachAtEgress(int prog_fd, const EcnPort& p, const std::string& where) {
  const unsigned ifindex = ::if_nametoindex(p.dev.c_str());
  if (ifindex == 0) throw FabricError(where + ": no such device: " + errText(errno));
  bpf_tc_hook hook;
  std::memset(&hook, 0, sizeof hook);
  hook.sz = sizeof hook;
  hook.ifindex = static_cast<int>(ifindex);
  hook.attach_point = BPF_TC_EGRESS;
  if (int err = bpf_tc_hook_create(&hook); err != 0 && err != -EEXIST) {
    throw FabricError(where + ": creating its clsact qdisc failed: " + errText(err) + lastLog());
  }
  bpf_tc_opts opts;
  std::memset(&opts, 0, sizeof opts);
  opts.sz = sizeof opts;
  opts.prog_fd = prog_fd;
  opts.handle = 1;
  opts.priority = 1;
  if (int err = bpf_tc_attach(&hook, &opts); err != 0) {
    throw FabricError(where + ": attaching the program at egress failed: " + errText(err) + lastLog());
  }
}

}  // namespace

std::string ecnPinDir(const std::string& fabric_name) { return std::string(kBpffsRoot) + "/fabcheck/" + fabric_name; }

std::string ecnPinPath(const std::string& pin_dir, const std::string& ns, const std::string& dev) {
  return pin_dir + "/" + ns + "_" + dev;  // bpffs refuses names with a dot
}

void makeEcnPinDir(const std::string& dir) {
  struct statfs fs{};
  if (::statfs(kBpffsRoot, &fs) != 0) {
    throw FabricError(std::string("ECN marking needs bpffs but ") + kBpffsRoot + " does not exist: " + errText(errno));
  }
  if (fs.f_type != BPF_FS_MAGIC && ::mount("bpf", kBpffsRoot, "bpf", 0, "mode=0700") != 0) {
    throw FabricError(std::string("ECN marking needs bpffs: `mount -t bpf bpf ") + kBpffsRoot + "` failed: " + errText(errno));
  }
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw FabricError("ECN marking: cannot create " + dir + " in bpffs: " + ec.message());
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (::unlink(entry.path().c_str()) != 0) {
      throw FabricError("ECN marking: cannot remove the stale pin " + entry.path().string() + ": " + errText(errno));
    }
  }
  if (ec) throw FabricError("ECN marking: cannot list " + dir + ": " + ec.message());
}

void attachEcnMarker(const EcnPort& p) {
  static const bool print_set = (libbpf_set_print(libbpfPrint), true);
  (void)print_set;
  const std::string where = "ECN marker on " + p.ns + ":" + p.dev;
  inNamespace(p.ns, [&] {
    t_libbpf_log.clear();
    bpf_object_open_opts open_opts;
    std::memset(&open_opts, 0, sizeof open_opts);
    open_opts.sz = sizeof open_opts;
    open_opts.object_name = "fabcheck_ecn";
    bpf_object* obj = bpf_object__open_mem(bpf::kEcnMarkBpfObject, bpf::kEcnMarkBpfObjectSize, &open_opts);
    if (!obj) throw FabricError(where + ": opening the embedded BPF object failed: " + errText(errno) + lastLog());
    ObjectCloser closer{obj};
    attachAtEgress(loadAndPin(obj, p, where), p, where);
  });
}

}  // namespace fabcheck::fabric

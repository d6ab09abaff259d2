#include "harness/process/process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "generators/core/errors.h"

extern char** environ;

namespace fabcheck::process {
namespace {

void closeFd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

ProcessExit fromWaitStatus(int st) {
  ProcessExit e;
  if (WIFEXITED(st)) e.code = WEXITSTATUS(st);
  if (WIFSIGNALED(st)) e.signal = WTERMSIG(st);
  return e;
}

std::vector<std::string> buildEnv(const std::map<std::string, std::string>& add) {
  std::vector<std::string> env;
  for (char** p = environ; p && *p; ++p) {
    const std::string entry(*p);
    const size_t eq = entry.find('=');
    const std::string key = entry.substr(0, eq);
    if (add.count(key) == 0) env.push_back(entry);
  }
  for (const auto& [k, v] : add) env.push_back(k + "=" + v);
  return env;
}

// Frees posix_spawn objects and parent-side fds on every exit path of spawn().
struct SpawnResources {
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  int err[2] = {-1, -1}, out[2] = {-1, -1}, in[2] = {-1, -1};
  SpawnResources() {
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
  }
  ~SpawnResources() {
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    for (int* p : {err, out, in}) {
      closeFd(p[0]);
      closeFd(p[1]);
    }
  }
};

}  // namespace

ChildSet::ChildSet() {
  if (::pipe2(wake_fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
    throw LaunchError(std::string("launcher: cannot create a wake-up pipe: ") + std::strerror(errno));
  }
  pump_ = std::thread([this] { pumpLoop(); });
}

ChildSet::~ChildSet() {
  stop(0, 0);
  {
    std::lock_guard<std::mutex> lk(mu_);
    quit_ = true;
  }
  wake();
  pump_.join();
  for (auto& c : children_) {
    closeFd(c->stdin_fd);
    closeFd(c->err_fd);
    closeFd(c->out_fd);
  }
  closeFd(wake_fds_[0]);
  closeFd(wake_fds_[1]);
}

void ChildSet::wake() {
  const char b = 1;
  [[maybe_unused]] ssize_t n = ::write(wake_fds_[1], &b, 1);
}

size_t ChildSet::spawn(const SpawnRequest& req) {
  if (req.argv.empty()) throw LaunchError("launcher: empty command line");
  const std::string& prog = req.argv[0];
  SpawnResources r;
  if (::pipe2(r.err, O_CLOEXEC) != 0 || (req.capture_stdout && ::pipe2(r.out, O_CLOEXEC) != 0) ||
      (req.stdin_mode == SpawnRequest::Stdin::kPipe &&
       ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, r.in) != 0)) {
    throw LaunchError("cannot start '" + prog + "': pipe: " + std::strerror(errno));
  }
  switch (req.stdin_mode) {
    case SpawnRequest::Stdin::kNull: posix_spawn_file_actions_addopen(&r.fa, 0, "/dev/null", O_RDONLY, 0); break;
    case SpawnRequest::Stdin::kPipe: posix_spawn_file_actions_adddup2(&r.fa, r.in[1], 0); break;
    case SpawnRequest::Stdin::kFile:
      posix_spawn_file_actions_addopen(&r.fa, 0, req.stdin_file.c_str(), O_RDONLY, 0);
      break;
  }
  if (req.capture_stdout) {
    posix_spawn_file_actions_adddup2(&r.fa, r.out[1], 1);
  } else {
    posix_spawn_file_actions_addopen(&r.fa, 1, "/dev/null", O_WRONLY, 0);
  }
  posix_spawn_file_actions_adddup2(&r.fa, r.err[1], 2);

  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setflags(&r.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  posix_spawnattr_setpgroup(&r.attr, 0);
  posix_spawnattr_setsigmask(&r.attr, &none);
  posix_spawnattr_setsigdefault(&r.attr, &all);

  std::vector<char*> argv;
  for (const auto& a : req.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::vector<std::string> env = buildEnv(req.env);
  std::vector<char*> envp;
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  pid_t pid = -1;
  const int rc = ::posix_spawnp(&pid, prog.c_str(), &r.fa, &r.attr, argv.data(), envp.data());
  if (rc != 0) {
    std::string what = "cannot start '" + prog + "': " + std::strerror(rc);
    if (req.stdin_mode == SpawnRequest::Stdin::kFile) what += " (or cannot read '" + req.stdin_file + "')";
    throw LaunchError(what);
  }
  auto c = std::make_unique<Child>();
  c->pid = pid;
  c->ready_line = req.ready_line;
  std::swap(c->err_fd, r.err[0]);
  if (req.capture_stdout) {
    std::swap(c->out_fd, r.out[0]);
  } else {
    c->out_eof = true;
  }
  if (req.stdin_mode == SpawnRequest::Stdin::kPipe) std::swap(c->stdin_fd, r.in[0]);
  {
    std::lock_guard<std::mutex> lk(mu_);
    children_.push_back(std::move(c));
  }
  wake();
  return children_.size() - 1;
}

pid_t ChildSet::pid(size_t i) const { return children_.at(i)->pid; }

bool ChildSet::sendStdin(size_t i, std::string_view data) {
  Child& c = *children_.at(i);
  size_t done = 0;
  while (c.stdin_fd >= 0 && done < data.size()) {
    const ssize_t n = ::send(c.stdin_fd, data.data() + done, data.size() - done, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return done == data.size();
}

void ChildSet::closeStdin(size_t i) { closeFd(children_.at(i)->stdin_fd); }

bool ChildSet::reap(size_t i) noexcept {
  Child& c = *children_[i];
  if (c.exit) return true;
  int st = 0;
  pid_t r;
  do {
    r = ::waitpid(c.pid, &st, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return false;
  c.exit = r > 0 ? fromWaitStatus(st) : ProcessExit{};  // r < 0: reaped elsewhere, status unknown
  return true;
}

std::optional<ProcessExit> ChildSet::poll(size_t i) {
  if (!reap(i)) return std::nullopt;
  Child& c = *children_[i];
  if (!c.eof_awaited) {  // once: a grandchild holding the pipe must not slow every later poll
    c.eof_awaited = true;
    waitUntil(200'000'000, [&] { return stderrEof(i) && stdoutEof(i); });
  }
  return c.exit;
}

bool ChildSet::ready(size_t i) const {
  std::lock_guard<std::mutex> lk(mu_);
  return children_.at(i)->ready;
}

bool ChildSet::stderrEof(size_t i) const {
  std::lock_guard<std::mutex> lk(mu_);
  return children_.at(i)->err_eof;
}

bool ChildSet::stdoutEof(size_t i) const {
  std::lock_guard<std::mutex> lk(mu_);
  return children_.at(i)->out_eof;
}

std::string ChildSet::stderrTail(size_t i) const {
  std::lock_guard<std::mutex> lk(mu_);
  const Child& c = *children_.at(i);
  std::string s;
  for (const auto& l : c.tail) s += (s.empty() ? "" : "\n") + l;
  if (!c.partial.empty()) s += (s.empty() ? "" : "\n") + c.partial;
  return s;
}

std::string ChildSet::lastStderrLine(size_t i) const {
  std::lock_guard<std::mutex> lk(mu_);
  const Child& c = *children_.at(i);
  if (!c.partial.empty()) return c.partial;
  return c.tail.empty() ? std::string() : c.tail.back();
}

std::string ChildSet::stdoutText(size_t i) const {
  std::lock_guard<std::mutex> lk(mu_);
  return children_.at(i)->out;
}

void ChildSet::addLine(Child& c, std::string line) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (!c.ready_line.empty() && !c.ready && line == c.ready_line) {
    c.ready = true;
    return;
  }
  if (line.size() > kMaxLineBytes) line.resize(kMaxLineBytes);
  c.tail.push_back(std::move(line));
  while (c.tail.size() > kTailLines) c.tail.pop_front();
}

bool ChildSet::waitChange(int64_t timeout_ns) {
  std::unique_lock<std::mutex> lk(mu_);
  const uint64_t g = generation_;
  return cv_.wait_for(lk, std::chrono::nanoseconds(timeout_ns), [&] { return generation_ != g; });
}

void ChildSet::pumpLoop() {
  struct Watch {
    Child* child;
    int fd;
    bool is_err;
  };
  std::vector<Watch> watches;
  std::vector<pollfd> fds;
  char buf[16384];
  while (true) {
    watches.clear();
    fds.clear();
    fds.push_back({wake_fds_[0], POLLIN, 0});
    {
      std::lock_guard<std::mutex> lk(mu_);
      if (quit_) return;
      for (auto& c : children_) {
        if (c->err_fd >= 0) watches.push_back({c.get(), c->err_fd, true});
        if (c->out_fd >= 0) watches.push_back({c.get(), c->out_fd, false});
      }
    }
    for (const auto& w : watches) fds.push_back({w.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 1000) <= 0) continue;
    if (fds[0].revents & POLLIN) {
      while (::read(wake_fds_[0], buf, sizeof buf) > 0) {
      }
    }
    for (size_t k = 0; k < watches.size(); ++k) {
      if (!(fds[k + 1].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t n = ::read(watches[k].fd, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      std::lock_guard<std::mutex> lk(mu_);
      Child& c = *watches[k].child;
      if (n <= 0) {
        if (watches[k].is_err) {
          if (!c.partial.empty()) addLine(c, std::exchange(c.partial, {}));
          closeFd(c.err_fd);
          c.err_eof = true;
        } else {
          closeFd(c.out_fd);
          c.out_eof = true;
        }
      } else if (watches[k].is_err) {
        c.partial.append(buf, static_cast<size_t>(n));
        size_t nl;
        while ((nl = c.partial.find('\n')) != std::string::npos) {
          addLine(c, c.partial.substr(0, nl));
          c.partial.erase(0, nl + 1);
        }
        if (c.partial.size() > 4 * kMaxLineBytes) addLine(c, std::exchange(c.partial, {}));
      } else if (c.out.size() < kMaxStdoutBytes) {
        c.out.append(buf, std::min(static_cast<size_t>(n), kMaxStdoutBytes - c.out.size()));
      }
      ++generation_;
      cv_.notify_all();
    }
  }
}

void ChildSet::kill(size_t i) noexcept {
  if (i < children_.size() && !reap(i)) ::kill(-children_[i]->pid, SIGKILL);
}

void ChildSet::signalLive(int sig) noexcept {
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!reap(i)) ::kill(-children_[i]->pid, sig);
  }
}

bool ChildSet::waitAllExited(int64_t timeout_ns) noexcept {
  try {
    return waitUntil(timeout_ns, [&] {
      bool all = true;
      for (size_t i = 0; i < children_.size(); ++i) all = reap(i) && all;
      return all;
    });
  } catch (...) {
    return false;
  }
}

void ChildSet::stop(int64_t wait_first_ns, int64_t grace_ns) noexcept {
  std::vector<pid_t> groups;  // process groups whose leader was alive when stop began
  for (size_t i = 0; i < children_.size(); ++i) {
    if (!reap(i)) groups.push_back(children_[i]->pid);
  }
  if (groups.empty()) return;
  if (wait_first_ns > 0) waitAllExited(wait_first_ns);
  signalLive(SIGTERM);
  if (!waitAllExited(grace_ns)) {
    signalLive(SIGKILL);
    waitAllExited(2'000'000'000);
  }
  // Leaders are gone; take down whatever they left behind in their groups.
  for (pid_t g : groups) ::kill(-g, SIGKILL);
  for (auto& c : children_) closeFd(c->stdin_fd);
}

RunOutput runToCompletion(SpawnRequest req, int64_t timeout_ns) {
  req.capture_stdout = true;
  ChildSet set;
  const size_t i = set.spawn(req);
  RunOutput r;
  r.timed_out = !set.waitUntil(timeout_ns, [&] { return set.poll(i).has_value(); });
  if (r.timed_out) set.stop(0, 0);
  if (auto e = set.poll(i)) r.exit = *e;
  r.out = set.stdoutText(i);
  r.err_tail = set.stderrTail(i);
  r.err_last_line = set.lastStderrLine(i);
  return r;
}

bool isEnvName(std::string_view name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char ch : name) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
    if (!ok) return false;
  }
  return true;
}

std::string describeExit(const ProcessExit& e) {
  if (e.signal != 0) return "signal " + std::to_string(e.signal) + " (" + ::strsignal(e.signal) + ")";
  return "exit code " + std::to_string(e.code);
}

}  // namespace fabcheck::process

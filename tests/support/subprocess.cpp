#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace fabcheck::testing {

Subprocess Subprocess::start(const std::vector<std::string>& argv) {
  int out[2], err[2];
  if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error(std::string("fork failed: ") + std::strerror(errno));
  if (pid == 0) {
    dup2(out[1], 1);
    dup2(err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  close(out[1]);
  close(err[1]);
  Subprocess p;
  p.pid_ = pid;
  p.out_fd_ = out[0];
  p.err_fd_ = err[0];
  return p;
}

Subprocess::Subprocess(Subprocess&& o) noexcept
    : pid_(o.pid_), out_fd_(o.out_fd_), err_fd_(o.err_fd_), out_(std::move(o.out_)), err_(std::move(o.err_)),
      status_(o.status_) {
  o.pid_ = -1;
  o.out_fd_ = o.err_fd_ = -1;
}

Subprocess::~Subprocess() {
  if (pid_ > 0 && !status_) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (out_fd_ >= 0) close(out_fd_);
  if (err_fd_ >= 0) close(err_fd_);
}

void Subprocess::pump(int timeout_ms) {
  pollfd fds[2] = {{out_fd_, POLLIN, 0}, {err_fd_, POLLIN, 0}};
  if (poll(fds, 2, timeout_ms) <= 0) return;
  char buf[65536];
  for (int i = 0; i < 2; ++i) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) continue;
    ssize_t n = read(fds[i].fd, buf, sizeof buf);
    if (n > 0) (i == 0 ? out_ : err_).append(buf, static_cast<size_t>(n));
    if (n == 0) {  // end of stream
      close(fds[i].fd);
      (i == 0 ? out_fd_ : err_fd_) = -1;
    }
  }
}

bool Subprocess::waitForStdout(const std::string& needle, std::chrono::milliseconds timeout) {
  return waitFor(out_, needle, timeout);
}

bool Subprocess::waitForStderr(const std::string& needle, std::chrono::milliseconds timeout) {
  return waitFor(err_, needle, timeout);
}

bool Subprocess::waitFor(const std::string& stream, const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (stream.find(needle) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    if (out_fd_ < 0 && err_fd_ < 0) return false;
    pump(20);
  }
  return true;
}

ExitStatus Subprocess::waitExit(std::chrono::milliseconds timeout) {
  if (status_) return *status_;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  ExitStatus st;
  for (;;) {
    pump(20);
    int ws = 0;
    pid_t r = waitpid(pid_, &ws, WNOHANG);
    if (r == pid_) {
      while (out_fd_ >= 0 || err_fd_ >= 0) pump(100);  // the rest of the output
      if (WIFEXITED(ws)) st.code = WEXITSTATUS(ws);
      if (WIFSIGNALED(ws)) st.signal = WTERMSIG(ws);
      break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
      st.timed_out = true;
      break;
    }
  }
  status_ = st;
  return st;
}

void Subprocess::signal(int sig) {
  if (pid_ > 0 && !status_) kill(pid_, sig);
}

RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout) {
  Subprocess p = Subprocess::start(argv);
  RunResult r;
  r.status = p.waitExit(timeout);
  r.out = p.out();
  r.err = p.err();
  return r;
}

}  // namespace fabcheck::testing

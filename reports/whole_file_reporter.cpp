#include "reports/whole_file_reporter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "generators/core/errors.h"
#include "reports/fd_write.h"

namespace fabcheck::reports {

void WholeFileReporter::begin(const nlohmann::json& context) {
  run_.context = context;
  write();
}

void WholeFileReporter::agents(const nlohmann::json& agents) {
  run_.agents = agents;
  write();
}

void WholeFileReporter::test(const nlohmann::json& record) {
  if (keepRecord(record)) run_.tests.push_back(record);
  write();
}

void WholeFileReporter::finish(const nlohmann::json& end) {
  run_.end = end;
  write();
}

// PATH.tmp written whole and fsync()ed, then renamed over PATH: a failure at any step (a full
// disk) removes PATH.tmp — it would hold the space the other reporters need — and leaves PATH
// as it was.
void WholeFileReporter::write() {
  const std::string text = render(run_);
  const std::string where = format_ + " report '" + path_ + "'";
  const std::string tmp = path_ + ".tmp";
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw ConfigError(where + ": cannot write '" + tmp + "': " + std::strerror(errno));
  const char* failed = !writeAllToFd(fd, text.data(), text.size()) ? "writing" : ::fsync(fd) != 0 ? "syncing" : nullptr;
  const std::string why = failed != nullptr ? std::strerror(errno) : "";
  ::close(fd);
  if (failed != nullptr) {
    ::unlink(tmp.c_str());
    throw Error(where + ": " + failed + " '" + tmp + "' failed: " + why + (written_ ? " (the file keeps its last version)" : ""));
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(where + ": cannot replace the file: " + err);
  }
  written_ = true;
}

}  // namespace fabcheck::reports

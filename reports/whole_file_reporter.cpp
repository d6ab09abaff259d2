#include "reports/whole_file_reporter.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "generators/core/errors.h"

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

void WholeFileReporter::write() {
  const std::string text = render(run_);
  const std::string where = format_ + " report '" + path_ + "'";
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw ConfigError(where + ": cannot write '" + tmp + "': " + std::strerror(errno));
    out << text;
    out.flush();
    if (!out) throw Error(where + ": writing failed: " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error(where + ": cannot replace the file: " + why);
  }
}

}  // namespace fabcheck::reports

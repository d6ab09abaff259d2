// A temporary directory for one test, and executable /bin/sh scripts written into it.
#pragma once

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace fabcheck::testing {

// Writes "#!/bin/sh\n" + `body` to `path`, makes it executable (0755) and returns `path`.
inline std::string writeScript(const std::string& path, const std::string& body) {
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
  return path;
}

// A fresh directory <system temp>/<prefix>-XXXXXX, removed with everything in it when this ends.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "fabcheck-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // An executable script <dir>/<name> (see writeScript).
  std::string script(const std::string& name, const std::string& body) const { return writeScript(path_ + "/" + name, body); }

 private:
  std::string path_;
};

}  // namespace fabcheck::testing

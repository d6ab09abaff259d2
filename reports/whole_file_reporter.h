// The shape the file reporters share: the file is the whole run so far, rendered anew and
// replaced atomically (temporary file, fsync(), rename()) after every event, so at any moment —
// also after Ctrl-C, a crash or a full disk — the file on disk is complete and valid with what
// finished (a write that fails removes its temporary file and leaves the last version).
//
// Contract: a subclass renders a RunSoFar into its format (render() must not throw on records
// of unexpected shape) and calls write() at the end of its constructor, so an unwritable path
// fails before the run (ConfigError naming the path and the OS reason). I/O errors later throw
// Error "<format> report '<path>': ...".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "reports/reporter.h"

namespace fabcheck::reports {

struct RunSoFar {
  nlohmann::json context = nlohmann::json::object();
  std::optional<nlohmann::json> agents;   // once the agents registered
  std::vector<nlohmann::json> tests;      // in the order they finished
  std::optional<nlohmann::json> end;      // once the run ended
};

class WholeFileReporter : public Reporter {
 public:
  void begin(const nlohmann::json& context) final;
  void agents(const nlohmann::json& agents) final;
  void test(const nlohmann::json& record) final;
  void finish(const nlohmann::json& end) final;
  std::string describe() const final { return format_ + ": " + path_; }

 protected:
  WholeFileReporter(std::string format, std::string path) : format_(std::move(format)), path_(std::move(path)) {}
  virtual std::string render(const RunSoFar& run) const = 0;
  // Called with each test's record before the file is written; true (the default) keeps the
  // record in RunSoFar::tests, false leaves keeping what it needs to the subclass (the JUnit
  // reporter keeps the fields its XML shows: a fraction of a record at thousands of agents).
  virtual bool keepRecord(const nlohmann::json& record) {
    (void)record;
    return true;
  }
  void write();

 private:
  std::string format_, path_;
  RunSoFar run_;
  bool written_ = false;  // PATH holds a version of ours
};

}  // namespace fabcheck::reports

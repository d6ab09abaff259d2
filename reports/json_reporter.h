// The JSON results file (docs/results.md): one object {context..., agents, tests: [...], end,
// complete}, byte for byte what dumping the whole document with an indent of 2 gives.
//
// Streamed (growing_json_file.h): each test's record is appended in place as it finishes and
// not kept — the reporter's memory is the run's context and agents, whatever the number of tests
// — and the file is valid JSON after every event, "complete" false until finish(). begin(),
// agents() and finish() rewrite the head (context, agents, end) through a temporary file and
// rename(), copying the tests written so far from the file.
//
// flows(): with the suite's `report: {flows_sidecar: true}` the runner hands every flow of each
// test here as the test ends; they are appended to PATH.flows.jsonl (one JSON object per line:
// {"test": NAME, flow_id, ...}), created on the first call and never held in memory. A test's
// lines go in one write; when it fails (a full disk) the file is cut back to the tests before,
// so it never ends in a partial line.
//
// Failures (a full disk, a quota, an I/O error) throw Error naming the file and the OS reason;
// the files keep their last valid version (growing_json_file.h), "complete": false.
#pragma once

#include <cstdint>
#include <string>

#include "reports/growing_json_file.h"
#include "reports/reporter.h"

namespace fabcheck::reports {

class JsonReporter : public Reporter {
 public:
  explicit JsonReporter(std::string path);  // throws ConfigError when the directory is not writable
  ~JsonReporter() override;
  JsonReporter(const JsonReporter&) = delete;
  JsonReporter& operator=(const JsonReporter&) = delete;

  void begin(const nlohmann::json& context) override;
  void agents(const nlohmann::json& agents) override;
  void test(const nlohmann::json& record) override;
  void flows(const std::string& test, const nlohmann::json& per_flow) override;
  void finish(const nlohmann::json& end) override;
  std::string describe() const override;

  // What the reporter holds in memory, in bytes of text (context, agents, topology, end and the
  // file's tail): it does not grow with the tests written (tests/unit/json_reporter_stream_test.cpp).
  size_t heldBytes() const;

 private:
  void rewrite();

  std::string path_;
  nlohmann::json context_ = nlohmann::json::object();
  std::string agents_text_;          // the agents array dumped at its indent; "" until agents()
  nlohmann::json topology_;          // null until agents()
  nlohmann::json end_;
  bool finished_ = false;
  GrowingJsonFile file_;
  int sidecar_fd_ = -1;              // PATH.flows.jsonl, once flows() was called
  uint64_t sidecar_size_ = 0;        // its bytes of whole lines
};

// value.dump(indent), with any string's bytes that are not UTF-8 written as U+FFFD instead of
// throwing (a report is never lost to one bad byte in an agent's host name or error text).
std::string dumpUtf8(const nlohmann::json& value, int indent = -1);

// `text` (a dump(2) of a value) as it sits at depth 2 of a dump(2): every line after the first
// indented by `indent` spaces more.
std::string indentedJson(const std::string& text, size_t indent);

}  // namespace fabcheck::reports

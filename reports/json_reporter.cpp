#include "reports/json_reporter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "generators/core/errors.h"
#include "harness/results/topology.h"

namespace fabcheck::reports {

namespace {

constexpr const char* kTestsMarker = "\x01" "fabcheck tests" "\x01";
constexpr const char* kAgentsMarker = "\x01" "fabcheck agents" "\x01";

}  // namespace

std::string dumpUtf8(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string indentedJson(const std::string& text, size_t indent) {
  const std::string pad(indent, ' ');
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  for (const char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

JsonReporter::JsonReporter(std::string path) : path_(path), file_(path, "json report '" + path + "'") { rewrite(); }

JsonReporter::~JsonReporter() {
  if (sidecar_fd_ >= 0) ::close(sidecar_fd_);
}

std::string JsonReporter::describe() const { return "json: " + path_; }

size_t JsonReporter::heldBytes() const {
  return dumpUtf8(context_).size() + agents_text_.size() + dumpUtf8(topology_).size() + dumpUtf8(end_).size() +
         file_.heldBytes();
}

void JsonReporter::begin(const nlohmann::json& context) {
  context_ = context;
  rewrite();
}

void JsonReporter::agents(const nlohmann::json& agents) {
  agents_text_ = indentedJson(dumpUtf8(agents, 2), 2);
  topology_ = results::agentsJsonTopology(agents);  // host -> {switch, port, source}
  rewrite();
}

void JsonReporter::test(const nlohmann::json& record) {
  // As dump(2) writes an element of the top-level "tests" array: every line indented by 4.
  file_.append("    " + indentedJson(dumpUtf8(record, 2), 4));
}

void JsonReporter::finish(const nlohmann::json& end) {
  end_ = end;
  finished_ = true;
  rewrite();
}

// One test's lines written at once; a write that fails (a full disk) is cut back off, so the
// sidecar holds whole lines of whole tests only.
void JsonReporter::flows(const std::string& test, const nlohmann::json& per_flow) {
  const std::string sidecar = path_ + ".flows.jsonl";
  const std::string where = "json report '" + path_ + "': ";
  if (sidecar_fd_ < 0) {
    sidecar_fd_ = ::open(sidecar.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (sidecar_fd_ < 0) throw Error(where + "cannot write '" + sidecar + "': " + std::strerror(errno));
  }
  if (!per_flow.is_array()) return;
  std::string text;
  for (const auto& f : per_flow) {
    nlohmann::json line = {{"test", test}};
    if (f.is_object()) line.update(f);
    text += dumpUtf8(line);
    text += '\n';
  }
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t w = ::pwrite(sidecar_fd_, text.data() + done, text.size() - done, static_cast<off_t>(sidecar_size_ + done));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      const std::string why = w == 0 ? "short write" : std::strerror(errno);
      (void)::ftruncate(sidecar_fd_, static_cast<off_t>(sidecar_size_));
      throw Error(where + "writing '" + sidecar + "' failed: " + why + " (it keeps the flows of the tests before '" + test + "')");
    }
    done += static_cast<size_t>(w);
  }
  sidecar_size_ += text.size();
}

// The document without its tests, split where the tests array goes: head and tail.
void JsonReporter::rewrite() {
  nlohmann::json doc = nlohmann::json::object();
  for (const auto& [k, v] : context_.items()) doc[k] = v;
  if (!agents_text_.empty()) {
    doc["agents"] = kAgentsMarker;
    doc["topology"] = topology_;
  }
  doc["tests"] = kTestsMarker;
  if (finished_) doc["end"] = end_;
  doc["complete"] = finished_;
  std::string text = dumpUtf8(doc, 2) + "\n";
  const std::string agents_marker = nlohmann::json(kAgentsMarker).dump();
  if (const size_t at = text.find(agents_marker); at != std::string::npos) text.replace(at, agents_marker.size(), agents_text_);
  const std::string tests_marker = nlohmann::json(kTestsMarker).dump();
  const size_t at = text.find(tests_marker);
  file_.rewrite(text.substr(0, at), text.substr(at + tests_marker.size()));
}

}  // namespace fabcheck::reports

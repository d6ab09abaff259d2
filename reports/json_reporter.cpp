#include "reports/json_reporter.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "generators/core/errors.h"

namespace fabcheck::reports {

JsonReporter::JsonReporter(std::string path) : path_(std::move(path)) {
  doc_ = nlohmann::json::object();
  doc_["tests"] = nlohmann::json::array();
  doc_["complete"] = false;
  write();  // fail now, before the run, when the path is not writable
}

void JsonReporter::begin(const nlohmann::json& context) {
  for (const auto& [k, v] : context.items()) doc_[k] = v;
  write();
}

void JsonReporter::agents(const nlohmann::json& agents) {
  doc_["agents"] = agents;
  write();
}

void JsonReporter::test(const nlohmann::json& record) {
  doc_["tests"].push_back(record);
  write();
}

void JsonReporter::finish(const nlohmann::json& end) {
  doc_["end"] = end;
  doc_["complete"] = true;
  write();
}

void JsonReporter::write() {
  const std::string tmp = path_ + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) throw ConfigError("json report '" + path_ + "': cannot write '" + tmp + "': " + std::strerror(errno));
    out << doc_.dump(2) << "\n";
    out.flush();
    if (!out) throw Error("json report '" + path_ + "': writing failed: " + std::strerror(errno));
  }
  if (std::rename(tmp.c_str(), path_.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw Error("json report '" + path_ + "': cannot replace the file: " + why);
  }
}

}  // namespace fabcheck::reports

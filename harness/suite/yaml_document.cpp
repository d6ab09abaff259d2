#include "harness/suite/yaml_document.h"

#include <yaml-cpp/eventhandler.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "generators/core/utf8.h"

namespace fabcheck::suite::detail {
namespace {

constexpr size_t kMaxUtf8Diagnostics = 20;

// The 1-based line of the '---' or '...' marker that starts the document whose root is at
// `root_line` (1-based; 0: unknown, e.g. an empty document): the last marker line before it.
int markerLineBefore(const std::string& text, int root_line) {
  int line = 1, found = 0;
  for (size_t at = 0; at < text.size(); ++line) {
    if (root_line > 0 && line > root_line) break;
    const size_t end = text.find('\n', at);
    const std::string_view l(text.data() + at, (end == std::string::npos ? text.size() : end) - at);
    const bool marker = (l.substr(0, 3) == "---" || l.substr(0, 3) == "...") &&
                        (l.size() == 3 || l[3] == ' ' || l[3] == '\t' || l[3] == '\r');
    if (marker) found = line;
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return found;
}

struct Utf8Walk {
  const std::string& file;
  std::vector<Diagnostic>& diags;
  size_t found = 0;

  void check(const YAML::Node& n, const std::string& field) {
    const std::string& s = n.Scalar();
    const size_t bad = firstInvalidUtf8(s);
    if (bad == std::string::npos) return;
    if (found++ >= kMaxUtf8Diagnostics) return;
    const YAML::Mark m = n.Mark();
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned>(static_cast<unsigned char>(s[bad])));
    diags.push_back({{file, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1},
                     (field.empty() ? std::string("the document") : field) + ": byte " + byte + " at offset " +
                         std::to_string(bad) + " is not UTF-8; expected UTF-8 text"});
  }

  void walk(const YAML::Node& n, const std::string& field) {
    if (n.IsScalar()) {
      check(n, field);
    } else if (n.IsSequence()) {
      for (size_t i = 0; i < n.size(); ++i) walk(n[i], field + "[" + std::to_string(i) + "]");
    } else if (n.IsMap()) {
      for (auto it = n.begin(); it != n.end(); ++it) {
        const std::string key = it->first.IsScalar() ? validUtf8(it->first.Scalar()) : "?";
        const std::string path = field.empty() ? key : field + "." + key;
        if (it->first.IsScalar()) check(it->first, path + " (the key)");
        else walk(it->first, path + " (the key)");
        walk(it->second, path);
      }
    }
  }
};

// The shape of each document of a stream, from yaml-cpp's events without building nodes: where
// it starts and whether it holds anything but one null.
struct DocumentShapes : YAML::EventHandler {
  struct Shape {
    YAML::Mark start;
    bool empty = true;
  };
  std::vector<Shape> docs;

  void OnDocumentStart(const YAML::Mark& m) override { docs.push_back({m, true}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { docs.back().empty = false; }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {
    docs.back().empty = false;
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    docs.back().empty = false;
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    docs.back().empty = false;
  }
  void OnMapEnd() override {}
};

Diagnostic at(const std::string& file, const YAML::Mark& m, std::string message) {
  return {{file, m.is_null() ? 0 : m.line + 1, m.is_null() ? 0 : m.column + 1}, std::move(message)};
}

// Walks the stream's documents (yaml-cpp 0.7's LoadAll loops forever, allocating, on a document
// that starts with a token no node starts with, such as ',': upstream issue jbeder/yaml-cpp#1040,
// fixed in 0.8 — Debian 12 has 0.7). A document that starts where the previous one started made
// no progress: that is the syntax error. A second document with content is refused.
void checkDocuments(const std::string& text, const std::string& file, std::vector<Diagnostic>& diags) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentShapes shapes;
  while (parser.HandleNextDocument(shapes)) {
    const auto& docs = shapes.docs;
    if (docs.size() >= 2 && docs.back().start.pos == docs[docs.size() - 2].start.pos) {
      const YAML::Mark m = docs.back().start;
      const char c = m.pos >= 0 && static_cast<size_t>(m.pos) < text.size() ? text[m.pos] : ' ';
      diags.push_back(at(file, m, c == ','
                                      ? "YAML syntax: a ',' outside [ ] or { }; expected a value or a key"
                                      : "YAML syntax: nothing can be read from here; expected a value or a key"));
      return;
    }
    if (docs.size() >= 2 && !docs.back().empty) {
      const YAML::Mark m = docs.back().start;
      const int line = markerLineBefore(text, m.is_null() ? 0 : m.line + 1);
      diags.push_back({{file, line > 0 ? line : (m.is_null() ? 0 : m.line + 1), 1},
                       "a second YAML document starts here; a fabcheck file holds one document "
                       "(remove the '---' or put the second part in its own file)"});
      return;
    }
  }
}

}  // namespace

std::optional<std::string> readYamlFile(const std::string& path, std::string& why) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  std::string text(kMaxYamlFileBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (in.bad()) {
    why = std::strerror(errno);
    return std::nullopt;
  }
  return text;
}

std::optional<YAML::Node> loadYamlDocument(const std::string& text, const std::string& file,
                                           std::vector<Diagnostic>& diags) {
  const size_t before = diags.size();
  if (text.size() > kMaxYamlFileBytes) {
    const std::string size = text.size() == kMaxYamlFileBytes + 1 ? "over " + std::to_string(kMaxYamlFileBytes)
                                                                   : std::to_string(text.size());
    diags.push_back({{file, 1, 1}, "the file is " + size + " bytes; a fabcheck YAML file may be at most " +
                                       std::to_string(kMaxYamlFileBytes) + " bytes (4 MiB): split it"});
    return std::nullopt;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text);
    // Only a stream with a document marker can hold a second document, and only a null first
    // document can be a stalled one: the common file is parsed once.
    if (root.IsNull() || markerLineBefore(text, 0) > 0) checkDocuments(text, file, diags);
  } catch (const YAML::ParserException& e) {
    diags.push_back({{file, e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diags.push_back({{file, 0, 0}, std::string("YAML: ") + e.what()});
    return std::nullopt;
  }
  Utf8Walk{file, diags}.walk(root, "");
  if (diags.size() != before) return std::nullopt;
  return root;
}

}  // namespace fabcheck::suite::detail

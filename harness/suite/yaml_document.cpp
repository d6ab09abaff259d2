#include "harness/suite/yaml_document.h"

#include <cstdio>

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

}  // namespace

std::optional<YAML::Node> loadYamlDocument(const std::string& text, const std::string& file,
                                           std::vector<Diagnostic>& diags) {
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(text);
  } catch (const YAML::ParserException& e) {
    diags.push_back({{file, e.mark.line + 1, e.mark.column + 1}, "YAML syntax: " + e.msg});
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    diags.push_back({{file, 0, 0}, std::string("YAML: ") + e.what()});
    return std::nullopt;
  }
  const size_t before = diags.size();
  for (size_t i = 1; i < docs.size(); ++i) {
    if (docs[i].IsNull()) continue;  // a trailing '---' with nothing after it loses nothing
    const YAML::Mark m = docs[i].Mark();
    const int line = markerLineBefore(text, m.is_null() ? 0 : m.line + 1);
    diags.push_back({{file, line > 0 ? line : (m.is_null() ? 0 : m.line + 1), 1},
                     "a second YAML document starts here; a fabcheck file holds one document "
                     "(remove the '---' or put the second part in its own file)"});
    break;
  }
  YAML::Node root = docs.empty() ? YAML::Node() : docs.front();
  Utf8Walk{file, diags}.walk(root, "");
  if (diags.size() != before) return std::nullopt;
  return root;
}

}  // namespace fabcheck::suite::detail

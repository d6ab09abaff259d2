#include "harness/launch/hosts.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "generators/core/errors.h"

namespace fabcheck::launch {
namespace {

constexpr int kMaxSlots = 1024;

struct Token {
  std::string text;
  int col = 0;  // 1-based
};

std::vector<Token> tokenize(const std::string& line) {
  std::vector<Token> out;
  size_t i = 0;
  const size_t end = line.find('#') == std::string::npos ? line.size() : line.find('#');
  while (i < end) {
    while (i < end && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
    if (i >= end) break;
    const size_t start = i;
    while (i < end && line[i] != ' ' && line[i] != '\t' && line[i] != '\r') ++i;
    out.push_back({line.substr(start, i - start), static_cast<int>(start) + 1});
  }
  return out;
}

[[noreturn]] void fail(const std::string& where, int line, int col, const std::string& what) {
  throw ConfigError(where + ":" + std::to_string(line) + ":" + std::to_string(col) + ": " + what);
}

bool validHostName(const std::string& s) {
  if (s.empty() || s[0] == '-') return false;
  for (unsigned char c : s) {
    if (c < 0x21 || c == 0x7f || c == '=' || c == '\'' || c == '"' || c == '\\') return false;
  }
  return true;
}

int parseSlots(const std::string& v, bool& ok) {
  ok = false;
  if (v.empty() || v.size() > 4) return 0;
  int n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return 0;
    n = n * 10 + (c - '0');
  }
  if (n < 1 || n > kMaxSlots) return 0;
  ok = true;
  return n;
}

}  // namespace

std::vector<HostEntry> parseHosts(const std::string& text, const std::string& where) {
  std::vector<HostEntry> hosts;
  std::map<std::string, int> first_line;  // host name -> line it was first listed on
  std::istringstream in(text);
  std::string line;
  int lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    const auto tokens = tokenize(line);
    if (tokens.empty()) continue;
    HostEntry entry;
    entry.name = tokens[0].text;
    if (!validHostName(entry.name)) {
      fail(where, lineno, tokens[0].col,
           "'" + entry.name + "' is not a host name (a line starts with the host name; no '=', quotes, or leading '-')");
    }
    if (auto it = first_line.find(entry.name); it != first_line.end()) {
      fail(where, lineno, tokens[0].col,
           "host '" + entry.name + "' listed twice (first on line " + std::to_string(it->second) + ")");
    }
    bool slots_seen = false;
    for (size_t t = 1; t < tokens.size(); ++t) {
      const Token& tok = tokens[t];
      const size_t eq = tok.text.find('=');
      if (eq == std::string::npos || eq + 1 == tok.text.size()) {
        const std::string key = eq == std::string::npos ? tok.text : tok.text.substr(0, eq);
        fail(where, lineno, tok.col, "'" + key + "' needs a value (key=value)");
      }
      if (eq == 0) fail(where, lineno, tok.col, "'" + tok.text + "' has no key (key=value)");
      const std::string key = tok.text.substr(0, eq);
      const std::string value = tok.text.substr(eq + 1);
      if (key == "slots") {
        if (slots_seen) fail(where, lineno, tok.col, "'slots' given twice for host '" + entry.name + "'");
        slots_seen = true;
        bool ok = false;
        entry.slots = parseSlots(value, ok);
        if (!ok) {
          fail(where, lineno, tok.col,
               "slots '" + value + "' is not a whole number from 1 to " + std::to_string(kMaxSlots));
        }
        continue;
      }
      if (!entry.labels.emplace(key, value).second) {
        fail(where, lineno, tok.col, "'" + key + "' given twice for host '" + entry.name + "'");
      }
    }
    first_line.emplace(entry.name, lineno);
    hosts.push_back(std::move(entry));
  }
  if (hosts.empty()) throw ConfigError(where + ": no hosts");
  return hosts;
}

std::vector<HostEntry> parseHostsFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    throw ConfigError("hosts file '" + path + "': cannot read (" + std::strerror(errno) +
                      "); expected a readable file with one host per line");
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  return parseHosts(ss.str(), path);
}

int totalSlots(const std::vector<HostEntry>& hosts) {
  int n = 0;
  for (const auto& h : hosts) n += h.slots;
  return n;
}

}  // namespace fabcheck::launch

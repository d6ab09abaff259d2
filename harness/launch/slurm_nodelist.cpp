#include "harness/launch/slurm_nodelist.h"

#include <set>

#include "generators/core/errors.h"

namespace fabcheck::launch {
namespace {

constexpr const char* kNodelistForm = "names like node[01-04,07],gpu3";

class NodelistParser {
 public:
  NodelistParser(std::string_view list, std::string_view where) : list_(list), where_(where) {}

  std::vector<HostEntry> parse() {
    if (list_.empty()) fail(0, "the list is empty");
    std::vector<HostEntry> hosts;
    std::set<std::string> seen;
    size_t start = 0;
    while (start <= list_.size()) {
      const size_t end = itemEnd(start);
      for (std::string& name : expandItem(start, end)) {
        if (!seen.insert(name).second) fail(start, "host '" + name + "' is listed twice");
        if (hosts.size() >= kMaxSlurmHosts) fail(start, "more than " + std::to_string(kMaxSlurmHosts) + " hosts");
        hosts.push_back(HostEntry{std::move(name), 1, {}});
      }
      start = end + 1;
    }
    return hosts;
  }

 private:
  [[noreturn]] void fail(size_t pos, const std::string& what) const {
    throw ConfigError(std::string(where_) + " '" + std::string(list_) + "': " + what + " at position " +
                      std::to_string(pos + 1) + "; expected " + kNodelistForm);
  }

  // The end of the comma-separated item starting at `start` (commas inside brackets belong to it).
  size_t itemEnd(size_t start) const {
    size_t open = std::string_view::npos;  // position of the '[' not closed yet
    size_t i = start;
    for (; i < list_.size(); ++i) {
      const char c = list_[i];
      if (c == '[') {
        if (open != std::string_view::npos) fail(i, "nested '['");
        open = i;
      } else if (c == ']') {
        if (open == std::string_view::npos) fail(i, "']' without '['");
        open = std::string_view::npos;
      } else if (c == ',' && open == std::string_view::npos) {
        break;
      }
    }
    if (open != std::string_view::npos) fail(open, "'[' is not closed");
    return i;
  }

  // One name with zero or more bracket groups, expanded (rightmost group varies fastest).
  std::vector<std::string> expandItem(size_t start, size_t end) const {
    if (start == end) fail(start, "empty host name");
    std::vector<std::string> out{""};
    size_t i = start;
    while (i < end) {
      if (list_[i] == '[') {
        const size_t close = list_.find(']', i);
        const std::vector<std::string> alts = expandRanges(i + 1, close);
        if (out.size() * alts.size() > kMaxSlurmHosts) fail(i, "more than " + std::to_string(kMaxSlurmHosts) + " hosts");
        std::vector<std::string> next;
        next.reserve(out.size() * alts.size());
        for (const auto& prefix : out) {
          for (const auto& a : alts) next.push_back(prefix + a);
        }
        out = std::move(next);
        i = close + 1;
        continue;
      }
      const unsigned char c = static_cast<unsigned char>(list_[i]);
      if (c <= 0x20 || c == 0x7f || c == '\'' || c == '"' || c == '\\' || c == '=') {
        fail(i, "character '" + std::string(1, static_cast<char>(c)) + "' is not allowed in a host name");
      }
      for (auto& s : out) s += static_cast<char>(c);
      ++i;
    }
    if (out.front().empty() || out.front()[0] == '-') fail(start, "'" + out.front() + "' is not a host name");
    return out;
  }

  // "01-04,07" between brackets → {"01", "02", "03", "04", "07"}.
  std::vector<std::string> expandRanges(size_t begin, size_t end) const {
    std::vector<std::string> out;
    size_t i = begin;
    while (true) {
      size_t comma = list_.find(',', i);
      if (comma == std::string_view::npos || comma > end) comma = end;
      const std::string_view range = list_.substr(i, comma - i);
      if (range.empty()) fail(i, "empty range in brackets");
      const size_t dash = range.find('-');
      const std::string_view lo = range.substr(0, dash);
      const std::string_view hi = dash == std::string_view::npos ? lo : range.substr(dash + 1);
      for (std::string_view part : {lo, hi}) {
        if (part.empty() || part.size() > 9 || part.find_first_not_of("0123456789") != std::string_view::npos) {
          fail(i, "range '" + std::string(range) + "' is not N or N-M with N, M of up to 9 digits");
        }
      }
      const long a = std::stol(std::string(lo));
      const long b = std::stol(std::string(hi));
      if (b < a) fail(i, "range '" + std::string(range) + "' goes down");
      if (static_cast<size_t>(b - a) + out.size() >= kMaxSlurmHosts) {
        fail(i, "more than " + std::to_string(kMaxSlurmHosts) + " hosts");
      }
      for (long n = a; n <= b; ++n) {
        std::string s = std::to_string(n);
        if (s.size() < lo.size()) s.insert(0, lo.size() - s.size(), '0');
        out.push_back(std::move(s));
      }
      if (comma == end) break;
      i = comma + 1;
    }
    return out;
  }

  std::string_view list_;
  std::string_view where_;
};

}  // namespace

std::vector<HostEntry> hostsFromSlurmNodelist(std::string_view list, std::string_view where) {
  return NodelistParser(list, where).parse();
}

std::vector<int> slurmCountsPerNode(std::string_view counts, std::string_view where) {
  auto fail = [&](const std::string& what) {
    throw ConfigError(std::string(where) + " '" + std::string(counts) + "': " + what +
                      "; expected counts like 2(x3),1 (N or N(xM), comma-separated)");
  };
  auto number = [&](std::string_view s) {
    if (s.empty() || s.size() > 6 || s.find_first_not_of("0123456789") != std::string_view::npos) {
      fail("'" + std::string(s) + "' is not a whole number");
    }
    const int n = std::stoi(std::string(s));
    if (n < 1) fail("'" + std::string(s) + "' is not at least 1");
    return n;
  };
  std::vector<int> out;
  size_t i = 0;
  while (true) {
    size_t comma = counts.find(',', i);
    if (comma == std::string_view::npos) comma = counts.size();
    const std::string_view item = counts.substr(i, comma - i);
    const size_t paren = item.find("(x");
    const int n = number(item.substr(0, paren));
    int repeat = 1;
    if (paren != std::string_view::npos) {
      if (item.back() != ')') fail("'" + std::string(item) + "' has no closing ')'");
      repeat = number(item.substr(paren + 2, item.size() - paren - 3));
    }
    if (out.size() + static_cast<size_t>(repeat) > kMaxSlurmHosts) fail("more than " + std::to_string(kMaxSlurmHosts) + " nodes");
    out.insert(out.end(), static_cast<size_t>(repeat), n);
    if (comma == counts.size()) break;
    i = comma + 1;
  }
  return out;
}

}  // namespace fabcheck::launch

#include "harness/slo/slo_expression.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>

#include "generators/core/errors.h"
#include "harness/slo/metric_registry.h"
#include "harness/model/name_suggestion.h"

namespace fabcheck::slo {

std::string_view toString(Comparison c) noexcept {
  switch (c) {
    case Comparison::kLess: return "<";
    case Comparison::kLessEqual: return "<=";
    case Comparison::kGreater: return ">";
    case Comparison::kGreaterEqual: return ">=";
    case Comparison::kEqual: return "==";
    case Comparison::kNotEqual: return "!=";
  }
  return "?";
}

const std::vector<ConstantInfo>& constantRegistry() {
  static const std::vector<ConstantInfo> registry = {
      {"line_rate_gbps", "Gbit/s", "the fabric's line rate",
       "fabric.line_rate_gbps in the suite or a site file (not set while it is 0 = unknown)"},
      {"mtu", "bytes", "the fabric's MTU", "fabric.mtu in the suite or a site file (not set while it is 0 = unknown)"},
      {"size_bytes", "bytes", "the test's message size", "the test's size (or defaults.size)"},
      {"flows", "flows", "the test's parallel flows per link", "the test's flows (or defaults.flows)"},
      {"rate_gbps", "Gbit/s", "the test's target bit rate per direction",
       "the test's rate (not set when the test runs as fast as possible or at a packet rate)"},
  };
  return registry;
}

bool holds(double observed, Comparison op, double threshold) noexcept {
  if (std::isnan(observed) || std::isnan(threshold)) return false;
  const bool equal = threshold == 0
                         ? observed == 0
                         : std::fabs(observed - threshold) <= 1e-9 * std::max(std::fabs(observed), std::fabs(threshold));
  switch (op) {
    case Comparison::kLess: return observed < threshold && !equal;
    case Comparison::kLessEqual: return observed < threshold || equal;
    case Comparison::kGreater: return observed > threshold && !equal;
    case Comparison::kGreaterEqual: return observed > threshold || equal;
    case Comparison::kEqual: return equal;
    case Comparison::kNotEqual: return !equal;
  }
  return false;
}

namespace {

struct Token {
  enum Kind { kEnd, kIdent, kNumber, kCompare, kPunct, kBad } kind = kEnd;
  std::string text;
  size_t col = 0;  // 1-based
  double value = 0;
};

bool identStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool identChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.'; }
bool digit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

class Lexer {
 public:
  explicit Lexer(const std::string& s) : s_(s) {}

  Token next() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t')) ++i_;
    Token t;
    t.col = i_ + 1;
    if (i_ >= s_.size()) return t;
    const size_t start = i_;
    const char c = s_[i_];
    if (identStart(c)) {
      while (i_ < s_.size() && identChar(s_[i_])) ++i_;
      t.kind = Token::kIdent;
    } else if (digit(c) || (c == '.' && i_ + 1 < s_.size() && digit(s_[i_ + 1]))) {
      while (i_ < s_.size() && digit(s_[i_])) ++i_;
      if (i_ < s_.size() && s_[i_] == '.') {
        ++i_;
        while (i_ < s_.size() && digit(s_[i_])) ++i_;
      }
      if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
        size_t j = i_ + 1;
        if (j < s_.size() && (s_[j] == '+' || s_[j] == '-')) ++j;
        if (j < s_.size() && digit(s_[j])) {
          while (j < s_.size() && digit(s_[j])) ++j;
          i_ = j;
        }
      }
      t.kind = Token::kNumber;
      t.value = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
    } else if (c == '<' || c == '>' || c == '=' || c == '!') {
      ++i_;
      if (i_ < s_.size() && s_[i_] == '=') ++i_;
      const std::string op = s_.substr(start, i_ - start);
      t.kind = (op == "=" || op == "!") ? Token::kBad : Token::kCompare;
    } else if (c == '+' || c == '-' || c == '*' || c == '/' || c == '(' || c == ')') {
      ++i_;
      t.kind = Token::kPunct;
    } else {
      ++i_;  // one character; a whole UTF-8 sequence when it is one
      if (static_cast<unsigned char>(c) >= 0x80) {
        while (i_ < s_.size() && (static_cast<unsigned char>(s_[i_]) & 0xC0) == 0x80) ++i_;
      }
      t.kind = Token::kBad;
    }
    t.text = s_.substr(start, i_ - start);
    return t;
  }

 private:
  const std::string& s_;
  size_t i_ = 0;
};

class Parser {
 public:
  Parser(const std::string& text, const Constants& constants) : text_(text), constants_(constants), lex_(text) {
    advance();
  }

  SloExpression parse() {
    SloExpression out;
    out.text = text_;
    if (tok_.kind == Token::kEnd) fail("is empty; expected 'metric op threshold' like 'loss_ratio == 0'");
    if (tok_.kind != Token::kIdent) fail(unexpected(tok_) + "; expected a metric name like latency_us.p99");
    metric_ = findMetric(tok_.text);
    if (!metric_) {
      const std::string near = nearestMetric(tok_.text);
      fail("unknown metric '" + tok_.text + "' at column " + std::to_string(tok_.col) +
           (near.empty() ? "" : "; did you mean '" + near + "'?") + " (the metrics are listed in docs/metrics.md)");
    }
    out.metric = isMetricTemplate(*metric_) ? tok_.text : metric_->name;
    out.metric_as_written = tok_.text;
    advance();
    if (tok_.kind != Token::kCompare) {
      fail(unexpected(tok_) + "; expected a comparison (<, <=, >, >=, ==, !=)" +
           (tok_.text == "=" ? "; did you mean '=='?" : ""));
    }
    out.op = comparisonOf(tok_.text);
    advance();
    const size_t rhs_start = tok_.col - 1;
    out.threshold = expr();
    if (tok_.kind != Token::kEnd) fail(unexpected(tok_) + "; expected an operator (+, -, *, /) or the end");
    std::string rhs = text_.substr(std::min(rhs_start, text_.size()));
    while (!rhs.empty() && (rhs.back() == ' ' || rhs.back() == '\t')) rhs.pop_back();
    out.threshold_text = rhs;
    if (!std::isfinite(out.threshold)) fail("the right side '" + rhs + "' is not a finite number");
    return out;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const { throw ConfigError("slo '" + text_ + "': " + what); }

  static std::string unexpected(const Token& t) {
    if (t.kind == Token::kEnd) return "unexpected end at column " + std::to_string(t.col);
    return "unexpected '" + t.text + "' at column " + std::to_string(t.col);
  }

  static Comparison comparisonOf(const std::string& op) {
    if (op == "<") return Comparison::kLess;
    if (op == "<=") return Comparison::kLessEqual;
    if (op == ">") return Comparison::kGreater;
    if (op == ">=") return Comparison::kGreaterEqual;
    if (op == "==") return Comparison::kEqual;
    return Comparison::kNotEqual;
  }

  void advance() { tok_ = lex_.next(); }
  bool isPunct(const char* p) const { return tok_.kind == Token::kPunct && tok_.text == p; }

  double expr() {
    double v = term();
    while (isPunct("+") || isPunct("-")) {
      const bool plus = tok_.text == "+";
      advance();
      const double r = term();
      v = plus ? v + r : v - r;
    }
    return v;
  }

  double term() {
    double v = unary();
    while (isPunct("*") || isPunct("/")) {
      const Token op = tok_;
      advance();
      const double r = unary();
      if (op.text == "*") {
        v *= r;
      } else {
        if (r == 0) fail("division by zero at column " + std::to_string(op.col));
        v /= r;
      }
    }
    return v;
  }

  // Signs in a loop, not by recursion: a run of thousands of '-' must not exhaust the stack
  // (slo_fuzz found "1 ------...-1" overflowing it).
  double unary() {
    bool minus = false;
    while (isPunct("-") || isPunct("+")) {
      minus ^= tok_.text == "-";
      advance();
    }
    const double v = primary();
    return minus ? -v : v;
  }

  double primary() {
    const Token t = tok_;
    if (t.kind == Token::kNumber) {
      advance();
      if (tok_.kind == Token::kIdent && tok_.col == t.col + t.text.size()) {
        fail(unexpected(tok_) + "; the threshold is a plain number in the metric's unit (" +
             (metric_->unit.empty() ? "it has none" : metric_->unit) + "), without a unit");
      }
      return t.value;
    }
    if (t.kind == Token::kIdent) {
      advance();
      return constant(t);
    }
    if (isPunct("(")) {
      if (++paren_depth_ > kMaxParenDepth) {
        fail("parentheses nested deeper than " + std::to_string(kMaxParenDepth) + " at column " + std::to_string(t.col));
      }
      advance();
      const double v = expr();
      --paren_depth_;
      if (!isPunct(")")) {
        fail(unexpected(tok_) + "; expected ')' to close '(' at column " + std::to_string(t.col));
      }
      advance();
      return v;
    }
    fail(unexpected(t) + "; expected a number or a constant");
  }

  double constant(const Token& t) const {
    if (auto it = constants_.find(t.text); it != constants_.end()) return it->second;
    const std::string at = " at column " + std::to_string(t.col);
    if (findMetric(t.text)) {
      fail("'" + t.text + "'" + at + " is a metric; the right side takes numbers and constants only");
    }
    std::vector<std::string> names;
    for (const auto& c : constantRegistry()) {
      if (c.name == t.text) fail("constant '" + t.text + "'" + at + " has no value for this test; it comes from " + c.source);
      names.push_back(c.name);
    }
    const std::string near = model::nearestKey(t.text, names);
    std::string list;
    for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
    fail("unknown constant '" + t.text + "'" + at + (near.empty() ? "" : "; did you mean '" + near + "'?") +
         "; expected a number or one of " + list);
  }

  static constexpr int kMaxParenDepth = 64;  // each level is a few stack frames of recursion

  const std::string& text_;
  const Constants& constants_;
  int paren_depth_ = 0;
  Lexer lex_;
  Token tok_;
  const MetricInfo* metric_ = nullptr;
};

}  // namespace

SloExpression parseSlo(const std::string& text, const Constants& constants) {
  return Parser(text, constants).parse();
}

}  // namespace fabcheck::slo

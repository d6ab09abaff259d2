// The HTML report of a real run, opened in headless Chromium: the rendered DOM has the charts
// with drawn content, a screenshot is taken (kept under <build>/test-output/html_report/), and
// the page fetches nothing — checked statically (no <link>, <script>, src=, url(), http) and
// dynamically: Chromium runs with every request forced through a loopback "proxy" this test
// owns, which must see no request from the report (Chromium's own calls to its Google services
// on start are ignored), while a canary page with one remote image proves the proxy sees a
// page's fetches. And the report of a synthetic 1024-host run (tests/support/scale_run.h, issue
// 18) renders too, with its heatmaps aggregated by switch and its worst pairs listed (kept under
// <build>/test-output/html_report_1024/).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/integration/gen_server.h"
#include "tests/support/scale_run.h"
#include "tests/support/subprocess.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::testing {
namespace {

using std::chrono::seconds;

constexpr const char* kChromium = "/usr/bin/chromium";

constexpr const char* kHtmlSuite = R"(name: html-report
description: pingpong matrix, a stream ring and an all-reduce sweep for the HTML report test
fabric: {line_rate_gbps: 1000}   # above any loopback busbw: the sweep is a result, not a misreading
tests:
  - name: latency-matrix
    pattern: pingpong
    placement: matrix
    agents: 3
    size: 64
    iterations: 300
    slos: ["latency_us.p99 <= 100000", "loss_ratio == 0"]
  - name: stream-ring
    pattern: stream
    placement: ring
    agents: 3
    size: 1000
    rate: 100Mbit/s
    duration: 600ms
    slos: ["loss_ratio == 0"]
  - name: allreduce-sweep
    pattern: all_reduce
    agents: 3
    size: 64KiB:256KiB:2
    iterations: 5
    slos: ["collective.busbw_gbytes_s > 0"]
)";

// A TCP listener on 127.0.0.1 standing in for an HTTP proxy: it records the first line of
// every request (e.g. "GET http://host/x HTTP/1.1" or "CONNECT host:443 HTTP/1.1") and closes.
class RecordingProxy {
 public:
  RecordingProxy() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
      ADD_FAILURE() << "proxy listener on 127.0.0.1 failed: " << std::strerror(errno);
      return;
    }
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { serve(); });
  }
  ~RecordingProxy() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }
  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> l(mu_);
    return requests_;
  }

 private:
  void serve() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      const int c = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0) continue;
      std::string got;
      char buf[2048];
      pollfd q{c, POLLIN, 0};
      while (got.find('\n') == std::string::npos && ::poll(&q, 1, 1000) > 0) {
        const ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        got.append(buf, static_cast<size_t>(n));
      }
      ::close(c);
      const std::string line = got.substr(0, got.find_first_of("\r\n"));
      std::lock_guard<std::mutex> l(mu_);
      requests_.push_back(line.empty() ? "(a connection without a request line)" : line);
    }
  }
  int fd_ = -1, port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::string> requests_;
};

class HtmlReport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::access(kChromium, X_OK) != 0) GTEST_SKIP() << kChromium << " is missing (scripts/install-deps.sh installs it)";
    char tmpl[] = "/tmp/fabcheck-html-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    // Kept after the test for people to look at: the page and its screenshot.
    out_ = std::string(kFabcheckBin).substr(0, std::string(kFabcheckBin).rfind('/')) + "/test-output/" + outputDir();
    ASSERT_EQ(std::system(("rm -rf '" + out_ + "' && mkdir -p '" + out_ + "'").c_str()), 0);
  }
  void TearDown() override {
    if (!dir_.empty()) std::system(("rm -rf '" + dir_ + "'").c_str());
  }
  // Each fixture its own: ctest may run the tests at once, and SetUp empties it.
  virtual std::string outputDir() const { return "html_report"; }

  // Headless Chromium with a fresh profile and every network path closed or proxied to
  // `proxy_port`; bounded by coreutils timeout, which kills its whole process group.
  RunResult chromium(std::vector<std::string> args, int proxy_port) {
    const std::string profile = dir_ + "/profile-" + std::to_string(runs_++);
    std::vector<std::string> argv = {"/usr/bin/timeout", "-k", "5", "60", kChromium, "--headless", "--no-sandbox",
                                     "--disable-gpu", "--disable-quic", "--no-first-run",
                                     "--disable-background-networking", "--disable-component-update",
                                     "--disable-sync", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                                     "--proxy-server=http://127.0.0.1:" + std::to_string(proxy_port),
                                     "--proxy-bypass-list=<-loopback>",
                                     "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, seconds(90));
  }

  std::string dir_, out_;
  int runs_ = 0;
};

// The host a proxy request line names: "GET http://h:80/x HTTP/1.1" or "CONNECT h:443 HTTP/1.1".
std::string requestHost(const std::string& line) {
  static const std::regex re("^[A-Z]+ (?:[a-z]+://)?([^/: ]+)");
  std::smatch m;
  return std::regex_search(line, m, re) ? m[1].str() : line;
}

// Chromium's own services (time, component updates, accounts), which it contacts on start
// whatever the page; anything else a page made it fetch.
bool isChromiumService(const std::string& host) {
  for (const std::string domain : {"google.com", "googleapis.com", "gvt1.com", "gstatic.com", "googleusercontent.com"}) {
    if (host == domain || (host.size() > domain.size() && host.compare(host.size() - domain.size() - 1, std::string::npos,
                                                                      "." + domain) == 0)) {
      return true;
    }
  }
  return false;
}

// Every <svg ...> start tag of the DOM with data-chart, and its markup up to </svg>.
std::vector<std::pair<std::string, std::string>> charts(const std::string& dom) {
  std::vector<std::pair<std::string, std::string>> out;
  static const std::regex open("<svg[^>]*class=\"chart\"[^>]*data-chart=\"([a-z]+)\"[^>]*>");
  for (auto it = std::sregex_iterator(dom.begin(), dom.end(), open); it != std::sregex_iterator(); ++it) {
    const size_t start = static_cast<size_t>(it->position()), end = dom.find("</svg>", start);
    out.emplace_back((*it)[1], dom.substr(start, end == std::string::npos ? std::string::npos : end - start));
  }
  return out;
}

TEST_F(HtmlReport, ARealRunRendersInChromiumWithChartsAndFetchesNothing) {
  const std::string suite = dir_ + "/suite.yaml", html = out_ + "/report.html";
  std::ofstream(suite) << kHtmlSuite;
  const auto r = run({kFabcheckBin, "run", suite, "--agents", "3", "--report", "html:" + html}, seconds(120));
  ASSERT_EQ(r.status.code, 0) << r.err << r.out;
  const std::string page = slurp(html);
  ASSERT_NE(page.find("</html>"), std::string::npos);
  EXPECT_EQ(page.find("Incomplete"), std::string::npos);

  // Static: nothing that could load a resource.
  for (const char* s : {"<link", "<script", "<img", "<iframe", "<object", "src=", "@import", "url(", "http://",
                        "https://"}) {
    EXPECT_EQ(page.find(s), std::string::npos) << s;
  }

  RecordingProxy proxy;
  const auto dom = chromium({"--dump-dom", "file://" + html}, proxy.port());
  ASSERT_EQ(dom.status.code, 0) << "chromium --dump-dom: " << dom.err;
  std::set<std::string> kinds;
  for (const auto& [kind, markup] : charts(dom.out)) {
    kinds.insert(kind);
    EXPECT_TRUE(markup.find("<path") != std::string::npos || markup.find("<rect") != std::string::npos)
        << kind << " chart has nothing drawn: " << markup.substr(0, 400);
  }
  // "links" (a collective's link rates) is drawn only when a link of the sweep's largest size
  // happened to be a straggler, which loopback does not decide.
  kinds.erase("links");
  EXPECT_EQ(kinds, (std::set<std::string>{"latency", "throughput", "flows", "matrix", "bandwidth"})) << dom.out.substr(0, 2000);
  EXPECT_NE(dom.out.find("latency-matrix"), std::string::npos);
  EXPECT_NE(dom.out.find("stream-ring"), std::string::npos);
  // The collective as nccl-tests prints it: a row per size of the sweep.
  EXPECT_NE(dom.out.find("allreduce-sweep"), std::string::npos);
  EXPECT_NE(dom.out.find("<th>busbw (GB/s)</th>"), std::string::npos);
  for (const char* size : {">64 KiB</td>", ">128 KiB</td>", ">256 KiB</td>"}) {
    EXPECT_NE(dom.out.find(size), std::string::npos) << size;
  }

  const std::string png = out_ + "/report.png";
  const auto shot = chromium({"--screenshot=" + png, "--window-size=1200,2000", "--hide-scrollbars", "file://" + html},
                             proxy.port());
  ASSERT_EQ(shot.status.code, 0) << "chromium --screenshot: " << shot.err;
  const std::string image = slurp(png);
  ASSERT_GT(image.size(), 20000u) << png;
  EXPECT_EQ(image.substr(1, 3), "PNG");
  std::cout << "HTML report: " << html << "\nscreenshot: " << png << std::endl;

  for (const auto& line : proxy.requests()) {
    EXPECT_TRUE(isChromiumService(requestHost(line))) << "the report made Chromium fetch: " << line;
  }

  // The canary: the same Chromium setup does report a page's remote fetch to the proxy.
  const std::string canary = dir_ + "/canary.html";
  std::ofstream(canary) << "<!DOCTYPE html><title>c</title><img src=\"http://fabcheck-canary.invalid/x.png\">";
  const auto c = chromium({"--dump-dom", "file://" + canary}, proxy.port());
  ASSERT_EQ(c.status.code, 0) << c.err;
  auto sawCanary = [&] {
    for (const auto& line : proxy.requests()) {
      if (requestHost(line) == "fabcheck-canary.invalid") return true;
    }
    return false;
  };
  EXPECT_TRUE(eventually(sawCanary, seconds(5))) << "the proxy missed the canary page's image";
}

class HtmlReportAtScale : public HtmlReport {
 protected:
  std::string outputDir() const override { return "html_report_1024"; }
};

size_t occurrences(const std::string& s, const std::string& needle) {
  size_t n = 0;
  for (size_t p = s.find(needle); p != std::string::npos; p = s.find(needle, p + 1)) ++n;
  return n;
}

TEST_F(HtmlReportAtScale, A1024HostReportRendersInChromiumAggregatedWithItsWorstPairs) {
  const std::string html = out_ + "/report.html";
  const std::string page = scale::html(scale::run(1024, true));
  ASSERT_LE(page.size(), 10u * 1000 * 1000);
  std::ofstream(html, std::ios::binary) << page;

  RecordingProxy proxy;
  const auto dom = chromium({"--dump-dom", "file://" + html}, proxy.port());
  ASSERT_EQ(dom.status.code, 0) << "chromium --dump-dom: " << dom.err;
  EXPECT_NE(dom.out.find("<footer"), std::string::npos) << "the DOM stops short: " << dom.out.size() << " bytes";
  std::set<std::string> kinds;
  for (const auto& [kind, markup] : charts(dom.out)) {
    kinds.insert(kind);
    EXPECT_TRUE(markup.find("<path") != std::string::npos || markup.find("<rect") != std::string::npos)
        << kind << " chart has nothing drawn: " << markup.substr(0, 400);
  }
  // Heatmaps by switch and per-flow distributions; not 8192 flow bars.
  EXPECT_EQ(kinds, (std::set<std::string>{"matrix", "distribution", "throughput"}));
  EXPECT_EQ(occurrences(dom.out, "<g class=\"grouped\" data-basis=\"switch\">"), 2u);
  EXPECT_EQ(occurrences(dom.out, "class=\"group-cell"), 2u * 32 * 32);
  EXPECT_NE(dom.out.find("<td>agent 100 (h0100)</td><td>agent 777 (h0777)</td><td class=\"num\">95</td>"),
            std::string::npos);
  EXPECT_NE(dom.out.find("<td>agent 300 (h0300)</td><td>agent 901 (h0901)</td><td class=\"num\">2.50</td>"),
            std::string::npos);
  EXPECT_NE(dom.out.find("Flows of lowest throughput"), std::string::npos);
  for (const auto& line : proxy.requests()) {
    EXPECT_TRUE(isChromiumService(requestHost(line))) << "the report made Chromium fetch: " << line;
  }
  std::cout << "HTML report of 1024 hosts: " << html << " (" << page.size() << " bytes)" << std::endl;
}

}  // namespace
}  // namespace fabcheck::testing

#include "harness/launch/launch_window.h"

#include <chrono>

#include "generators/core/errors.h"

namespace fabcheck::launch {
namespace {

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

enum class State { kWaiting, kInFlight, kLaunched, kFailed };

struct Window {
  process::ChildSet& children;
  const std::vector<WindowItem>& items;
  int64_t timeout_ns;
  const std::function<size_t(size_t)>& spawn;
  std::vector<WindowOutcome> out;
  std::vector<State> state;
  std::vector<int64_t> deadline;
  std::vector<size_t> in_flight;
  size_t settled = 0;

  void fail(size_t i, std::string why) {
    state[i] = State::kFailed;
    out[i].failure = std::move(why);
    ++settled;
  }

  // Item i can start now: waiting, and its `after` item (if any) launched. Items whose `after`
  // failed fail with the same reason.
  bool startable(size_t i) {
    if (state[i] != State::kWaiting) return false;
    const int a = items[i].after;
    if (a < 0) return true;
    if (state[static_cast<size_t>(a)] == State::kFailed) {
      fail(i, out[static_cast<size_t>(a)].failure);
      return false;
    }
    return state[static_cast<size_t>(a)] == State::kLaunched;
  }

  void fill(size_t fanout) {
    for (size_t i = 0; i < items.size() && in_flight.size() < fanout; ++i) {
      if (!startable(i)) continue;
      try {
        out[i].child = spawn(i);
        out[i].spawned = true;
      } catch (const LaunchError& e) {
        fail(i, e.what());
        continue;
      }
      state[i] = State::kInFlight;
      deadline[i] = nowNs() + timeout_ns;
      in_flight.push_back(i);
    }
  }

  // Settles what is ready, ended or past its deadline; true when any did.
  bool reap() {
    bool any = false;
    for (size_t k = 0; k < in_flight.size();) {
      const size_t i = in_flight[k];
      const size_t c = out[i].child;
      if (children.ready(c)) {
        state[i] = State::kLaunched;
        ++settled;
      } else if (const auto e = children.poll(c)) {
        const std::string last = children.lastStderrLine(c);
        fail(i, last.empty() ? "ended with " + process::describeExit(*e) : last);
      } else if (nowNs() >= deadline[i]) {
        children.kill(c);
        fail(i, "not started within " + std::to_string(timeout_ns / 1'000'000) + " ms");
      } else {
        ++k;
        continue;
      }
      in_flight[k] = in_flight.back();
      in_flight.pop_back();
      any = true;
    }
    return any;
  }
};

}  // namespace

std::vector<WindowOutcome> runLaunchWindow(process::ChildSet& children, const std::vector<WindowItem>& items,
                                           int fanout, int64_t start_timeout_ns,
                                           const std::function<size_t(size_t item)>& spawn,
                                           const std::function<void()>& while_waiting) {
  Window w{children, items, start_timeout_ns, spawn, {}, {}, {}, {}, 0};
  w.out.resize(items.size());
  w.state.assign(items.size(), State::kWaiting);
  w.deadline.assign(items.size(), 0);
  const size_t window = fanout < 1 ? 1 : static_cast<size_t>(fanout);
  while (w.settled < items.size()) {
    w.fill(window);
    if (w.in_flight.empty()) {
      // fill() looked at every item: what still waits, waits for an item that comes later in
      // the list (callers point `after` backwards only). It never starts.
      for (size_t i = 0; i < items.size(); ++i) {
        if (w.state[i] == State::kWaiting) w.fail(i, "waits for a launch that never starts");
      }
      continue;
    }
    // Wakes on any output (a ready line, an exit's EOF) and at least every 10 ms; each in-flight
    // item's own deadline bounds how long it can stay.
    children.waitUntil(start_timeout_ns, [&] {
      if (while_waiting) while_waiting();
      return w.reap();
    });
  }
  return w.out;
}

}  // namespace fabcheck::launch

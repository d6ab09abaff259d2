// A bounded launch window ("fan-out", as pdsh's -f): starts child processes so that at most
// `fanout` of them are in their launch phase at once. A child's launch phase runs from its spawn
// until it prints its ready line (process::SpawnRequest::ready_line), ends, or its start timeout
// passes; only then does the next one start. Children that launched keep running: the window
// bounds the connect/launch storm, not how many children live.
//
// Contract:
// - Items start in order, but an item that names an earlier `after` item (the one that opens the shared
//   ssh connection its launch reuses) waits until that item launched; when that item failed, so
//   does this one, with the same reason, without being spawned.
// - `spawn(i)` starts item i in `children` and returns its child index; a LaunchError it throws
//   is item i's failure (its message the reason).
// - Every item ends as launched (reason empty) or failed: the child ended first (reason: its last
//   stderr line, else how it ended), or it was not ready within `start_timeout_ns` of its spawn
//   (reason "not started within N ms"; its process group is killed).
// - Returns when every item launched or failed; each wait is bounded by the start timeout.
// - `while_waiting`, when given, is called at least every ~10 ms while the window waits.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/process/process.h"

namespace fabcheck::launch {

struct WindowItem {
  int after = -1;  // index of the item this one waits for; -1: none
};

struct WindowOutcome {
  bool spawned = false;
  size_t child = 0;    // valid when spawned
  std::string failure;  // empty: launched
};

std::vector<WindowOutcome> runLaunchWindow(process::ChildSet& children, const std::vector<WindowItem>& items,
                                           int fanout, int64_t start_timeout_ns,
                                           const std::function<size_t(size_t item)>& spawn,
                                           const std::function<void()>& while_waiting = {});

}  // namespace fabcheck::launch

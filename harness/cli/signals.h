// SIGINT/SIGTERM → a flag that long operations poll, so an interrupted run ends cleanly and
// still reports what finished. A second signal restores the default action (a hard stop).
#pragma once

#include <atomic>

namespace fabcheck::cli {

// Installs the handlers (idempotent) and returns the flag they set.
const std::atomic<bool>& installInterruptHandlers();

}  // namespace fabcheck::cli

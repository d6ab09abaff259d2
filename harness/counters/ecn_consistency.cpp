#include "harness/counters/ecn_consistency.h"

#include <cmath>

#include <fmt/format.h>

namespace fabcheck::counters {

EcnConsistency ecnConsistency(double marked, double cnp_sent, double cnp_handled, double tolerance) {
  EcnConsistency e;
  if (marked > 0) e.cnp_per_mark = cnp_sent / marked;
  if (cnp_sent > 0) e.handled_per_cnp = cnp_handled / cnp_sent;
  auto problem = [&e](std::string text) {
    e.consistent = false;
    e.problems.push_back(std::move(text));
  };
  if (marked > 0 && cnp_sent == 0) {
    problem(fmt::format("{:.0f} CE-marked packets received but no CNP sent: the receivers' NICs do not notify (DCQCN NP off?)", marked));
  }
  if (cnp_sent > marked) {
    problem(fmt::format("{:.0f} CNPs sent for {:.0f} CE-marked packets: more notifications than marks", cnp_sent, marked));
  }
  if (cnp_sent > 0 && std::fabs(cnp_handled - cnp_sent) > tolerance * cnp_sent) {
    problem(fmt::format("{:.0f} CNPs sent but {:.0f} handled (more than {:.0f}% apart): CNPs lost, or a sender's reaction point is off",
                        cnp_sent, cnp_handled, tolerance * 100));
  }
  if (cnp_sent == 0 && cnp_handled > 0) {
    problem(fmt::format("{:.0f} CNPs handled but none sent by the participants: notifications from outside the test", cnp_handled));
  }
  return e;
}

}  // namespace fabcheck::counters

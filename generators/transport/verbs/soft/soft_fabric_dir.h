// The soft fabric's QPN registry: `<fabric_dir>/qpn/<qpn>` files, one per live QP of any
// process sharing the directory, holding the owning device's socket path (first line) and its
// GIDs (one hex line each).
//
// Contract: registerQpn() picks a random free 24-bit QPN (> 1) and creates its file with
// O_EXCL, so QPNs are unique across the fabric; it returns 0 or an errno. lookupQpn() returns
// the socket path or "" when no such QP exists. unregisterQpn() removes the file.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace fabcheck::transport::verbs::soft {

int ensureFabricDir(const std::string& dir);  // creates dir and dir/qpn; 0 or errno
int registerQpn(const std::string& dir, const std::string& socket_path,
                const std::vector<std::string>& gid_hex, uint32_t* qpn);
std::string lookupQpn(const std::string& dir, uint32_t qpn);
void unregisterQpn(const std::string& dir, uint32_t qpn);

}  // namespace fabcheck::transport::verbs::soft

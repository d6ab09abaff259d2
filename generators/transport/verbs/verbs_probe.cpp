// requireDevices(): probe rdma-core through the DeviceLister seam and say why verbs cannot run
// here. Compiled in every build; the libibverbs call lives in verbs_probe_ibv.cpp.
#include "generators/transport/verbs/verbs_probe.h"

#include <cstring>

#include "generators/core/errors.h"

namespace fabcheck::transport::verbs {

namespace {

#ifndef FABCHECK_HAVE_VERBS
DeviceListResult listDevicesUnavailable() {
  DeviceListResult r;
  r.unavailable =
      "fabcheck was built without libibverbs (install libibverbs-dev, scripts/install-deps.sh, and rebuild)";
  return r;
}
#endif

}  // namespace

DeviceLister defaultDeviceLister() noexcept {
#ifdef FABCHECK_HAVE_VERBS
  return &listDevicesIbv;
#else
  return &listDevicesUnavailable;
#endif
}

std::vector<std::string> requireDevices(DeviceLister lister) {
  if (lister == nullptr) lister = defaultDeviceLister();
  return requireDevices(lister());
}

std::vector<std::string> requireDevices(const DeviceListResult& r) {
  if (!r.unavailable.empty()) throw UnsupportedError("verbs: " + r.unavailable);
  if (!r.ok) {
    throw UnsupportedError(std::string("verbs: no RDMA device on this host (ibv_get_device_list: ") +
                           std::strerror(r.error) + ")");
  }
  if (r.devices.empty()) {
    throw UnsupportedError("verbs: no RDMA device found (ibv_get_device_list returned 0 devices)");
  }
  return r.devices;
}

}  // namespace fabcheck::transport::verbs

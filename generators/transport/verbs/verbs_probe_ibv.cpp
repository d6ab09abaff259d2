// The real DeviceLister over libibverbs (compiled only when the build found libibverbs).
#include <infiniband/verbs.h>

#include <cerrno>

#include "generators/transport/verbs/verbs_probe.h"

namespace fabcheck::transport::verbs {

DeviceListResult listDevicesIbv() {
  DeviceListResult r;
  int n = 0;
  errno = 0;
  ibv_device** list = ibv_get_device_list(&n);
  if (list == nullptr) {
    r.ok = false;
    r.error = errno != 0 ? errno : ENOSYS;
    return r;
  }
  r.ok = true;
  for (int i = 0; i < n && list[i] != nullptr; ++i) {
    const char* name = ibv_get_device_name(list[i]);
    r.devices.emplace_back(name != nullptr ? name : "?");
  }
  ibv_free_device_list(list);
  return r;
}

}  // namespace fabcheck::transport::verbs

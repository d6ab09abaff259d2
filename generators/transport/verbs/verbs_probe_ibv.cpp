// The real DeviceLister: VerbsApi::listDevices of libibverbsApi() (compiled only when the build
// found libibverbs).
#include "generators/transport/verbs/verbs_api.h"
#include "generators/transport/verbs/verbs_probe.h"

namespace fabcheck::transport::verbs {

DeviceListResult listDevicesWith(VerbsApi& api) {
  DeviceListResult r;
  r.error = api.listDevices(r.devices);
  r.ok = r.error == 0;
  if (!r.ok) r.devices.clear();
  return r;
}

DeviceListResult listDevicesIbv() { return listDevicesWith(*libibverbsApi()); }

}  // namespace fabcheck::transport::verbs

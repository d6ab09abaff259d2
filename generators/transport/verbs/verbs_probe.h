// Probing rdma-core for the "verbs" transport.
//
// Contract: requireDevices() never pretends. It lists RDMA devices through a DeviceLister
// seam (the real one is VerbsApi::listDevices of libibverbsApi(); tests pass a fake) and throws
// UnsupportedError with the reason when the host cannot run verbs:
//   - the call failed (NULL):  "verbs: no RDMA device on this host (ibv_get_device_list: <errno text>)"
//   - an empty list:           "verbs: no RDMA device found (ibv_get_device_list returned 0 devices)"
//   - built without libibverbs: "verbs: fabcheck was built without libibverbs ..."
// createVerbsTransport() (verbs_transport.h) says the same through its VerbsApi.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "generators/transport/transport.h"

namespace fabcheck::transport::verbs {

// What listing the devices gave.
struct DeviceListResult {
  bool ok = false;                   // false: the list call itself failed (returned NULL)
  int error = 0;                     // errno of the failure when !ok
  std::string unavailable;           // non-empty: verbs cannot be used at all, and why
  std::vector<std::string> devices;  // device names (ibv_get_device_name) when ok
};

// The seam: a plain function so tests can substitute it without hardware.
using DeviceLister = DeviceListResult (*)();

// The lister of this build: ibv_get_device_list() with libibverbs, else one that reports the
// build lacks it.
DeviceLister defaultDeviceLister() noexcept;

// Lists devices with `lister` (nullptr = defaultDeviceLister()) and returns their names;
// throws UnsupportedError (see above) when there is none.
std::vector<std::string> requireDevices(DeviceLister lister = nullptr);
// The same check on a listing already made (createVerbsTransport lists through its VerbsApi).
std::vector<std::string> requireDevices(const DeviceListResult& listed);

#ifdef FABCHECK_HAVE_VERBS
class VerbsApi;  // verbs_api.h (not included here: it needs libibverbs' headers)

// What `api.listDevices` gives, as a DeviceListResult: the probe over any VerbsApi
// (verbs_probe_ibv.cpp).
DeviceListResult listDevicesWith(VerbsApi& api);

// The real lister (verbs_probe_ibv.cpp): listDevicesWith(*libibverbsApi()).
DeviceListResult listDevicesIbv();
#endif

}  // namespace fabcheck::transport::verbs

// The real DeviceLister: VerbsApi::listDevices of libibverbsApi() (compiled only when the build
// found libibverbs).
#include "generators/transport/verbs/verbs_api.h"
#include "generators/transport/verbs/verbs_probe.h"

namespace fabcheck::transport::verbs {

DeviceListResult listDevicesIbv() { return listDevicesWith(*libibverbsApi()); }

}  // namespace fabcheck::transport::verbs

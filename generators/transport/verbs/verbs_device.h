// An opened RDMA device port, as one transport instance uses it: the context, one protection
// domain, the device's limits, the address (port, GID or LID, MTU) chosen for the data address,
// and its completion clock. Shared by the connections of one transport (shared_ptr).
//
// Contract: open() throws UnsupportedError/TransportError naming the device and the call that
// failed with its errno text; the destructor releases the PD and the context.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "generators/transport/verbs/verbs_addressing.h"
#include "generators/transport/verbs/verbs_api.h"

namespace fabcheck::transport::verbs {

class VerbsDevice {
 public:
  static std::shared_ptr<VerbsDevice> open(std::shared_ptr<VerbsApi> api, const VerbsAddress& address);
  ~VerbsDevice();
  VerbsDevice(const VerbsDevice&) = delete;
  VerbsDevice& operator=(const VerbsDevice&) = delete;

  VerbsApi& api() const noexcept { return *api_; }
  ibv_context* context() const noexcept { return ctx_; }
  ibv_pd* pd() const noexcept { return pd_; }
  const VerbsAddress& address() const noexcept { return address_; }
  const ibv_device_attr_ex& attr() const noexcept { return attr_; }
  bool isSoftware() const noexcept { return api_->isSoftware(); }
  // The device can stamp completions and its clock can be read.
  bool hasCompletionTimestamps() const noexcept { return timestamps_; }
  // Converts a raw completion timestamp to CLOCK_REALTIME ns (re-samples the clock every second).
  int64_t toWallNs(uint64_t raw);
  // "mlx5_0 port 1 GID[3] ::ffff:10.0.0.1 (RoCE v2)".
  std::string describe() const;

 private:
  VerbsDevice(std::shared_ptr<VerbsApi> api, const VerbsAddress& address);
  std::shared_ptr<VerbsApi> api_;
  VerbsAddress address_;
  ibv_context* ctx_ = nullptr;
  ibv_pd* pd_ = nullptr;
  ibv_device_attr_ex attr_{};
  bool timestamps_ = false;
  std::mutex clock_mu_;
  ClockSample clock_{};
};

// "Cannot allocate memory" for an errno value.
std::string errnoWords(int err);

}  // namespace fabcheck::transport::verbs

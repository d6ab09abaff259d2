#include "generators/transport/verbs/soft/soft_device.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <random>

#include "generators/transport/verbs/soft/soft_fabric_dir.h"
#include "generators/transport/verbs/soft/soft_gid.h"
#include "generators/transport/verbs/soft/soft_qp_rules.h"

namespace fabcheck::transport::verbs::soft {

uint64_t rawClockNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

SoftDevice::SoftDevice(const SoftDeviceConfig& config, std::shared_ptr<std::atomic<int>> fault)
    : config_(config), fault_(std::move(fault)) {
  std::random_device rd;
  gids_ = buildGidTable(config_.addresses, (uint64_t{rd()} << 32) | rd());
  std::snprintf(fake_device_.name, sizeof fake_device_.name, "%s", config_.device_name.c_str());
  std::snprintf(fake_device_.dev_name, sizeof fake_device_.dev_name, "uverbs-soft");
  fake_device_.node_type = IBV_NODE_CA;
  fake_device_.transport_type = IBV_TRANSPORT_IB;
  ctx_.ibv.device = &fake_device_;
  ctx_.ibv.cmd_fd = -1;
  ctx_.ibv.async_fd = -1;
  ctx_.ibv.num_comp_vectors = 1;
  ctx_.dev = this;
}

SoftDevice::~SoftDevice() {
  stop_ = true;
  wake();
  if (thread_.joinable()) thread_.join();
  for (auto& [qpn, qp] : qps_) unregisterQpn(config_.fabric_dir, qpn);
  for (auto& [p, ch] : channels_) ::close(ch->ibv.fd);
  if (event_fd_ >= 0) ::close(event_fd_);
}

int SoftDevice::start() {
  if (int e = ensureFabricDir(config_.fabric_dir)) return e;
  if (int e = wire_.open(config_.fabric_dir)) return e;
  event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (event_fd_ < 0) return errno;
  thread_ = std::thread([this] { run(); });
  return 0;
}

void SoftDevice::wake() {
  uint64_t one = 1;
  if (event_fd_ >= 0) (void)!::write(event_fd_, &one, sizeof one);
}

int SoftDevice::queryDevice(ibv_device_attr_ex* attr) {
  std::memset(attr, 0, sizeof *attr);
  ibv_device_attr& a = attr->orig_attr;
  std::snprintf(a.fw_ver, sizeof a.fw_ver, "soft-1.0");
  a.vendor_id = 0x5346;
  a.max_mr_size = ~0ull;
  a.page_size_cap = 0xfffff000;
  a.max_qp = 1 << 16;
  a.max_qp_wr = 8192;
  a.max_sge = 16;
  a.max_sge_rd = 16;
  a.max_cq = 1 << 16;
  a.max_cqe = 65536;
  a.max_mr = 1 << 20;
  a.max_pd = 1 << 16;
  a.max_qp_rd_atom = 16;
  a.max_qp_init_rd_atom = 16;
  a.max_res_rd_atom = 16 << 16;
  a.max_ah = 1 << 16;
  a.max_pkeys = 1;
  a.phys_port_cnt = 1;
  a.atomic_cap = IBV_ATOMIC_NONE;
  attr->completion_timestamp_mask = config_.completion_timestamps ? ~0ull : 0;
  attr->hca_core_clock = config_.completion_timestamps ? 1000000 : 0;  // kHz: 1 GHz
  return 0;
}

int SoftDevice::queryPort(uint8_t port, ibv_port_attr* attr) {
  if (port != 1) return EINVAL;
  std::memset(attr, 0, sizeof *attr);
  attr->state = IBV_PORT_ACTIVE;
  attr->max_mtu = config_.active_mtu;
  attr->active_mtu = config_.active_mtu;
  attr->gid_tbl_len = static_cast<int>(gids_.size());
  attr->max_msg_sz = 1u << 31;
  attr->pkey_tbl_len = 1;
  attr->active_width = 2;   // 4x
  attr->active_speed = 32;  // 25 Gb/s
  attr->phys_state = 5;     // LinkUp
  attr->link_layer = IBV_LINK_LAYER_ETHERNET;
  return 0;
}

int SoftDevice::queryGid(uint8_t port, uint32_t index, ibv_gid_entry* entry) {
  if (port != 1 || index >= gids_.size()) return EINVAL;
  *entry = gids_[index];
  return 0;
}

ibv_pd* SoftDevice::allocPd() {
  std::lock_guard lock(mu_);
  auto pd = std::make_unique<SoftPd>();
  pd->ibv.context = &ctx_.ibv;
  pd->ibv.handle = next_key_++;
  pd->dev = this;
  SoftPd* raw = pd.get();
  pds_[raw] = std::move(pd);
  return &raw->ibv;
}

int SoftDevice::deallocPd(SoftPd* pd) {
  std::lock_guard lock(mu_);
  for (auto& [k, mr] : mrs_) if (mr->pd == pd) return EBUSY;
  for (auto& [k, qp] : qps_) if (qp->pd == pd) return EBUSY;
  for (auto& [k, ah] : ahs_) if (ah->ibv.pd == &pd->ibv) return EBUSY;
  return pds_.erase(pd) == 1 ? 0 : EINVAL;
}

ibv_mr* SoftDevice::regMr(SoftPd* pd, void* addr, size_t length, int access) {
  constexpr int kKnown = IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_READ |
                         IBV_ACCESS_REMOTE_ATOMIC | IBV_ACCESS_RELAXED_ORDERING;
  bool remote_write = (access & (IBV_ACCESS_REMOTE_WRITE | IBV_ACCESS_REMOTE_ATOMIC)) != 0;
  if ((access & ~kKnown) != 0 || (remote_write && !(access & IBV_ACCESS_LOCAL_WRITE)) ||
      (addr == nullptr && length > 0)) {
    errno = EINVAL;
    return nullptr;
  }
  std::lock_guard lock(mu_);
  auto mr = std::make_unique<SoftMr>();
  uint32_t key = (next_key_++ << 8) | 0x5a;
  mr->ibv.context = &ctx_.ibv;
  mr->ibv.pd = &pd->ibv;
  mr->ibv.addr = addr;
  mr->ibv.length = length;
  mr->ibv.handle = key;
  mr->ibv.lkey = key;
  mr->ibv.rkey = key;
  mr->pd = pd;
  mr->access = access;
  SoftMr* raw = mr.get();
  mrs_[key] = std::move(mr);
  return &raw->ibv;
}

int SoftDevice::deregMr(SoftMr* mr) {
  std::lock_guard lock(mu_);
  return mrs_.erase(mr->ibv.lkey) == 1 ? 0 : EINVAL;
}

int SoftDevice::checkAv(const ibv_ah_attr& av) const {
  if (!av.is_global) return EINVAL;  // RoCE: every address vector carries a GRH
  if (av.grh.sgid_index >= gids_.size()) return EINVAL;
  return 0;
}

ibv_ah* SoftDevice::createAh(SoftPd* pd, const ibv_ah_attr* attr) {
  std::lock_guard lock(mu_);
  if (int e = checkAv(*attr); e != 0 || attr->port_num != 1) {
    errno = EINVAL;
    return nullptr;
  }
  auto ah = std::make_unique<SoftAh>();
  ah->ibv.context = &ctx_.ibv;
  ah->ibv.pd = &pd->ibv;
  ah->ibv.handle = next_key_++;
  ah->attr = *attr;
  SoftAh* raw = ah.get();
  ahs_[raw] = std::move(ah);
  return &raw->ibv;
}

int SoftDevice::destroyAh(SoftAh* ah) {
  std::lock_guard lock(mu_);
  return ahs_.erase(ah) == 1 ? 0 : EINVAL;
}

int SoftDevice::receivedTrafficClass(SoftQp* qp) {
  std::lock_guard lock(mu_);
  return qp->last_tclass;
}

}  // namespace fabcheck::transport::verbs::soft

// Memory: lkey/rkey lookups with PD, bounds and access checks, and the copies a NIC's DMA does.
#include <algorithm>
#include <cstring>

#include "generators/transport/verbs/soft/soft_device.h"

namespace fabcheck::transport::verbs::soft {

namespace {

bool covers(const SoftMr& mr, uint64_t addr, uint64_t len) {
  auto base = reinterpret_cast<uint64_t>(mr.ibv.addr);
  return addr >= base && len <= mr.ibv.length && addr - base <= mr.ibv.length - len;
}

}  // namespace

SoftMr* SoftDevice::localMr(SoftPd* pd, const SoftSge& s, int need) const {
  auto it = mrs_.find(s.lkey);
  if (it == mrs_.end()) return nullptr;
  SoftMr* mr = it->second.get();
  if (mr->pd != pd || (mr->access & need) != need || !covers(*mr, s.addr, s.length)) return nullptr;
  return mr;
}

SoftMr* SoftDevice::remoteMr(SoftPd* pd, uint32_t rkey, uint64_t addr, uint64_t len, int need) const {
  auto it = mrs_.find(rkey);
  if (it == mrs_.end()) return nullptr;
  SoftMr* mr = it->second.get();
  if (mr->pd != pd || (mr->access & need) != need || !covers(*mr, addr, len)) return nullptr;
  return mr;
}

bool SoftDevice::sgesValid(SoftPd* pd, const std::vector<SoftSge>& sges, int need) const {
  for (const auto& s : sges)
    if (s.length > 0 && localMr(pd, s, need) == nullptr) return false;
  return true;
}

uint64_t SoftDevice::sgeBytes(const std::vector<SoftSge>& sges) {
  uint64_t n = 0;
  for (const auto& s : sges) n += s.length;
  return n;
}

void SoftDevice::gather(const SoftSendWqe& w, uint64_t offset, uint32_t len, uint8_t* out) {
  if (w.is_inline) {
    std::memcpy(out, w.inline_data.data() + offset, len);
    return;
  }
  for (const auto& s : w.sges) {
    if (len == 0) break;
    if (offset >= s.length) {
      offset -= s.length;
      continue;
    }
    uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(s.length - offset, len));
    std::memcpy(out, reinterpret_cast<const uint8_t*>(s.addr) + offset, n);
    out += n;
    len -= n;
    offset = 0;
  }
}

void SoftDevice::scatter(const std::vector<SoftSge>& sges, uint64_t offset, const uint8_t* in, uint32_t len) {
  for (const auto& s : sges) {
    if (len == 0) break;
    if (offset >= s.length) {
      offset -= s.length;
      continue;
    }
    uint32_t n = static_cast<uint32_t>(std::min<uint64_t>(s.length - offset, len));
    std::memcpy(reinterpret_cast<uint8_t*>(s.addr) + offset, in, n);
    in += n;
    len -= n;
    offset = 0;
  }
}

}  // namespace fabcheck::transport::verbs::soft

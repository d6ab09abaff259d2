// One software RoCE device (an opened ibv_context): its objects, its GID table, its wire socket
// and its progress thread (the NIC's asynchronous work: responder, ACKs, timers,
// retransmission, completions, completion-channel events).
//
// Contract: every public call takes the device mutex; the progress thread takes it for each
// round of work. Calls return 0 / a positive errno (pointer calls: nullptr and errno), exactly
// as the VerbsApi contract states. The destructor stops and joins the thread and frees every
// object still alive (their handles dangle afterwards, as after ibv_close_device), removing
// their QPN registrations.
#pragma once

#include <infiniband/verbs.h>

#include <atomic>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "generators/transport/verbs/soft/soft_objects.h"
#include "generators/transport/verbs/soft/soft_verbs.h"
#include "generators/transport/verbs/soft/soft_wire.h"

namespace fabcheck::transport::verbs::soft {

constexpr uint32_t kMagicCtx = 0x43545843;

struct SoftContext {
  ibv_context ibv{};
  uint32_t magic = kMagicCtx;
  SoftDevice* dev = nullptr;
};

uint64_t rawClockNs();  // CLOCK_MONOTONIC_RAW
constexpr uint32_t kPsnMask = 0xffffff;
inline uint32_t psnDiff(uint32_t a, uint32_t b) { return (a - b) & kPsnMask; }  // a - b mod 2^24

class SoftDevice {
 public:
  SoftDevice(const SoftDeviceConfig& config, std::shared_ptr<std::atomic<int>> fault);
  ~SoftDevice();
  SoftDevice(const SoftDevice&) = delete;
  SoftDevice& operator=(const SoftDevice&) = delete;

  int start();  // wire, eventfd, thread; 0 or errno
  ibv_context* context() { return &ctx_.ibv; }

  // soft_device.cpp: queries and plain objects
  int queryDevice(ibv_device_attr_ex* attr);
  int queryPort(uint8_t port, ibv_port_attr* attr);
  int queryGid(uint8_t port, uint32_t index, ibv_gid_entry* entry);
  ibv_pd* allocPd();
  int deallocPd(SoftPd* pd);
  ibv_mr* regMr(SoftPd* pd, void* addr, size_t length, int access);
  int deregMr(SoftMr* mr);
  ibv_ah* createAh(SoftPd* pd, const ibv_ah_attr* attr);
  int destroyAh(SoftAh* ah);
  int checkAv(const ibv_ah_attr& av) const;  // RoCE: GRH required, valid sgid_index; EINVAL
  // soft_cq.cpp
  ibv_comp_channel* createChannel();
  int destroyChannel(SoftChannel* ch);
  ibv_cq* createCq(int cqe, SoftChannel* ch, bool timestamps);
  int destroyCq(SoftCq* cq);
  int pollCq(SoftCq* cq, int n, ibv_wc* wc, uint64_t* ts);
  int reqNotifyCq(SoftCq* cq);
  // soft_qp.cpp
  ibv_qp* createQp(SoftPd* pd, ibv_qp_init_attr* attr);
  int destroyQp(SoftQp* qp);
  int modifyQp(SoftQp* qp, const ibv_qp_attr* attr, int mask);
  int receivedTrafficClass(SoftQp* qp);
  // soft_post.cpp
  int postSend(SoftQp* qp, ibv_send_wr* wr, ibv_send_wr** bad);
  int postRecv(SoftQp* qp, ibv_recv_wr* wr, ibv_recv_wr** bad);

 private:
  friend struct DeviceAccess;
  // soft_cq.cpp: completions (device mutex held)
  void pushCqe(SoftCq* cq, const ibv_wc& wc, uint32_t sq_retire, uint32_t rq_retire);
  void completeSend(SoftQp* qp, const SoftSendWqe& w, ibv_wc_status status);
  void completeRecv(SoftQp* qp, const SoftRecvWqe& r, ibv_wc_status status, const ibv_wc* filled);
  void moveToError(SoftQp* qp);  // QP -> ERR, every outstanding WR flushed
  // soft_mr.cpp: memory checks and copies (device mutex held)
  SoftMr* localMr(SoftPd* pd, const SoftSge& s, int need) const;
  SoftMr* remoteMr(SoftPd* pd, uint32_t rkey, uint64_t addr, uint64_t len, int need) const;
  bool sgesValid(SoftPd* pd, const std::vector<SoftSge>& sges, int need) const;
  static uint64_t sgeBytes(const std::vector<SoftSge>& sges);
  static void gather(const SoftSendWqe& w, uint64_t offset, uint32_t len, uint8_t* out);
  static void scatter(const std::vector<SoftSge>& sges, uint64_t offset, const uint8_t* in, uint32_t len);
  // soft_requester.cpp
  void requesterRun(SoftQp* qp, uint64_t now);
  bool transmitRc(SoftQp* qp, SoftSendWqe& w, uint64_t now);
  bool transmitUd(SoftQp* qp, SoftSendWqe& w);
  void retireDone(SoftQp* qp);
  void onAck(SoftQp* qp, const PacketHeader& h, uint64_t now);
  void onNak(SoftQp* qp, const PacketHeader& h, uint64_t now);
  void onReadResponse(SoftQp* qp, const PacketHeader& h, const std::vector<uint8_t>& data, uint64_t now);
  void rewindTo(SoftQp* qp, uint32_t psn);
  int wqeIndexOf(SoftQp* qp, uint32_t psn) const;
  // soft_responder.cpp
  void onRequest(SoftQp* qp, const PacketHeader& h, const std::vector<uint8_t>& data);
  bool startMessage(SoftQp* qp, const PacketHeader& h);
  bool checkRemote(SoftQp* qp, const PacketHeader& h, int qp_need, int mr_need);
  void answerRead(SoftQp* qp, const PacketHeader& h);
  void finishMessage(SoftQp* qp, const PacketHeader& h);
  void onUd(SoftQp* qp, const PacketHeader& h, const std::vector<uint8_t>& data);
  void reply(const PacketHeader& req, uint8_t type, uint8_t nak, uint8_t rnr_timer);
  // soft_progress.cpp
  void run();
  void wake();
  void dispatch(const PacketHeader& h, const std::vector<uint8_t>& data, uint64_t now);
  bool hasGid(const uint8_t* gid) const;
  // Sends to the device owning `qpn`: 0, EAGAIN (queue it) or an errno (lost).
  int sendPacket(uint32_t qpn, PacketHeader& h, const void* payload);
  void sendOrQueue(uint32_t qpn, PacketHeader& h, const void* payload);
  void flushBacklog();
  void fillPath(SoftQp* qp, const ibv_ah_attr& av, PacketHeader& h) const;
  uint64_t nextDeadline(uint64_t now) const;
  void timers(uint64_t now);

  struct Outbound {
    uint32_t qpn;
    PacketHeader h;
    std::vector<uint8_t> payload;
  };

  SoftDeviceConfig config_;
  std::shared_ptr<std::atomic<int>> fault_;
  SoftContext ctx_;
  ibv_device fake_device_{};
  std::vector<ibv_gid_entry> gids_;
  SoftWire wire_;
  int event_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  uint32_t next_key_ = 0x100;
  std::map<SoftPd*, std::unique_ptr<SoftPd>> pds_;
  std::map<uint32_t, std::unique_ptr<SoftMr>> mrs_;  // by lkey (== rkey)
  std::map<SoftCq*, std::unique_ptr<SoftCq>> cqs_;
  std::map<SoftChannel*, std::unique_ptr<SoftChannel>> channels_;
  std::map<SoftAh*, std::unique_ptr<SoftAh>> ahs_;
  std::map<uint32_t, std::unique_ptr<SoftQp>> qps_;  // by QPN
  std::unordered_map<uint32_t, std::string> peer_cache_;  // QPN -> socket path
  std::deque<Outbound> backlog_;
  uint64_t backlog_retry_at_ = 0;
};

}  // namespace fabcheck::transport::verbs::soft

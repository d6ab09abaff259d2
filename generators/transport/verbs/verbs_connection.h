// One verbs connection: `qps` RC queue pairs (or one UD QP) on one completion queue, behind the
// Connection interface, with the verb chosen for the connection.
//
// What each verb does with the interface's ops (perftest's semantics):
// - send:      postSend = IBV_WR_SEND; postRecv = a posted receive. Both ends see each message.
// - write_imm: NCCL's rendezvous: postRecv posts a receive and writes a "clear to send" entry
//              (buffer address, rkey, capacity) into the sender's CTS FIFO by RDMA WRITE;
//              postSend takes the next entry and does RDMA WRITE WITH IMMEDIATE into that
//              buffer; the receiver's completion carries the byte count. Both ends see each
//              message; postSend back-pressures (accepts fewer) until an entry arrived.
// - write/read: one-sided ops (SendOp.opcode kWrite/kRead with remote_addr/remote_key inside
//              remoteRegion(), the peer's window). They complete at the initiator only; the
//              target sees nothing.
// - ud:        SEND through an address handle; a receive gets the 40-byte GRH in a buffer of
//              the connection's own, so RecvOp data starts at offset 0; one message <= path MTU.
// Messages go round-robin over the QPs (ECMP entropy); across QPs their order is not kept.
// Selective signalling: one send in cq_mod, and the last of each postSend per QP, is signalled;
// the completions of the others are reported when their signalled successor completes.
// Errors: a failed completion ends that QP (the device flushes the rest); errorText() names the
// device, port, QP, peer and the status in words with what to check. Nothing waits forever:
// poll() waits at most its timeout.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "generators/transport/transport.h"
#include "generators/transport/verbs/verbs_completion_queue.h"
#include "generators/transport/verbs/verbs_device.h"
#include "generators/transport/verbs/verbs_options.h"
#include "generators/transport/verbs/verbs_side_info.h"

namespace fabcheck::transport::verbs {

struct VerbsConnectionSetup {
  std::shared_ptr<VerbsDevice> device;
  VerbsOptions options;
  uint8_t traffic_class = 0;     // DSCP << 2 | ECN
  bool want_timestamps = true;
  std::string local_host;        // data address, for messages
};

// A "clear to send" entry, written by the receiver into the sender's FIFO. `seq` last: the
// sender takes an entry when its seq is the one it expects.
struct CtsEntry {
  uint64_t addr = 0;
  uint32_t rkey = 0;
  uint32_t capacity = 0;
  uint64_t seq = 0;
};

// A registered buffer the connection owns (FIFO, staging, GRH scratch, window).
struct OwnedRegion {
  std::unique_ptr<std::byte[], void (*)(void*)> mem{nullptr, nullptr};
  size_t size = 0;
  ibv_mr* mr = nullptr;
};

class VerbsConnection final : public Connection {
 public:
  // Creates the CQ, the QPs (in INIT) and the rendezvous regions; throws TransportError.
  explicit VerbsConnection(VerbsConnectionSetup setup);
  ~VerbsConnection() override;

  const SideInfo& mine() const noexcept { return mine_; }
  // Brings every QP to RTR and RTS toward `peer`; throws ConfigError/TransportError.
  void connectTo(const SideInfo& peer);

  MemoryRegion registerMemory(std::byte* data, size_t size) override;
  void deregisterMemory(MemoryRegion& region) noexcept override;
  size_t postSend(std::span<const SendOp> ops) noexcept override;
  size_t postRecv(std::span<const RecvOp> ops) noexcept override;
  size_t poll(std::span<Completion> out, int64_t timeout_ns) noexcept override;
  ConnectionStats stats() const noexcept override { return stats_; }
  int readinessFd() const noexcept override { return cq_.fd(); }
  std::optional<MemoryRegion> remoteRegion() const noexcept override;
  std::string errorText(const Completion& c) const override;
  std::string describe() const override;

  TimestampSource timestampSource() const noexcept { return cq_.timestampSource(); }

 private:
  struct Pending {
    uint64_t id = 0;
    uint32_t bytes = 0;
    uint64_t seq = 0;
    bool internal = false;  // a CTS write: not the caller's
  };
  struct Qp {
    ibv_qp* qp = nullptr;
    std::deque<Pending> pending;  // posted sends, oldest first (send queue occupancy)
    uint64_t next_seq = 0;
    uint32_t unsignalled = 0;
    uint32_t recvs = 0;  // receives posted and not completed
    bool failed = false;
  };
  struct RecvSlot {
    uint64_t id = 0;
    bool busy = false;
  };
  struct SendBatch {
    std::vector<std::vector<ibv_send_wr>> wrs;  // per QP, in post order
    std::vector<std::vector<ibv_sge>> sges;
  };

  void releaseAll() noexcept;
  void createRegions();
  OwnedRegion ownRegion(size_t bytes, int access);
  void releaseRegion(OwnedRegion& r) noexcept;
  bool buildSend(const SendOp& op, SendBatch& batch) noexcept;
  void addWr(SendBatch& batch, size_t qp, ibv_send_wr wr, ibv_sge sge, uint64_t id, bool internal) noexcept;
  void flushBatch(SendBatch& batch) noexcept;
  size_t postRecvSend(std::span<const RecvOp> ops) noexcept;
  size_t postRecvCts(std::span<const RecvOp> ops) noexcept;
  bool ctsReady() const noexcept;
  size_t reap(std::span<Completion> out) noexcept;
  void onSendWc(const ibv_wc& wc) noexcept;
  void onRecvWc(const ibv_wc& wc, int64_t wall_ns) noexcept;
  void readGrhTrafficClass(uint32_t slot, Completion& c) const noexcept;
  void failQp(size_t qp, const std::string& why) noexcept;
  void noteError(const std::string& why) noexcept;
  std::string qpText(size_t qp) const;
  void pushError(uint64_t id, bool is_send, int err, OpStatus status = OpStatus::kError) noexcept;

  VerbsConnectionSetup setup_;
  std::shared_ptr<VerbsDevice> dev_;
  VerbsOptions o_;
  CompletionQueue cq_;
  std::vector<Qp> qps_;
  uint32_t inline_bytes_ = 0;
  SideInfo mine_;
  SideInfo peer_;
  bool connected_ = false;
  ibv_ah* ah_ = nullptr;                 // UD
  OwnedRegion fifo_;                     // write_imm: the peer writes CTS entries here
  OwnedRegion staging_;                  // write_imm: the CTS entries this side writes
  OwnedRegion grh_;                      // UD: GRH scratch, one 40-byte slot per receive
  OwnedRegion window_;                   // write/read: what the peer's one-sided ops target
  std::vector<RecvSlot> recv_slots_;
  std::vector<uint32_t> free_slots_;
  uint64_t cts_posted_ = 0;              // receiver: CTS entries written
  uint64_t send_seq_ = 0;                // sender: CTS entries consumed / messages sent
  size_t next_qp_ = 0;
  size_t next_recv_qp_ = 0;
  SendBatch batch_;                      // scratch of postSend/postRecv, reused
  std::deque<Completion> ready_;
  ConnectionStats stats_;
  std::string first_error_;
  bool cq_broken_ = false;
};

}  // namespace fabcheck::transport::verbs

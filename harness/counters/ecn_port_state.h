// The state of one ECN-marking switch port of the emulated fabric: the single value of the BPF
// array map that harness/fabric/bpf/ecn_mark.bpf.c keeps per port, pinned in bpffs by
// harness/fabric/ecn_marker.h and read by EcnMarkCounterSource. Plain C: the BPF program (C,
// clang -target bpf) and the C++ reader include the same layout.
//
// Contract: the loader fills the config members before the program is attached and never
// changes them; the program changes the model and counter members only under `lock`. Readers
// look the value up with BPF_F_LOCK so the counters they see belong to one instant.
#ifndef FABCHECK_ECN_PORT_STATE_H
#define FABCHECK_ECN_PORT_STATE_H

#include <linux/bpf.h>
#include <linux/types.h>

#define FABCHECK_ECN_NS_PER_S 1000000000ULL

struct fabcheck_ecn_port {
  struct bpf_spin_lock lock;
  __u32 reserved;
  /* config: set by the loader */
  __u64 rate_bytes_per_s;   /* the port's htb rate, bytes per second */
  __u64 threshold_bytes;    /* mark when the virtual queue holds at least this many bytes, or */
  __u64 threshold_packets;  /* ... at least this many packets of the arriving packet's size */
  __u64 limit_bytes;        /* the real queue's limit (bfifo), or */
  __u64 limit_packets;      /* ... (pfifo), in packets of the arriving packet's size */
  __u64 max_elapsed_ns;     /* an idle gap this long empties the queue (keeps the product < 2^64) */
  /* model */
  __u64 backlog_scaled;     /* virtual queue occupancy in bytes x 10^9 */
  __u64 last_ns;            /* bpf_ktime_get_ns() of the last update */
  /* counters (since the program was attached) */
  __u64 packets;            /* every packet seen at the port's egress */
  __u64 ect_packets;        /* IPv4/IPv6 packets that arrived ECT(0) or ECT(1) */
  __u64 marked;             /* of those, set to CE here */
  __u64 ce_arrived;         /* packets that arrived already CE (marked upstream) */
  __u64 not_ect_over;       /* Not-ECT packets that found the queue over the threshold */
  __u64 virtual_drops;      /* packets the model found the queue full for (not marked) */
  __u64 mark_failures;      /* a mark decided but the packet could not be rewritten */
};

#endif

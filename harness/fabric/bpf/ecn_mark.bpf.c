// ECN marking at a switch port of the emulated fabric (docs/fabric.md "ECN marking").
//
// Attached at the port's clsact egress (direct action), so it sees every packet before the
// port's htb/fifo queue does. It keeps a virtual queue: bytes in, drained at the port's rate
// over the time since the last packet (bpf_ktime_get_ns). A packet that finds the queue at or
// above the threshold and is ECT(0)/ECT(1) leaves with CE (IPv4: the header checksum is fixed
// incrementally; IPv6 has none). A packet the queue would have no room for (its limit) is
// neither queued in the model nor marked: the real queue drops it. Every packet is passed on.
// Build: clang -O2 -g -target bpf (the BTF of -g lets the map hold a bpf_spin_lock).
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/pkt_cls.h>
#include <stddef.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "harness/counters/ecn_port_state.h"

struct {
  __uint(type, BPF_MAP_TYPE_ARRAY);
  __uint(max_entries, 1);
  __type(key, __u32);
  __type(value, struct fabcheck_ecn_port);
} port SEC(".maps");

enum { kNotEct = 0, kEct1 = 1, kEct0 = 2, kCe = 3, kNotIp = 4 };

// The ECN field of an IPv4/IPv6 packet (and its first two header bytes), or kNotIp.
static __always_inline int ecnOf(struct __sk_buff* skb, __be16* first, int* v6) {
  if (bpf_skb_load_bytes(skb, ETH_HLEN, first, 2) != 0) return kNotIp;
  const __u16 host = bpf_ntohs(*first);
  if (skb->protocol == bpf_htons(ETH_P_IP) && (host >> 12) == 4) {
    *v6 = 0;
    return host & 3;
  }
  if (skb->protocol == bpf_htons(ETH_P_IPV6) && (host >> 12) == 6) {
    *v6 = 1;
    return (host >> 4) & 3;
  }
  return kNotIp;
}

// Sets CE in the header whose first two bytes are `first`; 0 on success.
static __always_inline int setCe(struct __sk_buff* skb, __be16 first, int v6) {
  const __be16 ce = first | bpf_htons(v6 ? 0x0030 : 0x0003);
  if (!v6 && bpf_l3_csum_replace(skb, ETH_HLEN + offsetof(struct iphdr, check), first, ce, sizeof(ce)) != 0) return -1;
  return bpf_skb_store_bytes(skb, ETH_HLEN, &ce, sizeof(ce), 0);
}

// Drains the virtual queue up to `now`.
static __always_inline void drain(struct fabcheck_ecn_port* p, __u64 now) {
  const __u64 elapsed = now > p->last_ns ? now - p->last_ns : 0;
  if (elapsed >= p->max_elapsed_ns) {
    p->backlog_scaled = 0;
  } else {
    const __u64 out = elapsed * p->rate_bytes_per_s;
    p->backlog_scaled = out >= p->backlog_scaled ? 0 : p->backlog_scaled - out;
  }
  p->last_ns = now;
}

SEC("tc")
int fabcheck_ecn_mark(struct __sk_buff* skb) {
  __u32 key = 0;
  struct fabcheck_ecn_port* p = bpf_map_lookup_elem(&port, &key);
  if (!p) return TC_ACT_OK;
  __be16 first = 0;
  int v6 = 0;
  const int ecn = ecnOf(skb, &first, &v6);
  const __u64 len = skb->len;
  const __u64 now = bpf_ktime_get_ns();
  int mark = 0;

  bpf_spin_lock(&p->lock);
  drain(p, now);
  const __u64 occupancy = p->backlog_scaled / FABCHECK_ECN_NS_PER_S;  // bytes the packet finds queued
  // bfifo drops what does not fit in limit bytes; pfifo what finds limit packets queued.
  const int full = p->limit_bytes ? occupancy + len > p->limit_bytes : occupancy >= p->limit_packets * len;
  const int over = occupancy >= (p->threshold_bytes ? p->threshold_bytes : p->threshold_packets * len);
  p->packets++;
  if (full) {
    p->virtual_drops++;
  } else {
    p->backlog_scaled += len * FABCHECK_ECN_NS_PER_S;
    if (ecn == kEct0 || ecn == kEct1) {
      p->ect_packets++;
      mark = over;
    } else if (ecn == kCe) {
      p->ce_arrived++;
    } else if (over) {
      p->not_ect_over++;
    }
  }
  bpf_spin_unlock(&p->lock);

  if (mark) {
    if (setCe(skb, first, v6) == 0) {
      __sync_fetch_and_add(&p->marked, 1);
    } else {
      __sync_fetch_and_add(&p->mark_failures, 1);
    }
  }
  return TC_ACT_OK;
}

// No GPL-only helper is used, so the project's own licence is stated.
char LICENSE[] SEC("license") = "Apache-2.0";

// The compiled ECN marking program (ecn_mark.bpf.c, clang -target bpf at build time), embedded
// in the binary by harness/fabric/bpf/embed.cmake: an ELF BPF object for libbpf's
// bpf_object__open_mem().
#pragma once

#include <cstddef>

namespace fabcheck::fabric::bpf {

extern const unsigned char kEcnMarkBpfObject[];
extern const std::size_t kEcnMarkBpfObjectSize;

}  // namespace fabcheck::fabric::bpf

// Sizing this process's futex hash for the threads it will hold.
//
// Since Linux 6.16 a multithreaded process gets a private futex hash sized from the number of
// online CPUs, not its threads: 16 buckets on a 2-CPU host. Every mutex, condition variable and
// thread join of every thread then shares those buckets, and each wake walks its bucket's whole
// chain: with thousands of waiting threads (an agent process serving thousands of identities)
// the cost of a wake grows with the thread count and the process spends its time in the
// kernel's futex_wake (measured: 47% of both cores at 4096 identities, docs/PERFORMANCE.md).
//
// sizeFutexHash(expected_threads) asks for about four buckets per expected thread (a power of
// two, at least 16, at most 65536). On kernels without the private hash (before 6.16, which use
// one global hash sized by CPUs) it does nothing. Returns the buckets now in use, 0 when the
// process uses the global hash, or -1 when the kernel has no such setting or refused it.
#pragma once

namespace fabcheck {

int sizeFutexHash(int expected_threads) noexcept;

}  // namespace fabcheck

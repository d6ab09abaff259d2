// Verbs completion statuses in words, and what a user should check for each.
//
// statusWords() gives the same words as rdma-core's ibv_wc_status_str() ("transport retry
// counter exceeded"); statusAdvice() says what to look at (GID index, MTU, PFC class, the peer);
// statusErrno() maps a status to the errno a transport::Completion carries.
#pragma once

#include <infiniband/verbs.h>

#include <string>

namespace fabcheck::transport::verbs {

const char* statusWords(ibv_wc_status status) noexcept;
// Empty when there is nothing specific to check.
const char* statusAdvice(ibv_wc_status status) noexcept;
int statusErrno(ibv_wc_status status) noexcept;

}  // namespace fabcheck::transport::verbs

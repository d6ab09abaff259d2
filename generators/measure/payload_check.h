// Payload integrity: CRC-32C and a deterministic fill pattern.
//
// Contract:
// - crc32c() is the Castagnoli CRC (reflected polynomial 0x82F63B78, initial value and final
//   xor 0xFFFFFFFF), the one iSCSI/ext4/RDMA use; crc32c("123456789") == 0xE3069283. It uses the
//   SSE4.2 crc32 instruction when the CPU has it (checked once at run time) and a table-driven
//   software version otherwise; both give identical results for every input.
// - crc32cExtend() continues a CRC over more bytes: crc32cExtend(crc32c(a), b) == crc32c(a ++ b).
// - fillPayload() writes a pattern that depends only on (flow_id, seq, offset), so a receiver can
//   regenerate it; payloadMatches() regenerates and compares. The pattern differs between
//   messages of a flow and between flows, so a misdelivered or stale buffer is detected.
// - All functions are data-path: noexcept, no allocation, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace fabcheck::measure {

uint32_t crc32c(std::span<const std::byte> data) noexcept;
uint32_t crc32cExtend(uint32_t crc, std::span<const std::byte> data) noexcept;

void fillPayload(std::span<std::byte> out, uint32_t flow_id, uint64_t seq) noexcept;
bool payloadMatches(std::span<const std::byte> data, uint32_t flow_id, uint64_t seq) noexcept;

namespace detail {
// The two implementations, exposed for tests and benchmarks. crc32cHardware() must only be
// called when crc32cHardwareAvailable(). Both take and return the finalised CRC value.
uint32_t crc32cSoftware(uint32_t crc, std::span<const std::byte> data) noexcept;
uint32_t crc32cHardware(uint32_t crc, std::span<const std::byte> data) noexcept;
bool crc32cHardwareAvailable() noexcept;
}  // namespace detail

}  // namespace fabcheck::measure

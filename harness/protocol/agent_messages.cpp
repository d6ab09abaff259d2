#include "harness/protocol/agent_messages.h"

namespace fabcheck::protocol {

namespace {
constexpr const char* kTestIdKey = "test_id";
}  // namespace

void setTestId(nlohmann::json& message, int64_t test_id) { message[kTestIdKey] = test_id; }

int64_t testIdOf(const nlohmann::json& message) {
  if (!message.is_object()) return -1;
  const auto it = message.find(kTestIdKey);
  return it != message.end() && it->is_number_integer() ? it->get<int64_t>() : -1;
}

}  // namespace fabcheck::protocol

// softVerbsApiFromEnvironment(): the software device as the environment selects it.
#include <cstdlib>
#include <string>

#include "generators/core/errors.h"
#include "generators/transport/verbs/soft/soft_verbs.h"

namespace fabcheck::transport::verbs {

namespace {

ibv_mtu parseMtu(const std::string& v) {
  if (v == "256") return IBV_MTU_256;
  if (v == "512") return IBV_MTU_512;
  if (v == "1024") return IBV_MTU_1024;
  if (v == "2048") return IBV_MTU_2048;
  if (v == "4096") return IBV_MTU_4096;
  throw ConfigError("FABCHECK_VERBS_SOFTWARE_MTU='" + v + "' (environment): expected 256, 512, 1024, 2048 or 4096");
}

SoftFault parseFault(const std::string& v) {
  if (v == "none" || v.empty()) return SoftFault::kNone;
  if (v == "path_dead") return SoftFault::kPathDead;
  if (v == "remote_access") return SoftFault::kRemoteAccess;
  throw ConfigError("FABCHECK_VERBS_SOFTWARE_FAULT='" + v +
                    "' (environment): expected none, path_dead or remote_access");
}

}  // namespace

std::shared_ptr<VerbsApi> softVerbsApiFromEnvironment() {
  const char* dir = std::getenv("FABCHECK_VERBS_SOFTWARE");
  if (dir == nullptr) return nullptr;
  if (*dir == '\0')
    throw ConfigError("FABCHECK_VERBS_SOFTWARE='' (environment): expected the soft fabric's directory");
  SoftDeviceConfig config;
  config.fabric_dir = dir;
  if (const char* mtu = std::getenv("FABCHECK_VERBS_SOFTWARE_MTU")) config.active_mtu = parseMtu(mtu);
  SoftFault fault = SoftFault::kNone;
  if (const char* f = std::getenv("FABCHECK_VERBS_SOFTWARE_FAULT")) fault = parseFault(f);
  auto api = createSoftVerbsApi(config);
  setSoftFault(*api, fault);
  return api;
}

}  // namespace fabcheck::transport::verbs

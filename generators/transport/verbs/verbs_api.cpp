// defaultVerbsApi() (verbs_api.h): the software device when the environment names its fabric,
// else libibverbs.
#include "generators/transport/verbs/verbs_api.h"

#include "generators/transport/verbs/soft/soft_verbs.h"

namespace fabcheck::transport::verbs {

std::shared_ptr<VerbsApi> defaultVerbsApi() {
  if (auto soft = softVerbsApiFromEnvironment()) return soft;
#ifdef FABCHECK_HAVE_VERBS
  return libibverbsApi();
#else
  return nullptr;
#endif
}

}  // namespace fabcheck::transport::verbs

// The mpirun launcher's pure parts: options, host merging, the argv it runs. (Running the real
// mpirun: tests/integration/mpirun_launcher_test.cpp.)
#include "harness/launch/mpirun_launcher.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "generators/core/errors.h"
#include "tests/support/test_helpers.h"

namespace fabcheck::launch {
namespace {
using fabcheck::testing::errorOf;

LaunchSpec twoHosts() {
  LaunchSpec s;
  s.binary = "/opt/fab/fabcheck";
  s.agent_args = {"--controller", "10.0.0.1:7000"};
  s.env = {{"FABCHECK_RUN_SECRET", "s3cr3t-value"}, {"EXTRA", "x y"}};
  s.hosts = {{"node01", 2, {}}, {"node02", 1, {}}};
  return s;
}

// The words between two markers, e.g. the agent command after the rank script's $0.
std::vector<std::string> after(const std::vector<std::string>& argv, const std::string& word) {
  const auto it = std::find(argv.begin(), argv.end(), word);
  return it == argv.end() ? std::vector<std::string>{} : std::vector<std::string>(it + 1, argv.end());
}

bool has(const std::vector<std::string>& argv, const std::string& word) {
  return std::find(argv.begin(), argv.end(), word) != argv.end();
}

TEST(MpirunLauncherArgv, OneMpirunForAllSlotsWithTheSecretExportedByNameOnly) {
  const auto argv = mpirunArgv(parseMpirunOptions({}), twoHosts(), false, 4);
  EXPECT_EQ(argv[0], "mpirun");
  EXPECT_EQ(after(argv, "-np").at(0), "3");
  EXPECT_EQ(after(argv, "--host").at(0), "node01:2,node02:1");
  EXPECT_EQ(after(argv, "--bind-to").at(0), "none");
  EXPECT_EQ(after(argv, "--map-by").at(0), "slot");
  EXPECT_FALSE(has(argv, "--allow-run-as-root"));
  EXPECT_FALSE(has(argv, "--oversubscribe"));
  int exported = 0;
  for (size_t i = 0; i + 1 < argv.size(); ++i) {
    EXPECT_EQ(argv[i].find("s3cr3t-value"), std::string::npos) << "value on the command line: " << argv[i];
    if (argv[i] == "-x") {
      EXPECT_TRUE(argv[i + 1] == "FABCHECK_RUN_SECRET" || argv[i + 1] == "EXTRA") << argv[i + 1];
      ++exported;
    }
  }
  EXPECT_EQ(exported, 2);
  EXPECT_EQ(after(argv, "fabcheck-launch"),
            (std::vector<std::string>{"/opt/fab/fabcheck", "agent", "--controller", "10.0.0.1:7000", "--agent-id-env",
                                      "OMPI_COMM_WORLD_RANK"}));
}

TEST(MpirunLauncherArgv, AutoOptionsFollowRootAndLocalCpusAndUserWordsComeAfterTheDefaults) {
  LaunchSpec s = twoHosts();
  s.hosts = {{"localhost", 3, {}}};
  auto argv = mpirunArgv(parseMpirunOptions({{"mpirun_options", " --bind-to  core\t--mca btl self "}}), s, true, 2);
  EXPECT_TRUE(has(argv, "--allow-run-as-root"));
  EXPECT_TRUE(has(argv, "--oversubscribe")) << "3 local slots on 2 CPUs";
  const auto bind = std::find(argv.begin(), argv.end(), "--bind-to");
  EXPECT_EQ(*(bind + 1), "none");
  EXPECT_EQ(after(std::vector<std::string>(bind + 1, argv.end()), "--bind-to").at(0), "core") << "user's word last";
  EXPECT_EQ(after(argv, "--mca").at(0), "btl");
  EXPECT_EQ(after(argv, "--mca").at(1), "self");
  EXPECT_LT(std::find(argv.begin(), argv.end(), "--mca"), std::find(argv.begin(), argv.end(), "-np"));

  argv = mpirunArgv(parseMpirunOptions({}), s, true, 8);
  EXPECT_FALSE(has(argv, "--oversubscribe")) << "3 local slots on 8 CPUs";
  argv = mpirunArgv(parseMpirunOptions({{"mpirun_allow_root", "0"}, {"mpirun_oversubscribe", "yes"}, {"mpirun", "/usr/bin/mpirun.openmpi"}}), s, true, 8);
  EXPECT_EQ(argv[0], "/usr/bin/mpirun.openmpi");
  EXPECT_FALSE(has(argv, "--allow-run-as-root"));
  EXPECT_TRUE(has(argv, "--oversubscribe"));
}

TEST(MpirunLauncherArgv, SameHostsMergeAndNamesMpirunCannotCarryAreErrors) {
  const auto merged = mpirunHosts({{"a", 1, {}}, {"b", 2, {}}, {"a", 3, {}}});
  ASSERT_EQ(merged.size(), 2u);
  EXPECT_EQ(merged[0].name, "a");
  EXPECT_EQ(merged[0].slots, 4);
  EXPECT_EQ(merged[1].name, "b");
  for (const std::string bad : {"a,b", "fe80::1", "-np", "", "two words"}) {
    const std::string err = errorOf<LaunchError>([&] { mpirunHosts({{bad, 1, {}}}); });
    EXPECT_NE(err.find("mpirun launcher: host '" + bad + "'"), std::string::npos) << err;
  }
}

TEST(MpirunLauncherArgv, OptionErrorsNameTheOptionAndWhatWasExpected) {
  std::string err = errorOf<ConfigError>([] { createLauncher("mpirun", {{"mpirun_oversubscibe", "1"}}); });
  EXPECT_NE(err.find("unknown option 'mpirun_oversubscibe'"), std::string::npos) << err;
  EXPECT_NE(err.find("mpirun_oversubscribe"), std::string::npos) << "lists the known options: " << err;
  err = errorOf<ConfigError>([] { parseMpirunOptions({{"mpirun_allow_root", "maybe"}}); });
  EXPECT_NE(err.find("mpirun_allow_root 'maybe'"), std::string::npos) << err;
  err = errorOf<ConfigError>([] { parseMpirunOptions({{"mpirun", ""}}); });
  EXPECT_NE(err.find("option mpirun is empty"), std::string::npos) << err;
  EXPECT_EQ(createLauncher("mpirun", {})->name(), "mpirun");
  err = errorOf<ConfigError>([] { createLauncher("mpiexec", {}); });
  EXPECT_NE(err.find("mpirun"), std::string::npos) << "the list of launchers names mpirun: " << err;
}

}  // namespace
}  // namespace fabcheck::launch

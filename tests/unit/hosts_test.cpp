#include "harness/launch/hosts.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "generators/core/errors.h"

namespace fabcheck::launch {
namespace {

std::string errorOf(const std::string& text) {
  try {
    parseHosts(text, "hosts.txt");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Hosts, ParsesSlotsLabelsCommentsAndBlankLines) {
  const auto hosts = parseHosts(
      "# cluster\n"
      "node01 slots=2 rack=a leaf=3\n"
      "\n"
      "   \t\n"
      "node02            # comment\n"
      "node03\tslots=4#trailing\r\n",
      "hosts.txt");
  ASSERT_EQ(hosts.size(), 3u);
  EXPECT_EQ(hosts[0].name, "node01");
  EXPECT_EQ(hosts[0].slots, 2);
  EXPECT_EQ(hosts[0].labels, (std::map<std::string, std::string>{{"rack", "a"}, {"leaf", "3"}}));
  EXPECT_EQ(hosts[1].name, "node02");
  EXPECT_EQ(hosts[1].slots, 1);
  EXPECT_TRUE(hosts[1].labels.empty());
  EXPECT_EQ(hosts[2].name, "node03");
  EXPECT_EQ(hosts[2].slots, 4);
  EXPECT_EQ(totalSlots(hosts), 7);
}

TEST(Hosts, SlotsNotAWholeNumberNamesLineAndColumn) {
  EXPECT_EQ(errorOf("node00\n\nnode01 slots=x\n"),
            "hosts.txt:3:8: slots 'x' is not a whole number from 1 to 1024");
  EXPECT_EQ(errorOf("n slots=0"), "hosts.txt:1:3: slots '0' is not a whole number from 1 to 1024");
  EXPECT_EQ(errorOf("n slots=1025"), "hosts.txt:1:3: slots '1025' is not a whole number from 1 to 1024");
  EXPECT_EQ(errorOf("n slots=-1"), "hosts.txt:1:3: slots '-1' is not a whole number from 1 to 1024");
  EXPECT_EQ(parseHosts("n slots=1024", "h")[0].slots, 1024);
}

TEST(Hosts, HostListedTwice) {
  EXPECT_EQ(errorOf("node01\nnode01 slots=2\n"), "hosts.txt:2:1: host 'node01' listed twice (first on line 1)");
}

TEST(Hosts, LabelWithoutValue) {
  EXPECT_EQ(errorOf("a\nb\nc\nnode1 rack\n"), "hosts.txt:4:7: 'rack' needs a value (key=value)");
  EXPECT_EQ(errorOf("node1 rack="), "hosts.txt:1:7: 'rack' needs a value (key=value)");
  EXPECT_EQ(errorOf("node1 =a"), "hosts.txt:1:7: '=a' has no key (key=value)");
}

TEST(Hosts, KeyGivenTwice) {
  EXPECT_EQ(errorOf("n rack=a rack=b"), "hosts.txt:1:10: 'rack' given twice for host 'n'");
  EXPECT_EQ(errorOf("n slots=1 slots=2"), "hosts.txt:1:11: 'slots' given twice for host 'n'");
}

TEST(Hosts, LineMustStartWithAHostName) {
  EXPECT_EQ(errorOf("  slots=2"),
            "hosts.txt:1:3: 'slots=2' is not a host name (a line starts with the host name; no '=', quotes, or leading "
            "'-')");
  EXPECT_NE(errorOf("-oProxyCommand=x").find("hosts.txt:1:1:"), std::string::npos);
}

TEST(Hosts, EmptyInputHasNoHosts) {
  EXPECT_EQ(errorOf(""), "hosts.txt: no hosts");
  EXPECT_EQ(errorOf("# only a comment\n\n"), "hosts.txt: no hosts");
}

TEST(Hosts, FileIsReadAndNamedInErrors) {
  const auto dir = std::filesystem::temp_directory_path() / ("fabcheck-hosts-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "hosts.txt").string();
  std::ofstream(path) << "node01 slots=2\nnode02 slots=y\n";
  try {
    parseHostsFile(path);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":2:8: slots 'y' is not a whole number from 1 to 1024");
  }
  std::ofstream(path) << "node01 slots=2\n";
  EXPECT_EQ(totalSlots(parseHostsFile(path)), 2);
  std::filesystem::remove_all(dir);
  try {
    parseHostsFile(path);
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("hosts file '" + path + "': cannot read"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fabcheck::launch

// Hosts files: which hosts a run uses, how many agents each takes, and labels to select on.
//
// Format, one host per line:
//   node01 slots=2 rack=a leaf=3
//   node02            # comment
// `slots=N` (default 1) is the number of agents on the host; any other key=value is a label.
// Blank lines and `#` comments are ignored. Names are as the user's ssh config knows them.
// Errors name file:line:col and what was expected.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace fabcheck::launch {

struct HostEntry {
  std::string name;
  int slots = 1;
  std::map<std::string, std::string> labels;
};

std::vector<HostEntry> parseHostsFile(const std::string& path);                       // throws ConfigError
std::vector<HostEntry> parseHosts(const std::string& text, const std::string& where);  // `where` = file name for messages
int totalSlots(const std::vector<HostEntry>& hosts);

}  // namespace fabcheck::launch

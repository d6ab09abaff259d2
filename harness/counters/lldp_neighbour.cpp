#include "harness/counters/lldp_neighbour.h"

#include <dirent.h>
#include <sys/stat.h>

#include <cstdlib>

#include <nlohmann/json.hpp>

namespace fabcheck::counters {

using nlohmann::json;

namespace {

// json0 wraps every value as [{"value": X}, ...]: the first X that is a string, else "".
std::string firstValue(const json& parent, const char* key) {
  const auto it = parent.find(key);
  if (it == parent.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return "";
  const auto v = (*it)[0].find("value");
  return v != (*it)[0].end() && v->is_string() ? v->get<std::string>() : "";
}

// The first element of a json0 array member, or an empty object.
const json& firstOf(const json& parent, const char* key) {
  static const json kEmpty = json::object();
  const auto it = parent.find(key);
  if (it == parent.end() || !it->is_array() || it->empty() || !(*it)[0].is_object()) return kEmpty;
  return (*it)[0];
}

// The port's name: its id when the id is a name (ifname, local), else its description.
std::string portName(const json& port) {
  const json& id = firstOf(port, "id");
  const std::string type = id.value("type", std::string());
  if ((type == "ifname" || type == "local") && id.contains("value") && id["value"].is_string()) {
    const std::string v = id["value"].get<std::string>();
    if (!v.empty()) return v;
  }
  return firstValue(port, "descr");
}

void addInterface(const json& entry, LldpParse& out) {
  const std::string name = entry.value("name", std::string());
  const json& chassis = firstOf(entry, "chassis");
  LldpNeighbour n{name, firstValue(chassis, "name"), portName(firstOf(entry, "port"))};
  if (n.switch_name.empty()) {
    out.notes.push_back("the neighbour on " + name + " sends no system name (chassis id '" +
                        firstOf(chassis, "id").value("value", std::string()) + "')");
  } else if (n.port.empty()) {
    out.notes.push_back("the neighbour " + n.switch_name + " on " + name + " names no port");
  } else {
    out.neighbours.push_back(std::move(n));
  }
}

}  // namespace

LldpParse parseLldpNeighbours(std::string_view text) {
  LldpParse out;
  const json doc = json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded() || !doc.is_object() || !doc.contains("lldp") || !doc["lldp"].is_array()) {
    out.error = "not lldpcli json0 output: expected an object with an \"lldp\" array";
    return out;
  }
  for (const json& l : doc["lldp"]) {
    if (!l.is_object() || !l.contains("interface")) continue;  // no neighbours
    if (!l["interface"].is_array()) {
      out.error = "not lldpcli json0 output: \"interface\" is not an array (the -f json shape?)";
      return out;
    }
    for (const json& entry : l["interface"]) {
      if (entry.is_object()) addInterface(entry, out);
    }
  }
  return out;
}

LldpLookup neighbourOn(const LldpParse& parse, const std::string& interface) {
  LldpLookup out;
  if (!parse.error.empty()) {
    out.reason = parse.error;
    return out;
  }
  for (const auto& n : parse.neighbours) {
    if (n.interface == interface) {
      out.neighbour = n;
      return out;
    }
  }
  for (const auto& note : parse.notes) {
    if (note.find(" on " + interface) != std::string::npos) {
      out.reason = note;
      return out;
    }
  }
  out.reason = "lldpd has no LLDP neighbour on " + interface;
  return out;
}

LldpLookup readLldpNeighbour(const LldpOptions& o, process::CommandRunner& runner) {
  LldpLookup out;
  if (o.interface.empty()) {
    out.reason = "no data interface to look up";
    return out;
  }
  std::vector<std::string> argv{o.program};
  if (!o.socket.empty()) argv.insert(argv.end(), {"-u", o.socket});
  argv.insert(argv.end(), {"-f", "json0", "show", "neighbors"});
  const process::CommandResult r = runner.run(argv, o.timeout_ns);
  const std::string where = o.socket.empty() ? "" : " (socket " + o.socket + ")";
  if (r.not_found) {
    out.reason = o.program + " is not installed (Debian package lldpd)";
  } else if (!r.ok()) {
    std::string why = r.why();  // lldpcli's log line: "2026-12-02T18:19:02 [WARN/control] unable to ..."
    if (const auto at = why.find("] "); at != std::string::npos && why.find('[') < at) why = why.substr(at + 2);
    out.reason = process::commandText(argv) + ": " + why + where;
  } else {
    out = neighbourOn(parseLldpNeighbours(r.out), o.interface);
    if (!out.neighbour) out.reason += where;
  }
  return out;
}

std::string currentNetnsName() {
  struct stat self {};
  if (::stat("/proc/self/ns/net", &self) != 0) return "";
  DIR* d = ::opendir("/run/netns");
  if (d == nullptr) return "";
  std::string found;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::stat(("/run/netns/" + name).c_str(), &st) == 0 && st.st_dev == self.st_dev && st.st_ino == self.st_ino) {
      found = name;
      break;
    }
  }
  ::closedir(d);
  return found;
}

std::string lldpSocketFromEnvironment() {
  const char* v = std::getenv("FABCHECK_LLDP_SOCKET");
  if (v == nullptr || *v == '\0') return "";
  std::string s = v;
  const std::string key = "{netns}";
  if (const auto at = s.find(key); at != std::string::npos) s.replace(at, key.size(), currentNetnsName());
  return s;
}

}  // namespace fabcheck::counters

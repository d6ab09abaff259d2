// Internal to the suite loader (suite_loader.cpp, site_loader.cpp): one YAML file's text into
// its one document, refusing what yaml-cpp would accept but fabcheck would then lose or mangle.
//
// Contract: loadYamlDocument() returns the document's root node, or nullopt with at least one
// Diagnostic appended to `diags` (loading of other files goes on). It refuses:
// - a text over kMaxYamlFileBytes ("file:1:1: the file is 52428800 bytes; a fabcheck YAML file
//   may be at most 4194304 bytes (4 MiB): split it"), before parsing: yaml-cpp's node tree
//   costs ~30 bytes of memory and ~0.3 us per byte of text (a 50 MB suite took 1.6 GB, 30 s);
// - a YAML syntax error ("file:line:col: YAML syntax: ...");
// - a document that yaml-cpp cannot start (a leading ','): "file:line:col: YAML syntax: ...";
// - a second, non-empty document after '---' or '...' (yaml-cpp would silently drop it):
//   "file:line:1: a second YAML document starts here; a fabcheck file holds one document";
// - a key or value that is not valid UTF-8, one diagnostic per string (at most 20), naming
//   the field: "file:line:col: tests[0].name: byte 0xff at offset 3 is not UTF-8; expected UTF-8 text".
// An empty text (or a comment only) returns a null node. Never throws.
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <string>
#include <vector>

#include "harness/suite/suite_loader.h"

namespace fabcheck::suite::detail {

inline constexpr size_t kMaxYamlFileBytes = 4u << 20;

// The file's text, at most kMaxYamlFileBytes + 1 bytes of it (enough for loadYamlDocument to
// refuse a longer one without reading it all); nullopt when it cannot be opened or read, with
// `why` set to the system's reason ("No such file or directory") for the caller's message.
std::optional<std::string> readYamlFile(const std::string& path, std::string& why);

std::optional<YAML::Node> loadYamlDocument(const std::string& text, const std::string& file,
                                           std::vector<Diagnostic>& diags);

}  // namespace fabcheck::suite::detail

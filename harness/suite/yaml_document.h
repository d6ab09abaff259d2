// Internal to the suite loader (suite_loader.cpp, site_loader.cpp): one YAML file's text into
// its one document, refusing what yaml-cpp would accept but fabcheck would then lose or mangle.
//
// Contract: loadYamlDocument() returns the document's root node, or nullopt with at least one
// Diagnostic appended to `diags` (loading of other files goes on). It refuses:
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

std::optional<YAML::Node> loadYamlDocument(const std::string& text, const std::string& file,
                                           std::vector<Diagnostic>& diags);

}  // namespace fabcheck::suite::detail

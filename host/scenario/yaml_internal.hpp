// Internal to host/scenario: the YAML-level entry points shared by scenario.cpp and sweep.cpp.
#pragma once
#include <yaml-cpp/yaml.h>

#include <string>

#include "scenario/scenario.hpp"

namespace mc {

/// Resolve a parsed scenario mapping (no sweep block) into a Scenario; throws InputError.
Scenario resolve_scenario_node(const YAML::Node& root, const std::string& file);

namespace yaml_detail {
YAML::Node parse_text(const std::string& text, const std::string& file);  ///< with the tab check
std::string read_file(const std::string& path, const std::string& what);  ///< size-limited
SourceMark mark(const YAML::Node& n, const std::string& file);
std::string describe(const YAML::Node& n);  ///< "a mapping", "a list", "'text'"
}  // namespace yaml_detail

}  // namespace mc

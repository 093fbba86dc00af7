// Every scenario key, typed and documented in one place (DESIGN.md decision 6). The loader validates against
// it, `memcarlo schema` prints the reference and the JSON Schema from it, and tests check the shipped copies.
#pragma once
#include <string>
#include <vector>

#include "scenario/units.hpp"

namespace mc {

enum class KeyKind {
  kInteger,   ///< whole number (a count); accepts 1e7 and "1e7"
  kNumber,    ///< real number, optionally with a unit of `dim`
  kEnum,      ///< one of `choices`
  kString,
  kTable,     ///< list of [x, y] pairs, up to 16, x increasing
  kIntList,   ///< list of whole numbers
};

struct KeySpec {
  std::string path;     ///< dotted, e.g. "device.lrs.median_k"
  KeyKind kind;
  Dimension dim;        ///< unit dimension of a number (or of a table's y, with dim_x for x)
  Dimension dim_x;
  std::string default_text;  ///< as a user would write it; "" = required or none
  double min, max;           ///< inclusive range in internal units
  std::vector<std::string> choices;
  std::string unit_note;     ///< for dimensionless coefficients with a physical meaning, e.g. "uS/uA"
  std::string doc;
};

/// Key constructors for schema sections (the common keys here, each workload's in its own folder).
KeySpec num_key(std::string path, Dimension dim, std::string def, double lo, double hi, std::string doc, std::string note = "");
KeySpec integer_key(std::string path, std::string def, double lo, double hi, std::string doc);
KeySpec choice_key(std::string path, std::vector<std::string> choices, std::string def, std::string doc);
KeySpec text_key(std::string path, std::string def, std::string doc);
KeySpec table_key(std::string path, Dimension dx, Dimension dy, std::string doc);
KeySpec int_list_key(std::string path, double lo, double hi, std::string doc);

/// All keys (the common ones, then each registered workload's section), in documentation order.
const std::vector<KeySpec>& scenario_schema();
/// The spec of a full dotted path, or nullptr.
const KeySpec* find_key(const std::string& path);
/// True when `path` is a section (a prefix of some key).
bool is_section(const std::string& path);
/// The direct children (last path component) of a section ("" = top level).
std::vector<std::string> section_children(const std::string& section);

/// The reference documentation (Markdown) and the JSON Schema (for yaml-language-server), generated.
std::string schema_markdown();
std::string schema_json();

}  // namespace mc

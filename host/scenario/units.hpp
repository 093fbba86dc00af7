// Physical quantities in scenarios: "50 uS", "100uA", "1.2 V", "25 pJ", "1 us", "10 kOhm", "1e7".
// Each dimension has one internal unit, the one the kernels use: µS, µA, V, s, pJ, and plain counts.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace mc {

enum class Dimension { kNone, kConductance, kCurrent, kVoltage, kTime, kEnergy };

/// Internal unit of a dimension, for messages and docs ("uS", "uA", "V", "s", "pJ", "").
const char* internal_unit(Dimension d);
/// The units accepted for a dimension, for messages and docs.
const char* accepted_units(Dimension d);
/// Every unit name of a dimension, the µ spellings included (JSON Schema patterns).
std::vector<std::string> unit_names(Dimension d);
/// Name of a dimension ("a conductance", ...).
const char* dimension_name(Dimension d);

/// Parse a number with an optional unit into the dimension's internal unit. Returns nullopt and sets `why`
/// when the text is not a number, the unit is unknown, or it belongs to another dimension.
std::optional<double> parse_quantity(const std::string& text, Dimension d, std::string* why);

}  // namespace mc

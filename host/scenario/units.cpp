#include "scenario/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <map>

namespace mc {

namespace {
struct UnitDef {
  Dimension dim;
  double scale;         // internal units per unit
  bool reciprocal;      // resistance given for a conductance: value_internal = scale / value
};

const std::map<std::string, UnitDef>& unit_table() {
  static const std::map<std::string, UnitDef> t = {
      {"S", {Dimension::kConductance, 1e6, false}},   {"mS", {Dimension::kConductance, 1e3, false}},
      {"uS", {Dimension::kConductance, 1.0, false}},  {"µS", {Dimension::kConductance, 1.0, false}},
      {"nS", {Dimension::kConductance, 1e-3, false}}, {"Ohm", {Dimension::kConductance, 1e6, true}},
      {"kOhm", {Dimension::kConductance, 1e3, true}}, {"MOhm", {Dimension::kConductance, 1.0, true}},
      {"A", {Dimension::kCurrent, 1e6, false}},       {"mA", {Dimension::kCurrent, 1e3, false}},
      {"uA", {Dimension::kCurrent, 1.0, false}},      {"µA", {Dimension::kCurrent, 1.0, false}},
      {"nA", {Dimension::kCurrent, 1e-3, false}},     {"V", {Dimension::kVoltage, 1.0, false}},
      {"mV", {Dimension::kVoltage, 1e-3, false}},     {"s", {Dimension::kTime, 1.0, false}},
      {"ms", {Dimension::kTime, 1e-3, false}},        {"us", {Dimension::kTime, 1e-6, false}},
      {"µs", {Dimension::kTime, 1e-6, false}},        {"ns", {Dimension::kTime, 1e-9, false}},
      {"J", {Dimension::kEnergy, 1e12, false}},       {"mJ", {Dimension::kEnergy, 1e9, false}},
      {"uJ", {Dimension::kEnergy, 1e6, false}},       {"µJ", {Dimension::kEnergy, 1e6, false}},
      {"nJ", {Dimension::kEnergy, 1e3, false}},       {"pJ", {Dimension::kEnergy, 1.0, false}},
      {"fJ", {Dimension::kEnergy, 1e-3, false}},
  };
  return t;
}
}  // namespace

const char* internal_unit(Dimension d) {
  switch (d) {
    case Dimension::kConductance: return "uS";
    case Dimension::kCurrent: return "uA";
    case Dimension::kVoltage: return "V";
    case Dimension::kTime: return "s";
    case Dimension::kEnergy: return "pJ";
    default: return "";
  }
}

const char* accepted_units(Dimension d) {
  switch (d) {
    case Dimension::kConductance: return "S, mS, uS, nS, or a resistance in Ohm, kOhm, MOhm";
    case Dimension::kCurrent: return "A, mA, uA, nA";
    case Dimension::kVoltage: return "V, mV";
    case Dimension::kTime: return "s, ms, us, ns";
    case Dimension::kEnergy: return "J, mJ, uJ, nJ, pJ, fJ";
    default: return "no unit";
  }
}

const char* dimension_name(Dimension d) {
  switch (d) {
    case Dimension::kConductance: return "a conductance";
    case Dimension::kCurrent: return "a current";
    case Dimension::kVoltage: return "a voltage";
    case Dimension::kTime: return "a time";
    case Dimension::kEnergy: return "an energy";
    default: return "a plain number";
  }
}

std::optional<double> parse_quantity(const std::string& text, Dimension d, std::string* why) {
  const char* s = text.c_str();
  while (std::isspace(static_cast<unsigned char>(*s))) ++s;
  char* end = nullptr;
  const double v = std::strtod(s, &end);
  if (end == s || !std::isfinite(v)) {
    *why = "'" + text + "' is not a number";
    return std::nullopt;
  }
  std::string unit(end);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.front()))) unit.erase(unit.begin());
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back()))) unit.pop_back();
  if (unit.empty()) return v;  // a bare number is in the internal unit
  const auto it = unit_table().find(unit);
  if (it == unit_table().end()) {
    *why = "unknown unit '" + unit + "' in '" + text + "' (" + dimension_name(d) + " takes " + accepted_units(d) + ")";
    return std::nullopt;
  }
  if (it->second.dim != d) {
    *why = "'" + text + "' is " + dimension_name(it->second.dim) + ", expected " + dimension_name(d) + " (" +
           accepted_units(d) + ")";
    return std::nullopt;
  }
  if (it->second.reciprocal) {
    if (v <= 0) {
      *why = "a resistance must be positive, got '" + text + "'";
      return std::nullopt;
    }
    return it->second.scale / v;
  }
  return v * it->second.scale;
}

}  // namespace mc

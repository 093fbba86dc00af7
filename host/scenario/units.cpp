#include "scenario/units.hpp"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace mc {

namespace {
/// Every unit a scenario may write, once: name, dimension, internal units per unit, whether it is a resistance
/// given for a conductance, and whether messages list it (the µ spellings, micro sign U+00B5 and Greek mu U+03BC
/// alike, are accepted, not listed).
struct UnitDef {
  const char* name;
  Dimension dim;
  double scale;
  bool reciprocal;
  bool listed;
};

constexpr UnitDef kUnits[] = {
    {"S", Dimension::kConductance, 1e6, false, true},   {"mS", Dimension::kConductance, 1e3, false, true},
    {"uS", Dimension::kConductance, 1.0, false, true},  {"µS", Dimension::kConductance, 1.0, false, false},
    {"\u03bcS", Dimension::kConductance, 1.0, false, false},
    {"nS", Dimension::kConductance, 1e-3, false, true}, {"Ohm", Dimension::kConductance, 1e6, true, true},
    {"kOhm", Dimension::kConductance, 1e3, true, true}, {"MOhm", Dimension::kConductance, 1.0, true, true},
    {"A", Dimension::kCurrent, 1e6, false, true},       {"mA", Dimension::kCurrent, 1e3, false, true},
    {"uA", Dimension::kCurrent, 1.0, false, true},      {"µA", Dimension::kCurrent, 1.0, false, false},
    {"\u03bcA", Dimension::kCurrent, 1.0, false, false},
    {"nA", Dimension::kCurrent, 1e-3, false, true},     {"V", Dimension::kVoltage, 1.0, false, true},
    {"mV", Dimension::kVoltage, 1e-3, false, true},     {"s", Dimension::kTime, 1.0, false, true},
    {"ms", Dimension::kTime, 1e-3, false, true},        {"us", Dimension::kTime, 1e-6, false, true},
    {"µs", Dimension::kTime, 1e-6, false, false},       {"\u03bcs", Dimension::kTime, 1e-6, false, false},
    {"ns", Dimension::kTime, 1e-9, false, true},
    {"J", Dimension::kEnergy, 1e12, false, true},       {"mJ", Dimension::kEnergy, 1e9, false, true},
    {"uJ", Dimension::kEnergy, 1e6, false, true},       {"µJ", Dimension::kEnergy, 1e6, false, false},
    {"\u03bcJ", Dimension::kEnergy, 1e6, false, false},
    {"nJ", Dimension::kEnergy, 1e3, false, true},       {"pJ", Dimension::kEnergy, 1.0, false, true},
    {"fJ", Dimension::kEnergy, 1e-3, false, true},
};

const UnitDef* find_unit(const std::string& name) {
  for (const UnitDef& u : kUnits)
    if (name == u.name) return &u;
  return nullptr;
}

constexpr Dimension kDimensions[] = {Dimension::kNone, Dimension::kConductance, Dimension::kCurrent, Dimension::kVoltage,
                                     Dimension::kTime, Dimension::kEnergy};

/// "S, mS, uS, nS, or a resistance in Ohm, kOhm, MOhm" from the table.
std::string listed_units(Dimension d) {
  std::string plain, reciprocal;
  for (const UnitDef& u : kUnits) {
    if (u.dim != d || !u.listed) continue;
    std::string& list = u.reciprocal ? reciprocal : plain;
    list += (list.empty() ? "" : ", ") + std::string(u.name);
  }
  if (plain.empty()) return "no unit";
  return reciprocal.empty() ? plain : plain + ", or a resistance in " + reciprocal;
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
  static const std::vector<std::string> text = [] {
    std::vector<std::string> t;
    for (Dimension x : kDimensions) t.push_back(listed_units(x));
    return t;
  }();
  return text[static_cast<std::size_t>(d)].c_str();
}

std::vector<std::string> unit_names(Dimension d) {
  std::vector<std::string> out;
  for (const UnitDef& u : kUnits)
    if (u.dim == d) out.push_back(u.name);
  return out;
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
  const UnitDef* it = find_unit(unit);
  if (!it) {
    *why = "unknown unit '" + unit + "' in '" + text + "' (" + dimension_name(d) + " takes " + accepted_units(d) + ")";
    return std::nullopt;
  }
  if (it->dim != d) {
    *why = "'" + text + "' is " + dimension_name(it->dim) + ", expected " + dimension_name(d) + " (" +
           accepted_units(d) + ")";
    return std::nullopt;
  }
  if (it->reciprocal) {
    if (v <= 0) {
      *why = "a resistance must be positive, got '" + text + "'";
      return std::nullopt;
    }
    return it->scale / v;
  }
  return v * it->scale;
}

}  // namespace mc

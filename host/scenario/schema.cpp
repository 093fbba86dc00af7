#include "scenario/schema.hpp"

#include <cmath>
#include <limits>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <cstdio>
#include <sstream>

#include "workloads/workload.hpp"

namespace mc {

KeySpec num_key(std::string path, Dimension dim, std::string def, double lo, double hi, std::string doc, std::string note) {
  return KeySpec{std::move(path), KeyKind::kNumber, dim, Dimension::kNone, std::move(def), lo, hi, {}, std::move(note), std::move(doc)};
}
KeySpec integer_key(std::string path, std::string def, double lo, double hi, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kInteger, Dimension::kNone, Dimension::kNone, std::move(def), lo, hi, {}, "", std::move(doc)};
}
KeySpec choice_key(std::string path, std::vector<std::string> choices, std::string def, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kEnum, Dimension::kNone, Dimension::kNone, std::move(def), 0, 0, std::move(choices), "", std::move(doc)};
}
KeySpec text_key(std::string path, std::string def, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kString, Dimension::kNone, Dimension::kNone, std::move(def), 0, 0, {}, "", std::move(doc)};
}
KeySpec table_key(std::string path, Dimension dx, Dimension dy, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kTable, dy, dx, "", 0, std::numeric_limits<double>::infinity(), {}, "", std::move(doc)};
}
KeySpec int_list_key(std::string path, double lo, double hi, std::string doc) {
  return KeySpec{std::move(path), KeyKind::kIntList, Dimension::kNone, Dimension::kNone, "", lo, hi, {}, "", std::move(doc)};
}


namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
using D = Dimension;

/// "What to simulate: <first>, <second>, ..., or <last>." from the registered workloads' descriptions.
std::string workload_doc() {
  std::string doc = "What to simulate: ";
  const auto& all = workloads();
  for (std::size_t i = 0; i < all.size(); ++i)
    doc += std::string(i == 0 ? "" : i + 1 == all.size() ? ", or " : ", ") + all[i]->description();
  return doc + ".";
}

std::vector<KeySpec> build() {
  std::vector<KeySpec> keys = {
      text_key("name", "", "Free-form name of the scenario, echoed into outputs."),
      choice_key("workload", workload_names(), workload_names().front(), workload_doc()),
      integer_key("seed", "1", 0, 4294967295.0, "Seed of the point: the first word of every Philox key (32 bits)."),
      text_key("device.preset", "", "Device preset by name, found in devices/ or configs/devices/ beside the scenario (or above it), then in the folders of MC_PRESET_PATH, then among the shipped presets (docs/installing.md); or a path to a .yaml file relative to the scenario file (`memcarlo fit` writes one). Keys below override it."),
      choice_key("device.lrs.median_law", {"linear", "power", "table"}, "linear",
             "LRS median vs SET compliance: linear k*I, power k*I^p, or a measured table."),
      num_key("device.lrs.median_k", Dimension::kNone, "1.5", 1e-6, 1e6, "Coefficient k of the median law.", "uS/uA (power: uS/uA^p)"),
      num_key("device.lrs.median_p", Dimension::kNone, "1", 0.05, 10, "Exponent p of the power median law."),
      table_key("device.lrs.median_table", Dimension::kCurrent, Dimension::kConductance,
            "Measured [compliance, median conductance] points for median_law: table; increasing."),
      choice_key("device.lrs.sigma_law", {"sqrt", "power", "relative", "table"}, "sqrt",
             "Cycle-to-cycle sigma vs median G: sqrt a*sqrt(G*1uS), power a*G^p, relative a*G, or a table [Dalgaty 2021]."),
      num_key("device.lrs.sigma_a", Dimension::kNone, "1", 0, 1e6, "Coefficient a of the sigma law.", "sqrt: uS^0.5; relative: fraction"),
      num_key("device.lrs.sigma_p", Dimension::kNone, "0.5", 0, 2, "Exponent p of the power sigma law."),
      table_key("device.lrs.sigma_table", Dimension::kConductance, Dimension::kConductance, "Measured [median G, sigma] points for sigma_law: table."),
      num_key("device.lrs.d2d_sigma_ln", Dimension::kNone, "0.05", 0, 2, "Device-to-device log-normal sigma of the LRS median."),
      num_key("device.g_min", Dimension::kConductance, "0.01 uS", 0, 1e7, "Lowest conductance a write can leave."),
      num_key("device.g_max", Dimension::kConductance, "1000 uS", 1e-6, 1e7, "Highest conductance a write can leave."),
      num_key("device.hrs.median", Dimension::kConductance, "2 uS", 1e-6, 1e7, "Median HRS conductance after RESET."),
      num_key("device.hrs.sigma_ln", Dimension::kNone, "0.6", 0, 5, "Cycle-to-cycle sigma of ln G in HRS."),
      num_key("device.hrs.d2d_sigma_ln", Dimension::kNone, "0.3", 0, 5, "Device-to-device sigma of ln of the HRS median."),
      choice_key("device.read.noise", {"none", "gaussian", "laplace"}, "gaussian",
             "Read noise: none, Gaussian relative, or Laplace with the measured b(I) profile [Lin et al. 2023]."),
      num_key("device.read.sigma_rel", Dimension::kNone, "0.01", 0, 1, "Gaussian read noise sigma as a fraction of G."),
      num_key("device.read.voltage", Dimension::kVoltage, "0.1 V", 1e-4, 10, "Read voltage (read current I = G*V)."),
      num_key("device.read.width", Dimension::kTime, "100 ns", 0, 1, "Read pulse width (read energy V^2*G*t)."),
      num_key("device.read.laplace_c0", Dimension::kNone, "0.0141", -1e3, 1e3, "Laplace scale b(I) = c0 + c1*I + c2*I^2, constant term.", "uA"),
      num_key("device.read.laplace_c1", Dimension::kNone, "0.0324", -1e3, 1e3, "Laplace b(I) linear coefficient.", "uA/uA"),
      num_key("device.read.laplace_c2", Dimension::kNone, "-0.0058", -1e3, 1e3, "Laplace b(I) quadratic coefficient.", "1/uA"),
      num_key("device.read.laplace_i_min", Dimension::kCurrent, "0.4 uA", 0, 1e6, "Lower end of the measured b(I) range (I is clamped into it)."),
      num_key("device.read.laplace_i_max", Dimension::kCurrent, "4 uA", 0, 1e6, "Upper end of the measured b(I) range."),
      num_key("device.wear.weibull_shape", Dimension::kNone, "1.5", 0.05, 20, "Weibull shape k of the per-device lifetime."),
      num_key("device.wear.weibull_scale", Dimension::kNone, "1e8", 1, 1e15, "Weibull scale (cycles) of the per-device lifetime.", "cycles"),
      num_key("device.wear.closure_onset", Dimension::kNone, "0.5", 0, 0.999, "Fraction of its lifetime after which a device's window starts closing."),
      num_key("device.wear.closure_lrs_drop", Dimension::kNone, "0.3", 0, 0.99, "Fractional drop of the LRS median at end of life."),
      num_key("device.wear.closure_hrs_rise", Dimension::kNone, "1.0", 0, 100, "Fractional rise of the HRS median at end of life."),
      num_key("device.wear.closure_spread_growth", Dimension::kNone, "1.0", 0, 100, "Fractional growth of every c2c sigma at end of life."),
      num_key("device.wear.stuck_lrs_probability", Dimension::kNone, "0.5", 0, 1, "A worn-out device is stuck in LRS with this probability, else in HRS."),
      num_key("device.forming.failure_fraction", Dimension::kNone, "0", 0, 1, "Fraction of devices that never form [Merrikh-Bayat 2018: 0.01-0.025]."),
      num_key("device.forming.stuck_min", Dimension::kConductance, "10 uS", 0, 1e7, "Unformed devices are stuck uniformly in [stuck_min, stuck_max]."),
      num_key("device.forming.stuck_max", Dimension::kConductance, "100 uS", 0, 1e7, "Upper end of the unformed devices' conductance."),
      num_key("device.pulse.set_voltage", Dimension::kVoltage, "1.5 V", 0, 100, "SET pulse voltage (SET energy V*I_c*t)."),
      num_key("device.pulse.reset_voltage", Dimension::kVoltage, "2.5 V", 0, 100, "RESET pulse voltage."),
      num_key("device.pulse.reset_current", Dimension::kCurrent, "120 uA", 0, 1e6, "RESET current (RESET energy V*I*t)."),
      num_key("device.pulse.width", Dimension::kTime, "1 us", 0, 1, "SET and RESET pulse width."),
      num_key("device.pulse.step_set", Dimension::kConductance, "2 uS", 0, 1e6, "Conductance step of one fixed-amplitude SET pulse at the bottom of the window (g_min); it shrinks as (1 - x)^step_nl_set with x = (G - g_min)/(g_max - g_min)."),
      num_key("device.pulse.step_reset", Dimension::kConductance, "2 uS", 0, 1e6, "Conductance step of one fixed-amplitude RESET pulse at the top of the window (g_max); it shrinks as x^step_nl_reset."),
      num_key("device.pulse.step_nl_set", Dimension::kNone, "0", 0, 20, "Nonlinearity exponent of the SET step (0: the same step in every state)."),
      num_key("device.pulse.step_nl_reset", Dimension::kNone, "0", 0, 20, "Nonlinearity exponent of the RESET step (0: the same step in every state)."),
      num_key("device.pulse.step_d2d_sigma_ln", Dimension::kNone, "0", 0, 5, "Device-to-device log-normal sigma of the step sizes (SET and RESET factors drawn apart)."),
      num_key("device.pulse.step_c2c", Dimension::kNone, "0.3", 0, 10, "Cycle-to-cycle relative sigma of one pulse's step."),
  };
  // Each workload's section, in registry order.
  for (const Workload* w : workloads())
    for (KeySpec& k : w->keys()) keys.push_back(std::move(k));
  return keys;
}
}  // namespace

const std::vector<KeySpec>& scenario_schema() {
  static const std::vector<KeySpec> s = build();
  return s;
}

const KeySpec* find_key(const std::string& path) {
  for (const KeySpec& k : scenario_schema())
    if (k.path == path) return &k;
  return nullptr;
}

bool is_section(const std::string& path) {
  for (const KeySpec& k : scenario_schema())
    if (k.path.size() > path.size() && k.path.compare(0, path.size(), path) == 0 && k.path[path.size()] == '.') return true;
  return false;
}

std::vector<std::string> section_children(const std::string& section) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  const std::string prefix = section.empty() ? "" : section + ".";
  for (const KeySpec& k : scenario_schema()) {
    if (k.path.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string rest = k.path.substr(prefix.size());
    const std::string child = rest.substr(0, rest.find('.'));
    if (seen.insert(child).second) out.push_back(child);
  }
  return out;
}

namespace {
std::string kind_text(const KeySpec& k) {
  switch (k.kind) {
    case KeyKind::kInteger: return "integer";
    case KeyKind::kNumber: return k.dim == D::kNone ? "number" : std::string("quantity (") + dimension_name(k.dim) + ")";
    case KeyKind::kEnum: {
      std::string s = "one of";
      for (const auto& c : k.choices) s += " `" + c + "`";
      return s;
    }
    case KeyKind::kString: return "string";
    case KeyKind::kTable: return std::string("table of [") + internal_unit(k.dim_x) + ", " + internal_unit(k.dim) + "] pairs";
    case KeyKind::kIntList: return "list of integers";
  }
  return "";
}

std::string range_text(const KeySpec& k) {
  if (k.kind != KeyKind::kNumber && k.kind != KeyKind::kInteger && k.kind != KeyKind::kIntList) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g .. %.10g", k.min, k.max);
  return buf;
}
}  // namespace

std::string schema_markdown() {
  std::ostringstream o;
  o << "# Scenario reference\n\n"
       "Generated by `memcarlo schema --markdown` from host/scenario/schema.cpp; a test keeps this file in step.\n"
       "Quantities take a unit (`\"50 uS\"`, `\"100uA\"`, `\"1.2 V\"`, `\"1 us\"`, `\"25 pJ\"`, `\"10 kOhm\"`); a bare number is in\n"
       "the internal unit shown. Ranges are inclusive, in internal units. Unknown or duplicate keys are errors.\n\n"
       "Any scenario may add a `sweep:` block over any key below, by its dotted path; `memcarlo run` expands it into\n"
       "points (the cartesian product of `points` x each `grid` axis x the `zip` group; the last axis varies fastest):\n\n"
       "```yaml\nsweep:\n  grid:\n    endurance.compliance: [\"30 uA\", \"60 uA\"]\n"
       "    device.hrs.median: {logspace: [\"1 uS\", \"10 uS\", 5]}   # or {linspace: [start, stop, count]}\n"
       "  zip:                                                   # equal-length lists, varied together\n"
       "    device.wear.weibull_scale: [1e6, 1e8]\n    device.wear.weibull_shape: [1.5, 2]\n"
       "  points:                                                # explicit points\n"
       "    - {endurance.read_threshold: 15 uS}\n```\n\n"
       "A point's seed derives from `seed` and the point's resolved parameters (so it is stable when the sweep grows);\n"
       "sweeping `seed` itself sets it. With `seeds: shared` in the sweep block every point runs on `seed` itself: one\n"
       "device population for all points (common random numbers), so a sweep over a read threshold or a protocol\n"
       "compares the same devices. `device.preset` and `workload` cannot be swept. `point_files: false` in the sweep\n"
       "block keeps only results.csv rows and the manifest (as `memcarlo run --no-point-files`). Adding values and\n"
       "rerunning into the same folder runs only the new points (docs/results.md).\n\n"
       "| key | type | unit | default | range | meaning |\n|---|---|---|---|---|---|\n";
  for (const KeySpec& k : scenario_schema()) {
    std::string unit = k.dim != D::kNone ? internal_unit(k.dim) : k.unit_note;
    o << "| `" << k.path << "` | " << kind_text(k) << " | " << unit << " | " << (k.default_text.empty() ? "" : "`" + k.default_text + "`")
      << " | " << range_text(k) << " | " << k.doc << " |\n";
  }
  return o.str();
}

namespace {
/// A JSON Schema pattern for a number written as a string, with an optional unit of dimension d.
std::string number_pattern(Dimension d) {
  const std::string num = R"(\s*[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?)";
  std::string units;
  for (const std::string& u : unit_names(d)) units += (units.empty() ? "" : "|") + u;
  return "^" + num + (units.empty() ? "" : "\\s*(" + units + ")?") + "\\s*$";
}
}  // namespace

std::string schema_json() {
  using nlohmann::ordered_json;
  ordered_json root = {{"$schema", "http://json-schema.org/draft-07/schema#"},
                       {"title", "memcarlo scenario"},
                       {"description", "Generated by `memcarlo schema --json` from host/scenario/schema.cpp."},
                       {"type", "object"}};
  // Build nested objects section by section.
  std::map<std::string, ordered_json> sections;
  std::function<ordered_json(const std::string&)> build_section = [&](const std::string& section) {
    ordered_json obj = {{"type", "object"}, {"additionalProperties", false}, {"properties", ordered_json::object()}};
    for (const std::string& child : section_children(section)) {
      const std::string path = section.empty() ? child : section + "." + child;
      if (const KeySpec* k = find_key(path)) {
        ordered_json p = {{"description", k->doc}};
        switch (k->kind) {
          case KeyKind::kInteger:
          case KeyKind::kNumber:
            p["anyOf"] = {{{"type", "number"}}, {{"type", "string"}, {"pattern", number_pattern(k->dim)}}};
            break;
          case KeyKind::kEnum:
            // A boolean key (choices true and false): YAML's true/false are booleans, not strings.
            if (k->choices == std::vector<std::string>{"true", "false"}) p["type"] = "boolean";
            else p["enum"] = k->choices;
            break;
          case KeyKind::kString: p["type"] = "string"; break;
          case KeyKind::kTable:
            p["type"] = "array";
            p["maxItems"] = 16;
            p["items"] = {{"type", "array"}, {"minItems", 2}, {"maxItems", 2}, {"items", {{"type", {"number", "string"}}}}};
            break;
          case KeyKind::kIntList:
            p["type"] = "array";
            p["items"] = {{"anyOf", {{{"type", "number"}}, {{"type", "string"}, {"pattern", number_pattern(D::kNone)}}}}};
            break;
        }
        if (!k->default_text.empty()) {
          if (p.contains("type") && p["type"] == "boolean") p["default"] = k->default_text == "true";
          else p["default"] = k->default_text;
        }
        obj["properties"][child] = p;
      } else {
        obj["properties"][child] = build_section(path);
      }
    }
    return obj;
  };
  ordered_json top = build_section("");
  root["additionalProperties"] = false;
  root["properties"] = top["properties"];
  // The sweep block (host/scenario/sweep.hpp): key paths map to value lists or ranges.
  const ordered_json scalar = {{"type", {"number", "string", "boolean"}}};
  const ordered_json range = {{"type", "object"}, {"minProperties", 1}, {"maxProperties", 1}, {"additionalProperties", false},
                              {"properties", {{"linspace", {{"type", "array"}, {"minItems", 3}, {"maxItems", 3}}},
                                              {"logspace", {{"type", "array"}, {"minItems", 3}, {"maxItems", 3}}}}}};
  const ordered_json axes = {{"type", "object"}, {"propertyNames", {{"pattern", "^[a-z_]+(\\.[a-z0-9_]+)*$"}}},
                             {"additionalProperties", {{"anyOf", {{{"type", "array"}, {"minItems", 1}, {"items", scalar}}, range}}}}};
  root["properties"]["sweep"] = {
      {"description", "Expand the scenario into points: grid (cartesian product), zip (parallel lists), points (explicit)."},
      {"type", "object"},
      {"additionalProperties", false},
      {"properties", {{"grid", axes}, {"zip", axes}, {"seeds", {{"enum", {"per_point", "shared"}}}}, {"point_files", {{"type", "boolean"}}},
                      {"points", {{"type", "array"}, {"items", {{"type", "object"}, {"additionalProperties", scalar}}}}}}}};
  root["required"] = {"workload"};
  return root.dump(2) + "\n";
}

}  // namespace mc

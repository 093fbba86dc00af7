#include "scenario/sweep.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>

#include "scenario/schema.hpp"
#include "scenario/yaml_internal.hpp"

namespace mc {

namespace {

struct Axis {
  std::vector<std::string> paths;               // one for a grid axis, several for the zip group
  std::vector<std::vector<std::string>> values;  // values[k][j]: point k of the axis, path j
  std::vector<SourceMark> marks;                 // mark of each path's list (for errors)
};

std::string number_text(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

/// A sweep value list: a YAML list of scalars, or {linspace|logspace: [start, stop, count]}.
std::vector<std::string> axis_values(const YAML::Node& n, const std::string& key, const std::string& where,
                                     const std::string& file) {
  const SourceMark mark = yaml_detail::mark(n, file);
  const KeySpec* spec = find_key(key);
  if (n.IsSequence()) {
    if (n.size() == 0) throw InputError(mark, where, "a sweep axis needs at least one value, got an empty list");
    std::vector<std::string> out;
    for (const auto& v : n) {
      if (!v.IsScalar()) throw InputError(yaml_detail::mark(v, file), where, "expected scalar values, got " + yaml_detail::describe(v));
      out.push_back(v.Scalar());
    }
    return out;
  }
  if (n.IsMap() && n.size() == 1) {
    const std::string form = n.begin()->first.Scalar();
    const YAML::Node args = n.begin()->second;
    if (form != "linspace" && form != "logspace")
      throw InputError(mark, where, "expected a list of values or {linspace|logspace: [start, stop, count]}, got '" + form + "'");
    if (!args.IsSequence() || args.size() != 3)
      throw InputError(mark, where + "." + form, "expected [start, stop, count]");
    if (spec->kind != KeyKind::kNumber && spec->kind != KeyKind::kInteger)
      throw InputError(mark, where + "." + form, "a range needs a numeric key; " + key + " is not");
    std::string why;
    const auto a = parse_quantity(args[0].Scalar(), spec->dim, &why);
    if (!a) throw InputError(yaml_detail::mark(args[0], file), where + "." + form + "[0]", why);
    const auto b = parse_quantity(args[1].Scalar(), spec->dim, &why);
    if (!b) throw InputError(yaml_detail::mark(args[1], file), where + "." + form + "[1]", why);
    const auto c = parse_quantity(args[2].Scalar(), Dimension::kNone, &why);
    if (!c || *c != std::floor(*c) || *c < 1 || *c > static_cast<double>(kMaxSweepPoints))
      throw InputError(yaml_detail::mark(args[2], file), where + "." + form + "[2]",
                       "expected a count of points from 1 to " + std::to_string(kMaxSweepPoints) + ", got '" + args[2].Scalar() + "'" +
                           (c && *c < 1 ? " (a range with zero points is empty)" : c && *c > static_cast<double>(kMaxSweepPoints) ? " (a sweep expands to at most " + std::to_string(kMaxSweepPoints) + " points)" : ""));
    if (form == "logspace" && (*a <= 0 || *b <= 0)) throw InputError(mark, where + ".logspace", "logspace needs positive start and stop");
    const int count = static_cast<int>(*c);
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
      const double f = count == 1 ? 0.0 : static_cast<double>(i) / (count - 1);
      double v = form == "linspace" ? *a + f * (*b - *a) : std::exp(std::log(*a) + f * (std::log(*b) - std::log(*a)));
      if (spec->kind == KeyKind::kInteger) v = std::round(v);
      const std::string text = number_text(v);  // internal units: what a bare number means for this key
      if (out.empty() || out.back() != text) out.push_back(text);  // rounding an integer range may repeat values
    }
    return out;
  }
  throw InputError(mark, where, "expected a list of values or {linspace|logspace: [start, stop, count]}, got " + yaml_detail::describe(n));
}

void check_key(const std::string& key, const SourceMark& mark, const std::string& where) {
  if (key == "device.preset" || key == "workload")
    throw InputError(mark, where, "'" + key + "' cannot be swept (run one scenario per preset or workload)");
  if (find_key(key)) {
    if (find_key(key)->kind == KeyKind::kTable || find_key(key)->kind == KeyKind::kIntList)
      throw InputError(mark, where, "'" + key + "' is a list-valued key and cannot be swept");
    return;
  }
  std::vector<std::string> all;
  for (const KeySpec& k : scenario_schema()) all.push_back(k.path);
  const std::string guess = did_you_mean(key, all);
  throw InputError(mark, where, "no scenario key '" + key + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                                    "; keys are dotted paths as in docs/scenario-reference.md");
}

/// Set a dotted path in a mapping, creating sections.
void set_path(YAML::Node root, const std::string& path, const std::string& value) {
  YAML::Node node = root;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = path.find('.', start);
    const std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (dot == std::string::npos) {
      node[part] = value;
      return;
    }
    if (!node[part] || !node[part].IsMap()) node[part] = YAML::Node(YAML::NodeType::Map);
    node.reset(node[part]);  // rebind: operator= would overwrite the content instead
    start = dot + 1;
  }
}

std::uint64_t fnv1a(const std::string& s, std::uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::string column_header(const std::string& key) {
  const KeySpec* spec = find_key(key);
  const char* unit = spec ? internal_unit(spec->dim) : "";
  return *unit ? key + "_" + unit : key;
}

std::string value_cell(const nlohmann::ordered_json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
  if (v.is_number()) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v.get<double>());
    return buf;
  }
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

SweepPlan load_sweep(const std::string& path) { return parse_sweep(yaml_detail::read_file(path, "scenario file"), path); }

SweepPlan parse_sweep(const std::string& text, const std::string& file) {
  YAML::Node root = yaml_detail::parse_text(text, file);
  SweepPlan plan;
  plan.file = file;
  if (!root.IsMap() || !root["sweep"]) {
    SweepPoint p;
    p.scenario = resolve_scenario_node(root, file);
    plan.points.push_back(std::move(p));
    plan.name = plan.points[0].scenario.name;
    plan.fingerprint = plan.points[0].scenario.fingerprint();
    plan.base_seed = plan.points[0].scenario.seed;
    return plan;
  }
  plan.has_sweep = true;
  const YAML::Node sweep = root["sweep"];  // not a clone: clones lose their line and column marks
  const SourceMark sweep_mark = yaml_detail::mark(sweep, file);
  root.remove("sweep");
  std::map<std::string, SourceMark> key_marks;  // where each swept key was given, for errors of its points
  if (!sweep.IsMap()) throw InputError(sweep_mark, "sweep", "expected a mapping with grid:, zip: or points:, got " + yaml_detail::describe(sweep));

  std::vector<Axis> axes;
  std::vector<std::map<std::string, std::string>> explicit_points;
  std::set<std::string> swept;
  for (auto it = sweep.begin(); it != sweep.end(); ++it) {
    const std::string form = it->first.Scalar();
    const SourceMark fm = yaml_detail::mark(it->first, file);
    if (form == "grid" || form == "zip") {
      if (!it->second.IsMap() || it->second.size() == 0)
        throw InputError(fm, "sweep." + form, "expected a mapping of key paths to value lists");
      Axis zip;
      for (auto kv = it->second.begin(); kv != it->second.end(); ++kv) {
        const std::string key = kv->first.Scalar();
        const std::string where = "sweep." + form + "." + key;
        const SourceMark km = yaml_detail::mark(kv->first, file);
        check_key(key, km, where);
        if (!swept.insert(key).second) throw InputError(km, where, "'" + key + "' is swept twice");
        key_marks[key] = km;
        const auto values = axis_values(kv->second, key, where, file);
        if (form == "grid") {
          Axis a;
          a.paths = {key};
          for (const auto& v : values) a.values.push_back({v});
          a.marks = {km};
          axes.push_back(std::move(a));
        } else {
          if (!zip.paths.empty() && values.size() != zip.values.size())
            throw InputError(km, where, "zip lists must have equal lengths: " + std::to_string(values.size()) + " values here, " +
                                            std::to_string(zip.values.size()) + " in '" + zip.paths[0] + "'");
          if (zip.values.empty()) zip.values.resize(values.size());
          for (std::size_t k = 0; k < values.size(); ++k) zip.values[k].push_back(values[k]);
          zip.paths.push_back(key);
          zip.marks.push_back(km);
        }
      }
      if (form == "zip") axes.push_back(std::move(zip));
    } else if (form == "points") {
      if (!it->second.IsSequence() || it->second.size() == 0) throw InputError(fm, "sweep.points", "expected a non-empty list of mappings");
      for (std::size_t i = 0; i < it->second.size(); ++i) {
        const YAML::Node pt = it->second[i];
        const std::string where = "sweep.points[" + std::to_string(i) + "]";
        if (!pt.IsMap()) throw InputError(yaml_detail::mark(pt, file), where, "expected a mapping of key paths to values, got " + yaml_detail::describe(pt));
        std::map<std::string, std::string> values;
        std::vector<YAML::Node> merges;  // `<<: *anchor` (or a list): keys this point does not give itself
        const auto take = [&](const YAML::Node& k, const YAML::Node& v) {
          const std::string key = k.Scalar();
          check_key(key, yaml_detail::mark(k, file), where + "." + key);
          key_marks.emplace(key, yaml_detail::mark(k, file));
          if (!v.IsScalar()) throw InputError(yaml_detail::mark(v, file), where + "." + key, "expected a scalar value");
          values.emplace(key, v.Scalar());
        };
        for (auto kv = pt.begin(); kv != pt.end(); ++kv) {
          if (kv->first.Scalar() == "<<" && kv->first.Tag() != "tag:yaml.org,2002:str") {
            if (kv->second.IsMap()) merges.push_back(kv->second);
            else if (kv->second.IsSequence()) for (std::size_t m = 0; m < kv->second.size(); ++m) merges.push_back(kv->second[m]);
            else throw InputError(yaml_detail::mark(kv->second, file), where + ".<<", "a merge key takes an anchored mapping (<<: *name) or a list of them");
            continue;
          }
          take(kv->first, kv->second);
        }
        for (const YAML::Node& m : merges) {
          if (!m.IsMap()) throw InputError(yaml_detail::mark(m, file), where + ".<<", "a merge key takes mappings, got " + yaml_detail::describe(m));
          for (auto kv = m.begin(); kv != m.end(); ++kv)
            if (!values.count(kv->first.Scalar())) take(kv->first, kv->second);
        }
        explicit_points.push_back(std::move(values));
      }
    } else if (form == "seeds") {
      // Common random numbers: every point on one seed (one device population), or a seed per point.
      const YAML::Node& v = it->second;
      if (!v.IsScalar() || (v.Scalar() != "per_point" && v.Scalar() != "shared"))
        throw InputError(yaml_detail::mark(v, file), "sweep.seeds", "expected one of per_point, shared, got " + yaml_detail::describe(v));
      plan.shared_seeds = v.Scalar() == "shared";
    } else if (form == "point_files") {
      // Large sweeps: only results.csv rows and the manifest, no points/NNNNNN/ folders.
      const YAML::Node& v = it->second;
      if (!v.IsScalar() || (v.Scalar() != "true" && v.Scalar() != "false"))
        throw InputError(yaml_detail::mark(v, file), "sweep.point_files", "expected true or false, got " + yaml_detail::describe(v));
      plan.point_files = v.Scalar() == "true";
    } else {
      const std::string guess = did_you_mean(form, {"grid", "zip", "points", "seeds", "point_files"});
      throw InputError(fm, "sweep." + form, "unknown sweep form '" + form + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)") +
                                               "; expected grid, zip, points, seeds or point_files");
    }
  }
  // Columns: explicit-point keys first (sorted), then axis keys in order of appearance.
  std::set<std::string> point_keys;
  for (const auto& p : explicit_points)
    for (const auto& [k, v] : p) point_keys.insert(k);
  for (const auto& k : point_keys) {
    if (swept.count(k)) throw InputError(sweep_mark, "sweep.points", "'" + k + "' is both in points and in grid/zip");
    plan.columns.push_back(k);
  }
  for (const Axis& a : axes)
    for (const auto& p : a.paths) plan.columns.push_back(p);
  for (const auto& c : plan.columns) plan.headers.push_back(column_header(c));

  std::size_t total = explicit_points.empty() ? 1 : explicit_points.size();
  for (const Axis& a : axes) {
    total *= a.values.size();
    if (total > kMaxSweepPoints)
      throw InputError(sweep_mark, "sweep", "expands to more than " + std::to_string(kMaxSweepPoints) + " points");
  }
  if (explicit_points.empty()) explicit_points.emplace_back();

  std::uint64_t plan_hash = fnv1a("memcarlo-sweep");
  for (std::size_t index = 0; index < total; ++index) {
    // Decompose the index: explicit point slowest, then axes in order, the last axis fastest.
    std::size_t rest = index;
    std::vector<std::size_t> pick(axes.size());
    for (std::size_t a = axes.size(); a-- > 0;) {
      pick[a] = rest % axes[a].values.size();
      rest /= axes[a].values.size();
    }
    const auto& ep = explicit_points[rest];
    SweepPoint p;
    p.index = index;
    YAML::Node node = YAML::Clone(root);
    std::map<std::string, std::string> assigned(ep.begin(), ep.end());
    for (std::size_t a = 0; a < axes.size(); ++a)
      for (std::size_t j = 0; j < axes[a].paths.size(); ++j) assigned[axes[a].paths[j]] = axes[a].values[pick[a]][j];
    for (const auto& col : plan.columns) {
      p.values.push_back(assigned.count(col) ? assigned[col] : "");
      if (assigned.count(col)) set_path(node, col, assigned[col]);
    }
    try {
      p.scenario = resolve_scenario_node(node, file);
    } catch (const InputError& e) {
      auto km = key_marks.find(e.key());
      if (km == key_marks.end()) {
        // Not a swept key: the base scenario itself is wrong there; its own error carries the exact place.
        try {
          resolve_scenario_node(root, file);
        } catch (const InputError& base) {
          if (base.key() == e.key()) throw;
        }
      }
      std::string where = "sweep point " + std::to_string(index) + " (";
      for (std::size_t c = 0; c < plan.columns.size(); ++c) where += (c ? ", " : "") + plan.columns[c] + "=" + p.values[c];
      throw InputError(km != key_marks.end() ? km->second : sweep_mark, e.key(), e.detail() + " [" + where + ")]");
    }
    if (index == 0) plan.base_seed = assigned.count("seed") ? 0 : p.scenario.seed;  // a swept seed has no base
    if (!assigned.count("seed") && !plan.shared_seeds) {  // a point that sets seed itself keeps it
      // Seed from the scenario seed and the point's resolved parameters (never its index or the point count):
      // stable when the sweep grows. Numbers enter as the double text they always had, so a key's seeds do not
      // depend on whether its resolved value is recorded as an integer.
      std::uint64_t h = fnv1a(std::to_string(p.scenario.seed));
      for (const auto& col : plan.columns) {
        const auto& v = p.scenario.resolved[col];
        const std::string text = v.is_number() ? nlohmann::json(v.get<double>()).dump() : v.dump();
        h = fnv1a(col + "=" + text + ";", h);
      }
      p.scenario.seed = static_cast<std::uint32_t>(h ^ (h >> 32));
      p.scenario.resolved["seed"] = p.scenario.seed;
    }
    for (const auto& col : plan.columns) p.cells.push_back(value_cell(p.scenario.resolved[col]));
    if (plan.name.empty()) plan.name = p.scenario.name;
    p.scenario.name += "/" + std::to_string(index);
    plan_hash = fnv1a(p.scenario.fingerprint(), plan_hash);
    plan.points.push_back(std::move(p));
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(plan_hash));
  plan.fingerprint = buf;
  return plan;
}

}  // namespace mc

#include "scenario/scenario.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <cstdio>
#include <sstream>

#include "scenario/resolver.hpp"
#include "scenario/schema.hpp"
#include "scenario/search_path.hpp"
#include "scenario/yaml_internal.hpp"
#include "workloads/workload.hpp"

namespace mc {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFileBytes = 1 << 20;  // scenarios are small; refuse anything larger

using Entry = YamlEntry;
using Entries = YamlEntries;

SourceMark mark_of(const YAML::Node& n, const std::string& file) {
  const YAML::Mark m = n.Mark();
  return SourceMark{file, m.line >= 0 ? m.line + 1 : 0, m.column >= 0 ? m.column + 1 : 0};
}

std::string read_text(const std::string& path, const std::string& what) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(SourceMark{path}, "", what + " not found (no such file)");
  if (!fs::is_regular_file(path, ec))
    throw InputError(SourceMark{path}, "", what + " is not a regular file (" + (fs::is_directory(path, ec) ? "a folder" : "a pipe, socket or device") + ")");
  if (fs::file_size(path, ec) > kMaxFileBytes) throw InputError(SourceMark{path}, "", what + " is larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

YAML::Node parse_yaml(const std::string& text, const std::string& file) {
  // YAML forbids tabs in indentation; say so plainly instead of yaml-cpp's generic message.
  int line = 1;
  bool at_start = true;
  int column = 1;
  for (char c : text) {
    if (c == '\n') {
      ++line, at_start = true, column = 1;
      continue;
    }
    if (at_start && c == '\t') throw InputError(SourceMark{file, line, column}, "", "tab character in indentation (YAML indents with spaces)");
    if (c != ' ') at_start = false;
    ++column;
  }
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InputError(SourceMark{file, e.mark.line + 1, e.mark.column + 1}, "", "YAML syntax: " + e.msg);
  }
}

std::string type_name(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Null: return "nothing";
    default: return "'" + n.Scalar() + "'";
  }
}

/// Keys that were renamed for one vocabulary across workloads: the old spelling is an error naming the new one.
const char* renamed_key(const std::string& path) {
  if (path == "mcmc.age_cycles") return "aging_cycles";
  return nullptr;
}

/// Walk a mapping against the schema, collecting leaf entries by full path. YAML merge keys (`<<: *anchor`, or a
/// list of anchors, earlier ones first) add the anchored mapping's keys that this mapping does not give itself.
void walk(const YAML::Node& map, const std::string& section, const std::string& file, Entries& out) {
  if (!map.IsMap()) {
    throw InputError(mark_of(map, file), section.empty() ? "" : section,
                     "expected a mapping of keys, got " + type_name(map));
  }
  std::set<std::string> seen;
  std::vector<YAML::Node> merges;
  const auto take = [&](const YAML::Node& key_node, const YAML::Node& value) {
    const std::string key = key_node.Scalar();
    const std::string path = section.empty() ? key : section + "." + key;
    const SourceMark where = mark_of(key_node, file);
    if (find_key(path)) {
      out[path] = Entry{value, mark_of(value, file)};
    } else if (is_section(path)) {
      walk(value, path, file, out);
    } else if (const char* now = renamed_key(path)) {
      throw InputError(where, path, "'" + key + "' was renamed: did you mean '" + now + "'? (one spelling for every workload)");
    } else {
      std::string msg = "unknown key '" + key + "'";
      auto children = section_children(section);
      if (section.empty()) children.push_back("sweep");
      const std::string guess = did_you_mean(key, children);
      msg += guess.empty() ? " (allowed here: " : " (did you mean '" + guess + "'? allowed here: ";
      for (std::size_t i = 0; i < children.size(); ++i) msg += (i ? ", " : "") + children[i];
      throw InputError(where, path, msg + ")");
    }
  };
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string key = it->first.Scalar();
    if (key == "<<" && it->first.Tag() != "tag:yaml.org,2002:str") {
      const YAML::Node& v = it->second;
      if (v.IsMap()) {
        merges.push_back(v);
      } else if (v.IsSequence()) {
        for (std::size_t i = 0; i < v.size(); ++i) merges.push_back(v[i]);
      } else {
        throw InputError(mark_of(v, file), section.empty() ? "<<" : section + ".<<",
                         "a merge key takes an anchored mapping (<<: *name) or a list of them, got " + type_name(v));
      }
      continue;
    }
    if (!seen.insert(key).second)
      throw InputError(mark_of(it->first, file), section.empty() ? key : section + "." + key, "duplicate key (given twice in the same mapping)");
    take(it->first, it->second);
  }
  for (const YAML::Node& m : merges) {
    if (!m.IsMap())
      throw InputError(mark_of(m, file), section.empty() ? "<<" : section + ".<<", "a merge key takes mappings, got " + type_name(m));
    for (auto it = m.begin(); it != m.end(); ++it)
      if (seen.insert(it->first.Scalar()).second) take(it->first, it->second);
  }
}

/// The folders searched for a preset given by name, in order (docs/installing.md): devices/ and configs/devices/
/// in the scenario's folder and every folder above it, the folders of MC_PRESET_PATH, then the shipped presets.
std::vector<fs::path> preset_folders(const std::string& scenario_file) {
  fs::path base = fs::path(scenario_file).parent_path();
  if (base.empty()) base = ".";  // a bare file name lives in the current folder
  std::vector<fs::path> dirs;
  for (fs::path dir = fs::absolute(base).lexically_normal(); !dir.empty(); dir = dir.parent_path()) {
    dirs.push_back(dir / "devices");
    dirs.push_back(dir / "configs" / "devices");
    if (dir == dir.parent_path()) break;
  }
  for (const fs::path& d : path_list_from_env("MC_PRESET_PATH")) dirs.push_back(d);
  if (!shipped_root().empty()) dirs.push_back(shipped_root() / "configs" / "devices");
  return dirs;
}

fs::path find_preset(const std::string& name, const std::string& scenario_file) {
  if (name.size() > 5 && name.compare(name.size() - 5, 5, ".yaml") == 0) {
    // A path: relative to the scenario file's folder (or absolute).
    fs::path base = fs::path(scenario_file).parent_path();
    if (base.empty()) base = ".";
    const fs::path c = base / name;
    return fs::is_regular_file(c) ? c : fs::path{};
  }
  for (const fs::path& d : preset_folders(scenario_file))
    if (fs::is_regular_file(d / (name + ".yaml"))) return d / (name + ".yaml");
  return {};
}

std::vector<std::string> preset_names(const std::string& scenario_file) {
  std::set<std::string> names;
  std::error_code ec;
  for (const fs::path& d : preset_folders(scenario_file))
    for (const auto& e : fs::directory_iterator(d, ec))
      if (e.path().extension() == ".yaml") names.insert(e.path().stem().string());
  return {names.begin(), names.end()};
}

}  // namespace

std::vector<std::uint64_t> log_checkpoints(std::uint64_t cycles, int per_decade) {
  std::vector<std::uint64_t> out;
  const double top = std::log10(static_cast<double>(cycles));
  for (int i = 0;; ++i) {
    const double e = static_cast<double>(i) / per_decade;
    if (e > top + 1e-12) break;
    const auto c = static_cast<std::uint64_t>(std::llround(std::pow(10.0, e)));
    if (c <= cycles && (out.empty() || c > out.back())) out.push_back(c);
  }
  if (out.empty() || out.back() != cycles) out.push_back(cycles);
  return out;
}

std::string Scenario::fingerprint() const {
  nlohmann::ordered_json r = resolved;
  r.erase("name");
  const std::string s = r.dump();
  std::uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Scenario load_scenario(const std::string& path) { return parse_scenario(read_text(path, "scenario file"), path); }

Scenario parse_scenario(const std::string& text, const std::string& file) {
  const YAML::Node root = parse_yaml(text, file);
  if (root.IsMap() && root["sweep"]) {
    throw InputError(mark_of(root["sweep"], file), "sweep", "this scenario is a sweep; load it with load_sweep (memcarlo run handles both)");
  }
  return resolve_scenario_node(root, file);
}

namespace yaml_detail {
YAML::Node parse_text(const std::string& text, const std::string& file) { return parse_yaml(text, file); }
std::string read_file(const std::string& path, const std::string& what) { return read_text(path, what); }
SourceMark mark(const YAML::Node& n, const std::string& file) { return mark_of(n, file); }
std::string describe(const YAML::Node& n) { return type_name(n); }
}  // namespace yaml_detail

Scenario resolve_scenario_node(const YAML::Node& root, const std::string& file) {
  if (!root.IsMap()) throw InputError(SourceMark{file, 1, 1}, "", "a scenario is a mapping of keys (workload:, device:, ...), got " + type_name(root));
  Entries given;
  walk(root, "", file, given);

  Entries merged;
  Scenario s;
  s.file = file;
  if (auto it = given.find("device.preset"); it != given.end()) {
    s.preset = it->second.node.Scalar();
    const fs::path preset_file = find_preset(s.preset, file);
    if (preset_file.empty()) {
      std::string msg = "no device preset '" + s.preset + "'";
      const auto names = preset_names(file);
      const std::string guess = did_you_mean(s.preset, names);
      if (!guess.empty()) msg += " (did you mean '" + guess + "'?)";
      msg += "; presets:";
      for (const auto& n : names) msg += " " + n;
      throw InputError(it->second.mark, "device.preset", msg);
    }
    s.inputs.emplace_back(s.preset, preset_file.string());
    s.preset_file = preset_file.string();
    const std::string ptext = read_text(preset_file.string(), "device preset");
    const YAML::Node proot = parse_yaml(ptext, preset_file.string());
    Entries from_preset;
    walk(proot, "device", preset_file.string(), from_preset);
    if (from_preset.count("device.preset")) throw InputError(from_preset["device.preset"].mark, "device.preset", "a preset cannot name another preset");
    merged = from_preset;
  }
  for (auto& [k, v] : given) merged[k] = v;  // the scenario overrides its preset

  Resolver r(merged, file);
  nlohmann::ordered_json name;
  if (r.has("name")) {
    const Entry& n = merged["name"];
    if (!n.node.IsScalar() || n.node.Scalar().empty())
      throw InputError(n.mark, "name", "expected a non-empty string, got " + (n.node.IsScalar() ? std::string("an empty one") : type_name(n.node)));
    s.name = n.node.Scalar();
  } else {
    s.name = fs::path(file).stem().string();
  }
  s.workload = r.choice("workload");
  s.seed = static_cast<std::uint32_t>(r.number("seed"));

  DeviceModel& m = s.device;
  const std::string median_law = r.choice("device.lrs.median_law");
  m.median_law = median_law == "linear" ? MedianLaw::kLinear : median_law == "power" ? MedianLaw::kPower : MedianLaw::kTable;
  m.median_k = static_cast<float>(r.number("device.lrs.median_k"));
  m.median_p = static_cast<float>(r.number("device.lrs.median_p"));
  m.median_table = r.table("device.lrs.median_table");
  if (m.median_law == MedianLaw::kTable && m.median_table.n == 0)
    throw InputError(r.mark("device.lrs.median_law"), "device.lrs.median_table", "median_law: table needs device.lrs.median_table");
  const std::string sigma_law = r.choice("device.lrs.sigma_law");
  m.sigma_law = sigma_law == "sqrt" ? SigmaLaw::kSqrt : sigma_law == "power" ? SigmaLaw::kPower : sigma_law == "relative" ? SigmaLaw::kRelative : SigmaLaw::kTable;
  m.sigma_a = static_cast<float>(r.number("device.lrs.sigma_a"));
  m.sigma_p = static_cast<float>(r.number("device.lrs.sigma_p"));
  m.sigma_table = r.table("device.lrs.sigma_table");
  if (m.sigma_law == SigmaLaw::kTable && m.sigma_table.n == 0)
    throw InputError(r.mark("device.lrs.sigma_law"), "device.lrs.sigma_table", "sigma_law: table needs device.lrs.sigma_table");
  m.lrs_d2d_sigma_ln = static_cast<float>(r.number("device.lrs.d2d_sigma_ln"));
  m.g_min = static_cast<float>(r.number("device.g_min"));
  m.g_max = static_cast<float>(r.number("device.g_max"));
  if (!(m.g_min < m.g_max)) throw InputError(r.mark("device.g_max"), "device.g_max", "must be above device.g_min");
  m.hrs_median = static_cast<float>(r.number("device.hrs.median"));
  m.hrs_sigma_ln = static_cast<float>(r.number("device.hrs.sigma_ln"));
  m.hrs_d2d_sigma_ln = static_cast<float>(r.number("device.hrs.d2d_sigma_ln"));
  const std::string noise = r.choice("device.read.noise");
  m.read_noise = noise == "none" ? ReadNoise::kNone : noise == "gaussian" ? ReadNoise::kGaussian : ReadNoise::kLaplace;
  m.read_sigma_rel = static_cast<float>(r.number("device.read.sigma_rel"));
  m.read_voltage = static_cast<float>(r.number("device.read.voltage"));
  m.read_width = static_cast<float>(r.number("device.read.width"));
  m.laplace_c[0] = static_cast<float>(r.number("device.read.laplace_c0"));
  m.laplace_c[1] = static_cast<float>(r.number("device.read.laplace_c1"));
  m.laplace_c[2] = static_cast<float>(r.number("device.read.laplace_c2"));
  m.laplace_i_min = static_cast<float>(r.number("device.read.laplace_i_min"));
  m.laplace_i_max = static_cast<float>(r.number("device.read.laplace_i_max"));
  if (!(m.laplace_i_min <= m.laplace_i_max)) throw InputError(r.mark("device.read.laplace_i_max"), "device.read.laplace_i_max", "must not be below laplace_i_min");
  m.weibull_shape = static_cast<float>(r.number("device.wear.weibull_shape"));
  m.weibull_scale = static_cast<float>(r.number("device.wear.weibull_scale"));
  m.closure_onset = static_cast<float>(r.number("device.wear.closure_onset"));
  m.closure_lrs_drop = static_cast<float>(r.number("device.wear.closure_lrs_drop"));
  m.closure_hrs_rise = static_cast<float>(r.number("device.wear.closure_hrs_rise"));
  m.closure_spread_growth = static_cast<float>(r.number("device.wear.closure_spread_growth"));
  m.stuck_lrs_probability = static_cast<float>(r.number("device.wear.stuck_lrs_probability"));
  m.forming_failure_fraction = static_cast<float>(r.number("device.forming.failure_fraction"));
  m.forming_stuck_min = static_cast<float>(r.number("device.forming.stuck_min"));
  m.forming_stuck_max = static_cast<float>(r.number("device.forming.stuck_max"));
  if (!(m.forming_stuck_min <= m.forming_stuck_max)) throw InputError(r.mark("device.forming.stuck_max"), "device.forming.stuck_max", "must not be below stuck_min");
  m.set_voltage = static_cast<float>(r.number("device.pulse.set_voltage"));
  m.reset_voltage = static_cast<float>(r.number("device.pulse.reset_voltage"));
  m.reset_current = static_cast<float>(r.number("device.pulse.reset_current"));
  m.pulse_width = static_cast<float>(r.number("device.pulse.width"));
  m.step_set = static_cast<float>(r.number("device.pulse.step_set"));
  m.step_reset = static_cast<float>(r.number("device.pulse.step_reset"));
  m.step_nl_set = static_cast<float>(r.number("device.pulse.step_nl_set"));
  m.step_nl_reset = static_cast<float>(r.number("device.pulse.step_nl_reset"));
  m.step_d2d_sigma_ln = static_cast<float>(r.number("device.pulse.step_d2d_sigma_ln"));
  m.step_c2c = static_cast<float>(r.number("device.pulse.step_c2c"));

  // Workload blocks: only the selected one is resolved; giving another's is almost surely a mistake.
  for (const std::string& other : workload_names()) {
    if (s.workload == other) continue;
    for (const auto& [k, v] : given)
      if (k.rfind(other + ".", 0) == 0)
        throw InputError(v.mark, k, "this key belongs to workload '" + other + "' but the scenario's workload is '" + s.workload + "'");
  }
  find_workload(s.workload)->resolve(r, s);
  s.resolved = r.take_resolved();
  for (const auto& f : r.data_files()) s.inputs.push_back(f);
  s.resolved["name"] = s.name;
  if (!s.preset.empty()) s.resolved["device.preset"] = s.preset;
  return s;
}

}  // namespace mc

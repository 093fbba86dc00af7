#include "scenario/resolver.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "scenario/search_path.hpp"
#include "scenario/yaml_internal.hpp"

namespace mc {

namespace fs = std::filesystem;

namespace {

// True when `s` is well-formed UTF-8 (the resolved scenario is JSON, which holds only UTF-8 text).
bool valid_utf8(const std::string& s) {
  for (std::size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const int n = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xE ? 2 : (c >> 3) == 0x1E ? 3 : -1;
    if (n < 0 || i + n >= s.size()) return false;  // a bad lead byte, or a sequence cut short
    for (int k = 1; k <= n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    i += 1 + n;
  }
  return true;
}

std::string with_unit(Dimension d) { return *internal_unit(d) ? std::string(" ") + internal_unit(d) : std::string(); }

std::string expectation(const KeySpec& k) {
  switch (k.kind) {
    case KeyKind::kInteger: return "an integer";
    case KeyKind::kNumber: return k.dim == Dimension::kNone ? std::string("a number") : std::string(dimension_name(k.dim)) + " (" + accepted_units(k.dim) + ")";
    case KeyKind::kEnum: {
      std::string s = "one of";
      for (std::size_t i = 0; i < k.choices.size(); ++i) s += (i ? ", " : " ") + k.choices[i];
      return s;
    }
    case KeyKind::kString: return "a string";
    default: return "a list";
  }
}

}  // namespace

std::string fmt_num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

SourceMark Resolver::mark(const std::string& path) const {
  auto it = e_.find(path);
  return it == e_.end() ? SourceMark{file_} : it->second.mark;
}

double Resolver::number(const std::string& path) {
  const KeySpec& k = *find_key(path);
  double v;
  std::string text;
  SourceMark where{file_};
  if (auto it = e_.find(path); it != e_.end()) {
    where = it->second.mark;
    if (!it->second.node.IsScalar()) throw InputError(where, path, "expected " + expectation(k) + ", got " + yaml_detail::describe(it->second.node));
    text = it->second.node.Scalar();
  } else {
    text = k.default_text;
  }
  v = scalar_value(k, text, where);
  if (!(v >= k.min && v <= k.max))
    throw InputError(where, path, "expected " + expectation(k) + " in " + fmt_num(k.min) + " .. " + fmt_num(k.max) +
                                      with_unit(k.dim) + ", got '" + text + "'");
  // Counts are recorded as integers (manifest.json shows 4000, not 4000.0).
  if (k.kind == KeyKind::kInteger && std::fabs(v) < 9.007199254740992e15) {
    if (v >= 0) resolved_[path] = static_cast<std::uint64_t>(v);
    else resolved_[path] = static_cast<std::int64_t>(v);
  } else {
    resolved_[path] = v;
  }
  return v;
}

std::string Resolver::choice(const std::string& path) {
  const KeySpec& k = *find_key(path);
  std::string v = k.default_text;
  if (auto it = e_.find(path); it != e_.end()) {
    if (!it->second.node.IsScalar()) throw InputError(it->second.mark, path, "expected " + expectation(k) + ", got " + yaml_detail::describe(it->second.node));
    v = it->second.node.Scalar();
    if (!valid_utf8(v)) throw InputError(it->second.mark, path, "is not valid UTF-8 text");
    const bool boolean = k.choices.size() == 2 && std::find(k.choices.begin(), k.choices.end(), "true") != k.choices.end() &&
                         std::find(k.choices.begin(), k.choices.end(), "false") != k.choices.end();
    if (boolean && std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end()) {
      // One spelling of booleans everywhere (scenarios, tables, manifests): yes/no, on/off and True are refused.
      static const char* yes[] = {"yes", "Yes", "YES", "y", "Y", "on", "On", "ON", "True", "TRUE", "1"};
      static const char* no[] = {"no", "No", "NO", "n", "N", "off", "Off", "OFF", "False", "FALSE", "0"};
      for (const char* t : yes)
        if (v == t) throw InputError(it->second.mark, path, "expected true or false, got '" + v + "' (did you mean 'true'? booleans are true or false)");
      for (const char* t : no)
        if (v == t) throw InputError(it->second.mark, path, "expected true or false, got '" + v + "' (did you mean 'false'? booleans are true or false)");
    }
    if (k.kind == KeyKind::kEnum && std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end()) {
      const std::string guess = did_you_mean(v, k.choices);
      throw InputError(it->second.mark, path, "expected " + expectation(k) + ", got '" + v + "'" + (guess.empty() ? "" : " (did you mean '" + guess + "'?)"));
    }
  }
  resolved_[path] = v;
  return v;
}

Table Resolver::table(const std::string& path) {
  const KeySpec& k = *find_key(path);
  Table t{};
  auto it = e_.find(path);
  if (it == e_.end()) return t;
  const YAML::Node& n = it->second.node;
  if (!n.IsSequence() || n.size() < 2 || n.size() > static_cast<std::size_t>(kMaxTable))
    throw InputError(it->second.mark, path, "expected a list of 2 to 16 [x, y] pairs, got " + yaml_detail::describe(n));
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < n.size(); ++i) {
    const YAML::Node& row = n[i];
    const SourceMark where = yaml_detail::mark(row, file_);
    if (!row.IsSequence() || row.size() != 2 || !row[0].IsScalar() || !row[1].IsScalar())
      throw InputError(where, path + "[" + std::to_string(i) + "]", "expected a pair [x, y], got " + yaml_detail::describe(row));
    const double x = quantity(k.dim_x, row[0].Scalar(), where, path + "[" + std::to_string(i) + "][0]");
    const double y = quantity(k.dim, row[1].Scalar(), where, path + "[" + std::to_string(i) + "][1]");
    if (i > 0 && !(x > t.x[i - 1])) throw InputError(where, path + "[" + std::to_string(i) + "]", "x values must increase");
    if (y < 0) throw InputError(where, path + "[" + std::to_string(i) + "]", "y must not be negative");
    // Tables reach the kernels as floats: every value stays finite there, within the range of device quantities.
    constexpr double kTableMax = 1e7;
    if (!(std::fabs(x) <= kTableMax) || !(y <= kTableMax))
      throw InputError(where, path + "[" + std::to_string(i) + "]",
                       "expected x and y within -" + fmt_num(kTableMax) + " .. " + fmt_num(kTableMax) + " (internal units), got [" +
                           row[0].Scalar() + ", " + row[1].Scalar() + "]");
    t.x[i] = static_cast<float>(x), t.y[i] = static_cast<float>(y);
    rows.push_back({x, y});
  }
  t.n = static_cast<int>(n.size());
  for (int i = t.n; i < kMaxTable; ++i) t.x[i] = t.x[t.n - 1] + static_cast<float>(i), t.y[i] = t.y[t.n - 1];
  resolved_[path] = rows;
  return t;
}

std::vector<std::uint64_t> Resolver::int_list(const std::string& path) {
  const KeySpec& k = *find_key(path);
  std::vector<std::uint64_t> out;
  auto it = e_.find(path);
  if (it == e_.end()) return out;
  const YAML::Node& n = it->second.node;
  if (!n.IsSequence() || n.size() == 0 || n.size() > 10000)
    throw InputError(it->second.mark, path, "expected a list of 1 to 10000 integers, got " + yaml_detail::describe(n));
  for (std::size_t i = 0; i < n.size(); ++i) {
    const SourceMark where = yaml_detail::mark(n[i], file_);
    const std::string item = path + "[" + std::to_string(i) + "]";
    if (!n[i].IsScalar()) throw InputError(where, item, "expected an integer, got " + yaml_detail::describe(n[i]));
    const double v = scalar_value(k, n[i].Scalar(), where, item);
    if (!(v >= k.min && v <= k.max)) throw InputError(where, item, "expected an integer in " + fmt_num(k.min) + " .. " + fmt_num(k.max) + ", got '" + n[i].Scalar() + "'");
    out.push_back(static_cast<std::uint64_t>(v));
  }
  resolved_[path] = out;
  return out;
}

double Resolver::quantity(Dimension d, const std::string& text, const SourceMark& where, const std::string& key) const {
  std::string why;
  const auto v = parse_quantity(text, d, &why);
  if (!v) throw InputError(where, key, why);
  return *v;
}

double Resolver::scalar_value(const KeySpec& k, const std::string& text, const SourceMark& where, const std::string& key_override) const {
  const std::string key = key_override.empty() ? k.path : key_override;
  const double v = quantity(k.dim, text, where, key);
  if ((k.kind == KeyKind::kInteger || k.kind == KeyKind::kIntList) && v != std::floor(v))
    throw InputError(where, key, "expected an integer, got '" + text + "'");
  return v;
}

std::string Resolver::data_file(const std::string& path) { return find_data(path, false); }

std::string Resolver::data_folder(const std::string& path) { return find_data(path, true); }

std::string Resolver::find_data(const std::string& path, bool folder) {
  const std::string given = choice(path);
  if (given.empty()) return given;
  const auto found = [folder](const fs::path& c) { return folder ? fs::is_directory(c) : fs::is_regular_file(c); };
  const std::string what = folder ? "data folder" : "data file";
  fs::path p(given);
  if (p.is_absolute()) {
    if (!found(p)) throw InputError(mark(path), path, "no such " + what + " '" + p.string() + "'");
    data_files_.emplace_back(given, p.string());
    return p.string();
  }
  // The search order of docs/installing.md: relative to the scenario file, then under each folder of
  // MC_DATA_PATH (the path without its leading ../ parts, then the last name alone), then among memcarlo's
  // shipped files (the installed share folder, or the source tree of a build-tree binary: the path without its
  // leading ../ parts, then the last name in its data/).
  const fs::path beside = fs::path(file_).parent_path() / p;
  std::vector<fs::path> candidates = {beside};
  const fs::path inner = without_leading_parents(p);
  const fs::path name = p.has_filename() ? p.filename() : p.parent_path().filename();  // "dir/" names dir
  for (const fs::path& f : path_list_from_env("MC_DATA_PATH")) {
    candidates.push_back(f / inner);
    candidates.push_back(f / name);
  }
  if (!shipped_root().empty()) {
    candidates.push_back(shipped_root() / inner);
    candidates.push_back(shipped_root() / "data" / name);
  }
  for (const fs::path& c : candidates)
    if (found(c)) return data_files_.emplace_back(given, c.string()), c.string();
  std::string where = "MC_DATA_PATH";
  if (!shipped_root().empty()) where += " or " + shipped_root().string();
  throw InputError(mark(path), path, "no such " + what + " '" + beside.string() + "' (nor under " + where + ")");
}

/// A given <block>.checkpoints list: increasing, none beyond <block>.cycles; the cycle count is appended when
/// the list does not end there.
void check_checkpoints(Resolver& r, const std::string& block, std::uint64_t cycles, std::vector<std::uint64_t>& checkpoints) {
  const std::string list = block + ".checkpoints";
  for (std::size_t i = 0; i < checkpoints.size(); ++i) {
    const std::string key = list + "[" + std::to_string(i) + "]";
    if (checkpoints[i] > cycles)
      throw InputError(r.mark(list), key, "checkpoint " + std::to_string(checkpoints[i]) + " is beyond " + block + ".cycles = " + std::to_string(cycles));
    if (i > 0 && checkpoints[i] <= checkpoints[i - 1]) throw InputError(r.mark(list), key, "checkpoints must increase");
  }
  if (checkpoints.back() != cycles) checkpoints.push_back(cycles);
}

}  // namespace mc

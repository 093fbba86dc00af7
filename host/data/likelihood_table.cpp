#include "data/likelihood_table.hpp"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <tuple>

#include "scenario/error.hpp"

namespace mc {

namespace {

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && (s[a] == ' ' || s[a] == '\t')) ++a;
  while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t' || s[b - 1] == '\r')) --b;
  return s.substr(a, b - a);
}

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> cells;
  std::string cur;
  std::stringstream ss(line);
  while (std::getline(ss, cur, ',')) cells.push_back(trim(cur));
  if (!line.empty() && line.back() == ',') cells.push_back("");
  return cells;
}

std::string shown(const std::string& s) { return "\"" + (s.size() > 40 ? s.substr(0, 40) + "..." : s) + "\""; }

}  // namespace

LikelihoodTable load_likelihood_table(const std::string& path, int max_classes, int max_observations, int max_levels) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(SourceMark{path}, "", "likelihood table not found (no such file)");
  if (fs::file_size(path, ec) > (std::uintmax_t{16} << 20)) throw InputError(SourceMark{path}, "", "likelihood table is larger than 16 MiB");
  std::ifstream in(path, std::ios::binary);
  std::string line;
  int lineno = 0;
  const char* names[4] = {"class", "observation", "level", "probability"};
  if (!std::getline(in, line)) throw InputError(SourceMark{path, 1, 1}, "", "empty file; expected the header class,observation,level,probability");
  ++lineno;
  if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line = line.substr(3);
  {
    const auto h = split(line);
    for (int c = 0; c < 4; ++c)
      if (static_cast<int>(h.size()) <= c || h[c] != names[c])
        throw InputError(SourceMark{path, 1, c + 1}, "", std::string("expected the header class,observation,level,probability; column ") +
                                                           std::to_string(c + 1) + " should be '" + names[c] + "'");
    if (h.size() > 4) throw InputError(SourceMark{path, 1, 5}, "", "expected 4 header columns, got " + std::to_string(h.size()));
  }
  std::map<std::tuple<int, int, int>, std::pair<double, int>> entries;  // value, line
  const int maxes[3] = {max_classes, max_observations, max_levels};
  int dims[3] = {0, 0, 0};
  bool blank_seen = false;
  while (std::getline(in, line)) {
    ++lineno;
    if (trim(line).empty()) {
      blank_seen = true;
      continue;
    }
    if (blank_seen) throw InputError(SourceMark{path, lineno - 1, 1}, "", "blank line inside the table");
    const auto cells = split(line);
    if (cells.size() != 4)
      throw InputError(SourceMark{path, lineno, static_cast<int>(std::min<std::size_t>(cells.size(), 4)) + 1}, "",
                       "expected 4 cells (class,observation,level,probability), got " + std::to_string(cells.size()));
    int idx[3];
    for (int c = 0; c < 3; ++c) {
      char* end = nullptr;
      const long v = std::strtol(cells[c].c_str(), &end, 10);
      if (cells[c].empty() || *end != '\0' || v < 0 || v >= maxes[c])
        throw InputError(SourceMark{path, lineno, c + 1}, "", std::string(names[c]) + ": expected an integer in 0 .. " +
                                                                  std::to_string(maxes[c] - 1) + ", got " + shown(cells[c]));
      idx[c] = static_cast<int>(v);
      dims[c] = std::max(dims[c], idx[c] + 1);
    }
    char* end = nullptr;
    const double p = std::strtod(cells[3].c_str(), &end);
    if (cells[3].empty() || *end != '\0' || !std::isfinite(p))
      throw InputError(SourceMark{path, lineno, 4}, "", "probability: expected a number, got " + shown(cells[3]));
    if (p < 0.0 || p > 1.0)
      throw InputError(SourceMark{path, lineno, 4}, "", "probability: expected a number in [0, 1], got " + shown(cells[3]));
    const auto key = std::make_tuple(idx[0], idx[1], idx[2]);
    if (entries.count(key))
      throw InputError(SourceMark{path, lineno, 1}, "", "duplicate entry (class " + std::to_string(idx[0]) + ", observation " +
                                                           std::to_string(idx[1]) + ", level " + std::to_string(idx[2]) +
                                                           "), first given on line " + std::to_string(entries[key].second));
    entries[key] = {p, lineno};
    if (entries.size() > (std::size_t{1} << 20)) throw InputError(SourceMark{path, lineno, 1}, "", "more than 2^20 entries");
  }
  if (entries.empty()) throw InputError(SourceMark{path, 2, 1}, "", "no entries after the header");
  LikelihoodTable t;
  t.classes = dims[0], t.observations = dims[1], t.levels = dims[2];
  if (t.classes < 2) throw InputError(SourceMark{path, lineno, 1}, "", "class: expected at least 2 classes, got " + std::to_string(t.classes));
  if (t.levels < 2) throw InputError(SourceMark{path, lineno, 3}, "", "level: expected at least 2 levels, got " + std::to_string(t.levels));
  t.p.assign(static_cast<std::size_t>(t.classes) * t.observations * t.levels, 0.0);
  for (int y = 0; y < t.classes; ++y)
    for (int i = 0; i < t.observations; ++i) {
      double sum = 0;
      int first_line = 0;
      for (int v = 0; v < t.levels; ++v) {
        auto it = entries.find(std::make_tuple(y, i, v));
        if (it == entries.end())
          throw InputError(SourceMark{path, lineno, 1}, "", "wrong shape: " + std::to_string(t.classes) + " classes x " +
                                                                std::to_string(t.observations) + " observations x " + std::to_string(t.levels) +
                                                                " levels, but (class " + std::to_string(y) + ", observation " +
                                                                std::to_string(i) + ", level " + std::to_string(v) + ") is missing");
        sum += it->second.first;
        if (!first_line || it->second.second < first_line) first_line = it->second.second;
        t.p[(static_cast<std::size_t>(y) * t.observations + i) * t.levels + v] = it->second.first;
      }
      if (std::fabs(sum - 1.0) > 1e-6)
        throw InputError(SourceMark{path, first_line, 4}, "", "probability: the levels of (class " + std::to_string(y) + ", observation " +
                                                                  std::to_string(i) + ") sum to " + std::to_string(sum) + ", expected 1");
    }
  return t;
}

}  // namespace mc

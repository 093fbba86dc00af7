#include "fit/measurements.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "scenario/error.hpp"
#include "scenario/units.hpp"

namespace mc {

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kMaxBytes = 4ull << 30;  // 4 GiB: far beyond any lab's reads, short of exhausting memory

struct Cell {
  std::string text;
  int column;  // 1-based character column where the cell starts
};

struct Row {
  std::vector<Cell> cells;
  int line;
  int end_column;  // column just past the last character of the line
};

std::string trim(const std::string& s) {
  std::size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return s.substr(a, b - a);
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// Split the file into rows of cells (quoted cells with "" for a quote, CRLF, blank lines and lines starting with
/// '#' skipped, a UTF-8 byte-order mark dropped), keeping where each cell starts.
std::vector<Row> split_rows(const std::string& file, const std::string& text) {
  std::vector<Row> rows;
  std::size_t i = 0;
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) i = 3;
  int line = 1;
  while (i < text.size()) {
    std::size_t eol = i;
    // A line: up to an unquoted newline.
    Row row{{}, line, 1};
    std::string cell;
    int cell_col = 1, col = 1;
    bool quoted = false, was_quoted = false;
    const int start_line = line;
    const std::size_t line_start = i;
    if (text[i] == '#') {  // a comment line
      while (i < text.size() && text[i] != '\n') ++i;
      ++i, ++line;
      continue;
    }
    for (eol = i; eol < text.size(); ++eol) {
      const char c = text[eol];
      if (quoted) {
        if (c == '"') {
          if (eol + 1 < text.size() && text[eol + 1] == '"') {
            cell += '"', ++eol, col += 2;
            continue;
          }
          quoted = false;
        } else {
          if (c == '\n') ++line, col = 0;
          cell += c;
        }
        ++col;
        continue;
      }
      if (c == '\n') break;
      if (c == '\r' && (eol + 1 == text.size() || text[eol + 1] == '\n')) {
        ++col;
        continue;
      }
      if (c == '"' && trim(cell).empty() && !was_quoted) {
        quoted = was_quoted = true, cell.clear();
      } else if (c == ',') {
        row.cells.push_back({was_quoted ? cell : trim(cell), cell_col});
        cell.clear(), was_quoted = false, cell_col = col + 1;
      } else {
        cell += c;
      }
      ++col;
    }
    if (quoted) throw InputError(SourceMark{file, start_line, cell_col}, "", "unterminated quote (a cell opens with \" and never closes)");
    row.cells.push_back({was_quoted ? cell : trim(cell), cell_col});
    row.end_column = col;
    const bool blank = row.cells.size() == 1 && row.cells[0].text.empty() && trim(text.substr(line_start, eol - line_start)).empty();
    if (!blank) rows.push_back(std::move(row));
    i = eol + 1, ++line;
  }
  return rows;
}

/// A header cell split into its name and unit: "compliance_uA", "compliance [uA]", "compliance (uA)".
struct HeaderName {
  std::string base;  // lower case
  std::string unit;  // as written; "" when none
};

HeaderName split_header(const std::string& h) {
  const std::string t = trim(h);
  if (!t.empty() && (t.back() == ']' || t.back() == ')')) {
    const char open = t.back() == ']' ? '[' : '(';
    const std::size_t at = t.rfind(open);
    if (at != std::string::npos && at > 0) return {lower(trim(t.substr(0, at))), trim(t.substr(at + 1, t.size() - at - 2))};
  }
  for (const char* base : {"compliance_", "conductance_", "resistance_"}) {
    const std::size_t n = std::strlen(base);
    if (lower(t).compare(0, n, base) == 0) return {std::string(base, n - 1), t.substr(n)};
  }
  return {lower(t), ""};
}

std::string fmt_g6(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

bool is_resistance_unit(const std::string& u) { return u == "Ohm" || u == "kOhm" || u == "MOhm"; }

std::optional<double> number_of(const std::string& s) {
  if (s.empty()) return std::nullopt;
  const char* b = s.c_str();
  char* e = nullptr;
  const double v = std::strtod(b, &e);
  if (e != b + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

// SHA-256 (FIPS 180-4).
constexpr std::array<std::uint32_t, 64> kK = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be,
    0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa,
    0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85,
    0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f,
    0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

std::uint32_t rotr(std::uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

}  // namespace

std::string sha256_hex(const std::string& bytes) {
  std::uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string m = bytes;
  const std::uint64_t bits = static_cast<std::uint64_t>(bytes.size()) * 8;
  m += static_cast<char>(0x80);
  while (m.size() % 64 != 56) m += '\0';
  for (int i = 7; i >= 0; --i) m += static_cast<char>((bits >> (8 * i)) & 0xff);
  for (std::size_t off = 0; off < m.size(); off += 64) {
    std::uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = (static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i])) << 24) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 1])) << 16) |
             (static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 2])) << 8) |
             static_cast<std::uint32_t>(static_cast<unsigned char>(m[off + 4 * i + 3]));
    for (int i = 16; i < 64; ++i) {
      const std::uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const std::uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const std::uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + kK[i] + w[i];
      const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  char out[65];
  for (int i = 0; i < 8; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return std::string(out, 64);
}

Measurements read_measurements(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) throw InputError(SourceMark{path}, "", "measurements file not found (no such file)");
  if (!fs::is_regular_file(path, ec)) throw InputError(SourceMark{path}, "", "measurements file is not a regular file");
  if (fs::file_size(path, ec) > kMaxBytes) throw InputError(SourceMark{path}, "", "measurements file is larger than 4 GiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(SourceMark{path}, "", "cannot open the measurements file");
  std::ostringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();

  Measurements out;
  out.file = path;
  out.bytes = text.size();
  out.sha256 = sha256_hex(text);
  const std::vector<Row> rows = split_rows(path, text);
  if (rows.empty()) throw InputError(SourceMark{path, 1, 1}, "", "empty file: expected a header row (device,cycle,state,compliance_uA,conductance_uS,...)");

  // The header.
  const Row& head = rows.front();
  enum Col { kDevice, kCycle, kState, kCompliance, kConductance, kRead, kCyclesToFailure, kCensored, kCols };
  static const char* kNames[kCols] = {"device", "cycle", "state", "compliance", "conductance", "read", "cycles_to_failure", "censored"};
  std::array<int, kCols> at;
  at.fill(-1);
  bool resistance = false;
  double compliance_scale = 1, conductance_scale = 1;
  std::vector<std::string> names;
  for (std::size_t c = 0; c < head.cells.size(); ++c) {
    const Cell& cell = head.cells[c];
    const SourceMark where{path, head.line, cell.column};
    HeaderName h = split_header(cell.text);
    names.push_back(cell.text);
    if (h.base == "resistance") h.base = "conductance", resistance = true;
    int which = -1;
    for (int k = 0; k < kCols; ++k)
      if (h.base == kNames[k]) which = k;
    if (which < 0) {
      out.ignored_columns.push_back(cell.text);
      continue;
    }
    if (at[which] >= 0) throw InputError(where, cell.text, "column given twice (also column " + std::to_string(at[which] + 1) + ")");
    at[which] = static_cast<int>(c);
    const bool with_unit = which == kCompliance || which == kConductance;
    if (!with_unit && !h.unit.empty()) throw InputError(where, cell.text, "'" + std::string(kNames[which]) + "' takes no unit");
    if (which == kCompliance) {
      std::string why;
      const auto v = h.unit.empty() ? std::nullopt : parse_quantity("1 " + h.unit, Dimension::kCurrent, &why);
      if (!v) throw InputError(where, cell.text, "give the compliance's unit in the header, e.g. compliance_uA (units: " + std::string(accepted_units(Dimension::kCurrent)) + ")");
      compliance_scale = *v;
      out.compliance_header = cell.text;
    }
    if (which == kConductance) {
      std::string why;
      const bool ok_kind = resistance ? is_resistance_unit(h.unit) : (!h.unit.empty() && !is_resistance_unit(h.unit));
      const auto v = ok_kind ? parse_quantity("1 " + h.unit, Dimension::kConductance, &why) : std::nullopt;
      if (!v)
        throw InputError(where, cell.text, resistance ? "give the resistance's unit in the header: resistance_Ohm, resistance_kOhm or resistance_MOhm"
                                                      : "give the conductance's unit in the header, e.g. conductance_uS (units: S, mS, uS, nS; or a resistance_kOhm column)");
      conductance_scale = *v;
      out.conductance_header = cell.text;
    }
  }
  const auto missing = [&](const std::string& name, const std::string& example) {
    std::vector<std::string> bases;
    for (const auto& n : names) bases.push_back(lower(trim(n)));
    std::string msg = "missing column '" + name + "' (" + example + ")";
    const std::string guess = did_you_mean(name, bases);
    if (!guess.empty()) msg += "; did you mean '" + guess + "'?";
    msg += "; the header has:";
    for (const auto& n : names) msg += " " + n;
    return InputError(SourceMark{path, head.line, 1}, name, msg);
  };
  if (at[kDevice] < 0) throw missing("device", "a device id per read");
  if (at[kCycle] < 0) throw missing("cycle", "the cycle number of each read");
  if (at[kState] < 0) throw missing("state", "LRS or HRS");
  if (at[kCompliance] < 0) throw missing("compliance", "the SET compliance current with its unit, e.g. compliance_uA");
  if (at[kConductance] < 0) throw missing("conductance", "the read conductance with its unit, e.g. conductance_uS");
  if (at[kCensored] >= 0 && at[kCyclesToFailure] < 0) throw missing("cycles_to_failure", "a 'censored' column qualifies cycles_to_failure");
  out.has_repeat_column = at[kRead] >= 0;
  out.has_lifetime_columns = at[kCyclesToFailure] >= 0;
  out.device_column = at[kDevice] + 1, out.state_column = at[kState] + 1, out.cycle_column = at[kCycle] + 1;
  const auto col_of = [&](int k) { return head.cells[static_cast<std::size_t>(at[k])].column; };
  out.device_column = col_of(kDevice), out.state_column = col_of(kState), out.cycle_column = col_of(kCycle);

  // The rows.
  std::map<std::string, int> device_index;
  std::map<std::tuple<int, std::int64_t, bool, int>, int> seen;          // (device, cycle, lrs, repeat) -> line
  std::map<std::tuple<int, std::int64_t>, std::pair<double, int>> set_compliance;  // (device, cycle) -> LRS compliance, line
  for (std::size_t r = 1; r < rows.size(); ++r) {
    const Row& row = rows[r];
    if (row.cells.size() != head.cells.size()) {
      if (row.cells.size() < head.cells.size())
        throw InputError(SourceMark{path, row.line, row.end_column}, head.cells[row.cells.size()].text,
                         "row has " + std::to_string(row.cells.size()) + " cells, the header " + std::to_string(head.cells.size()) + " (this column is missing)");
      throw InputError(SourceMark{path, row.line, row.cells[head.cells.size()].column}, "",
                       "row has " + std::to_string(row.cells.size()) + " cells, the header " + std::to_string(head.cells.size()));
    }
    const auto cell = [&](int k) -> const Cell& { return row.cells[static_cast<std::size_t>(at[k])]; };
    const auto fail = [&](int k, const std::string& msg) {
      return InputError(SourceMark{path, row.line, cell(k).column}, head.cells[static_cast<std::size_t>(at[k])].text, msg);
    };
    const auto number = [&](int k) {
      const auto v = number_of(cell(k).text);
      if (!v) throw fail(k, "expected a number, got '" + cell(k).text + "'");
      return *v;
    };
    const std::string& dev = cell(kDevice).text;
    if (dev.empty()) throw fail(kDevice, "empty device id");
    auto [it, fresh] = device_index.emplace(dev, static_cast<int>(out.devices.size()));
    if (fresh) out.devices.push_back(dev), out.lifetimes.emplace_back();
    const int d = it->second;

    // Lifetime columns: one value per device, on any of its rows.
    if (at[kCyclesToFailure] >= 0 && !cell(kCyclesToFailure).text.empty()) {
      const double t = number(kCyclesToFailure);
      if (!(t > 0)) throw fail(kCyclesToFailure, "cycles to failure must be positive, got '" + cell(kCyclesToFailure).text + "'");
      bool cens = false;
      if (at[kCensored] >= 0) {
        const std::string c = lower(cell(kCensored).text);
        if (c == "true" || c == "1") cens = true;
        else if (c == "false" || c == "0" || c.empty()) cens = false;
        else throw fail(kCensored, "expected true or false (or 1 or 0), got '" + cell(kCensored).text + "'");
      }
      auto& life = out.lifetimes[static_cast<std::size_t>(d)];
      if (life && (life->cycles != t || life->censored != cens))
        throw fail(kCyclesToFailure, "device '" + dev + "' already has a different lifetime on line " + std::to_string(life->line) + " (one per device)");
      if (!life) life = MeasuredLifetime{t, cens, row.line};
    } else if (at[kCensored] >= 0 && !cell(kCensored).text.empty()) {
      throw fail(kCensored, "'censored' without cycles_to_failure on this row");
    }

    // A row that gives only a lifetime leaves state and conductance empty.
    const std::string state_text = cell(kState).text;
    if (state_text.empty() && cell(kConductance).text.empty()) {
      if (at[kCyclesToFailure] >= 0 && !cell(kCyclesToFailure).text.empty()) continue;
      throw fail(kState, "empty state and conductance (a row without a read gives a device's cycles_to_failure)");
    }
    const std::string state = lower(state_text);
    if (state != "lrs" && state != "hrs") throw fail(kState, "expected LRS or HRS, got '" + state_text + "'");
    MeasuredRead m{};
    m.device = d;
    m.lrs = state == "lrs";
    m.line = row.line;
    const double cyc = number(kCycle);
    if (cyc < 0 || cyc != std::floor(cyc) || cyc > 9.0e15) throw fail(kCycle, "expected a cycle number (an integer >= 0), got '" + cell(kCycle).text + "'");
    m.cycle = static_cast<std::int64_t>(cyc);
    m.repeat = 1;
    if (at[kRead] >= 0) {
      const double rep = number(kRead);
      if (rep < 1 || rep != std::floor(rep) || rep > 1e9) throw fail(kRead, "expected a repeat index (an integer >= 1), got '" + cell(kRead).text + "'");
      m.repeat = static_cast<int>(rep);
    }
    m.compliance = std::nan("");
    if (!cell(kCompliance).text.empty()) {
      // Six significant digits: one nominal compliance is one group even when unit conversion leaves rounding.
      const double ic = std::stod(fmt_g6(number(kCompliance) * compliance_scale));
      if (!(ic > 0)) throw fail(kCompliance, "compliance must be positive, got '" + cell(kCompliance).text + "'");
      m.compliance = ic;
    } else if (m.lrs) {
      throw fail(kCompliance, "an LRS read needs its SET's compliance");
    }
    const double g = number(kConductance);
    if (!(g > 0)) throw fail(kConductance, std::string(resistance ? "resistance" : "conductance") + " must be positive, got '" + cell(kConductance).text + "'");
    m.g = resistance ? conductance_scale / g : g * conductance_scale;
    if (!(m.g > 0) || !std::isfinite(m.g)) throw fail(kConductance, "out of range: '" + cell(kConductance).text + "'");

    const auto key = std::make_tuple(d, m.cycle, m.lrs, m.repeat);
    if (auto [s, added] = seen.emplace(key, row.line); !added)
      throw fail(out.has_repeat_column ? kRead : kCycle,
                 "a second " + std::string(m.lrs ? "LRS" : "HRS") + " read of device '" + dev + "' at cycle " + std::to_string(m.cycle) +
                     (out.has_repeat_column ? " with the same read index" : "") + " (first on line " + std::to_string(s->second) +
                     (out.has_repeat_column ? ")" : "; give repeated reads of one state a 'read' column: 1, 2, ...)"));
    if (m.lrs) {
      auto [s, added] = set_compliance.emplace(std::make_tuple(d, m.cycle), std::make_pair(m.compliance, row.line));
      if (!added && s->second.first != m.compliance)
        throw fail(kCompliance, "repeated reads of one SET differ in compliance (line " + std::to_string(s->second.second) + ")");
    }
    out.reads.push_back(m);
  }

  // What the fit needs.
  std::set<int> lrs_devices;
  std::map<std::pair<int, double>, std::set<std::int64_t>> cycles_per_cell;
  for (const MeasuredRead& m : out.reads)
    if (m.lrs) lrs_devices.insert(m.device), cycles_per_cell[{m.device, m.compliance}].insert(m.cycle);
  if (lrs_devices.empty())
    throw InputError(SourceMark{path, head.line, out.state_column}, head.cells[static_cast<std::size_t>(at[kState])].text,
                     "no LRS reads: the fit needs conductances read after SETs (state LRS) of at least 2 devices");
  if (lrs_devices.size() < 2)
    throw InputError(SourceMark{path, head.line, out.device_column}, head.cells[static_cast<std::size_t>(at[kDevice])].text,
                     "LRS reads of one device only ('" + out.devices[static_cast<std::size_t>(*lrs_devices.begin())] +
                         "'): splitting cycle-to-cycle from device-to-device variation needs at least 2 devices");
  bool repeated = false;
  for (const auto& [k, cycles] : cycles_per_cell) repeated = repeated || cycles.size() >= 2;
  if (!repeated)
    throw InputError(SourceMark{path, head.line, out.cycle_column}, head.cells[static_cast<std::size_t>(at[kCycle])].text,
                     "no device has LRS reads of 2 cycles at one compliance: the cycle-to-cycle spread needs repeated SETs");
  return out;
}

}  // namespace mc

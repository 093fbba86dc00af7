#include "data/dataset.hpp"

#include <algorithm>
#include <cfloat>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "common/rng.hpp"
#include "common/streams.hpp"
#include "scenario/error.hpp"

namespace mc {

namespace {

namespace fs = std::filesystem;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != b[i]) return false;
  }
  return true;
}

/// Spellings of "no value": empty, ?, NA, N/A, NaN (any case, optional sign).
bool is_missing(std::string_view s) {
  if (s.empty() || s == "?" || iequals(s, "na") || iequals(s, "n/a")) return true;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) s.remove_prefix(1);
  return iequals(s, "nan");
}

/// A cell as it appears in a message: double-quoted, at most 40 characters, control bytes escaped.
std::string quoted(std::string_view s) {
  std::string out = "\"";
  const std::size_t n = std::min<std::size_t>(s.size(), 40);
  for (std::size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  if (s.size() > n) out += "...";
  return out + "\"";
}

std::string plural(std::size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

class Parser {
 public:
  explicit Parser(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(int line, int column, const std::string& key, const std::string& what) const {
    throw InputError(SourceMark{file_, line, column}, key, what);
  }

  /// A feature cell to float; throws on a missing, non-numeric or non-finite value.
  float number(std::string_view raw, int line, int column, const std::string& name) const {
    const std::string_view s = trim(raw);
    if (is_missing(s))
      fail(line, column, name, s.empty() ? "missing value (empty cell)" : "missing value " + quoted(s));
    std::string_view digits = s;
    if (digits.size() > 1 && digits[0] == '+' && digits[1] != '-' && digits[1] != '+') digits.remove_prefix(1);
    double v = 0.0;
    const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
    if (ec == std::errc::invalid_argument || ptr != digits.data() + digits.size()) {
      fail(line, column, name, "not a number: " + quoted(s));
    }
    if (ec == std::errc::result_out_of_range) {  // overflow, or underflow to zero / a subnormal
      v = std::strtod(std::string(digits).c_str(), nullptr);
    }
    if (std::isnan(v)) fail(line, column, name, "missing value " + quoted(s));
    if (std::isinf(v)) fail(line, column, name, "not a finite number: " + quoted(s));
    if (std::fabs(v) > static_cast<double>(FLT_MAX)) {
      fail(line, column, name, "not a finite number: " + quoted(s) + " (out of float range)");
    }
    return static_cast<float>(v);
  }

  /// A label cell: a non-negative decimal integer.
  int label(std::string_view raw, int line, int column, const std::string& name) const {
    const std::string_view s = trim(raw);
    if (is_missing(s))
      fail(line, column, name, s.empty() ? "missing value (empty cell)" : "missing value " + quoted(s));
    long long v = -1;
    const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    const bool all_digits = std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!all_digits || ptr != s.data() + s.size()) {
      fail(line, column, name, "not a non-negative integer class id: " + quoted(s));
    }
    if (ec != std::errc() || v > std::numeric_limits<int>::max()) {
      fail(line, column, name, "class id out of range: " + quoted(s));
    }
    return static_cast<int>(v);
  }

 private:
  std::string file_;
};

std::string read_file(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw InputError(SourceMark{path}, "", "data set file not found (no such file)");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw InputError(SourceMark{path}, "", "data set file cannot be read (" + ec.message() + ")");
  if (size > kMaxDatasetBytes) throw InputError(SourceMark{path}, "", "data set file is larger than 64 MiB");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(SourceMark{path}, "", "data set file cannot be opened");
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(size));
  text.resize(static_cast<std::size_t>(in.gcount()));  // the file may have shrunk meanwhile; never grows here
  return text;
}

}  // namespace

Dataset load_csv_dataset(const std::string& path, std::size_t max_features, bool real_target) {
  std::string text = read_file(path);
  const Parser p(path);

  std::string_view all(text);
  if (all.size() >= 3 && std::memcmp(all.data(), "\xEF\xBB\xBF", 3) == 0) all.remove_prefix(3);
  while (!all.empty() && (all.back() == '\n' || all.back() == '\r' || all.back() == ' ' || all.back() == '\t')) {
    all.remove_suffix(1);  // blank lines at the end
  }
  if (all.empty()) {
    throw InputError(SourceMark{path}, "", "data set file is empty (expected a header row and data rows)");
  }

  // Walk the lines; `next_line` returns false at the end.
  std::size_t pos = 0;
  int line_no = 0;
  auto next_line = [&](std::string_view* out) {
    if (pos > all.size()) return false;
    const char* start = all.data() + pos;
    const void* nl = std::memchr(start, '\n', all.size() - pos);
    const std::size_t len = nl ? static_cast<std::size_t>(static_cast<const char*>(nl) - start) : all.size() - pos;
    *out = std::string_view(start, len);
    if (!out->empty() && out->back() == '\r') out->remove_suffix(1);
    pos += len + 1;
    ++line_no;
    return true;
  };

  // Header.
  std::string_view line;
  next_line(&line);
  const std::size_t columns = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
  if (columns > kMaxDatasetColumns) {
    p.fail(1, 1, "",
           "header has " + std::to_string(columns) + " columns, more than the limit of " +
               std::to_string(kMaxDatasetColumns));
  }
  if (columns < 2) p.fail(1, 1, "", "header needs at least one feature column and the label column");
  std::vector<std::string> names;
  names.reserve(columns);
  {
    std::unordered_map<std::string_view, std::size_t> seen;
    std::size_t start = 0;
    for (std::size_t c = 0; c < columns; ++c) {
      const std::size_t comma = std::min(line.find(',', start), line.size());
      const std::string_view name = trim(line.substr(start, comma - start));
      const int col = static_cast<int>(c + 1);
      if (name.empty()) p.fail(1, col, "", "empty column name in the header");
      const auto [it, fresh] = seen.emplace(name, c);
      if (!fresh)
        p.fail(1, col, std::string(name), "duplicate column name (also column " + std::to_string(it->second + 1) + ")");
      names.emplace_back(name);
      start = comma + 1;
    }
  }
  const std::size_t features = columns - 1;
  if (max_features > 0 && features > max_features) {
    p.fail(1, 1, "",
           "has " + std::to_string(features) + " features, the model declares at most " + std::to_string(max_features));
  }

  Dataset d;
  d.file = path;
  d.y.reserve(std::min<std::size_t>(all.size() / (2 * columns) + 1, 1u << 20));
  d.x.reserve(d.y.capacity() * features);
  const std::string& label_name = names.back();

  while (next_line(&line)) {
    const std::size_t cells = static_cast<std::size_t>(std::count(line.begin(), line.end(), ',')) + 1;
    if (cells != columns) {
      if (trim(line).empty()) p.fail(line_no, 1, "", "empty line; the header has " + plural(columns, "column"));
      p.fail(line_no, 1, "", "row has " + plural(cells, "cell") + ", the header has " + std::to_string(columns));
    }
    std::size_t start = 0;
    for (std::size_t c = 0; c < features; ++c) {
      const std::size_t comma = line.find(',', start);
      d.x.push_back(p.number(line.substr(start, comma - start), line_no, static_cast<int>(c + 1), names[c]));
      start = comma + 1;
    }
    if (real_target) {
      d.target.push_back(p.number(line.substr(start), line_no, static_cast<int>(columns), label_name));
      d.y.push_back(0);
    } else {
      d.y.push_back(p.label(line.substr(start), line_no, static_cast<int>(columns), label_name));
    }
  }
  d.rows = d.y.size();
  if (d.rows == 0) throw InputError(SourceMark{path}, "", "data set has a header but no data rows");
  if (real_target) {
    d.classes = 1;
    d.features = std::vector<std::string>(names.begin(), names.end() - 1);
    return d;
  }

  // Classes: 0..K-1, each present, K >= 2. Found from the sorted distinct ids so that a hostile id never sizes
  // an allocation.
  std::vector<int> ids(d.y);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.size() < 2) {
    throw InputError(SourceMark{path}, label_name,
                     "needs at least 2 classes, found only class " + std::to_string(ids[0]));
  }
  for (std::size_t k = 0; k < ids.size(); ++k) {
    if (ids[k] != static_cast<int>(k)) {
      throw InputError(SourceMark{path}, label_name,
                       "class " + std::to_string(k) + " has no rows (class ids must be 0.." +
                           std::to_string(ids.back()) + ", each with at least one row)");
    }
  }
  d.classes = static_cast<int>(ids.size());
  d.features = std::vector<std::string>(names.begin(), names.end() - 1);
  return d;
}

Split stratified_split(const Dataset& d, double test_fraction, std::uint32_t seed) {
  if (!(test_fraction >= 0.0 && test_fraction <= 1.0)) {
    throw std::invalid_argument("stratified_split: test_fraction must be in [0, 1], got " +
                                std::to_string(test_fraction));
  }
  if (d.y.size() != d.rows || d.classes < 1) throw std::invalid_argument("stratified_split: malformed Dataset");
  std::vector<std::vector<std::pair<std::uint64_t, std::size_t>>> by_class(static_cast<std::size_t>(d.classes));
  const RngKey key{seed, stream::kDataSplit};
  for (std::size_t r = 0; r < d.rows; ++r) {
    const int k = d.y[r];
    if (k < 0 || k >= d.classes)
      throw std::invalid_argument("stratified_split: label out of range in row " + std::to_string(r));
    const U32x4 u = philox(key, r, 0, 0);
    by_class[static_cast<std::size_t>(k)].emplace_back((std::uint64_t{u.v[0]} << 32) | u.v[1], r);
  }
  Split s;
  for (auto& members : by_class) {
    std::sort(members.begin(), members.end());  // ties in the 64-bit key fall back to the row index
    const std::size_t n = members.size();
    std::size_t n_test = static_cast<std::size_t>(std::llround(test_fraction * static_cast<double>(n)));
    if (n >= 2 && test_fraction > 0.0) n_test = std::max<std::size_t>(n_test, 1);
    if (n >= 2 && test_fraction < 1.0) n_test = std::min(n_test, n - 1);
    for (std::size_t i = 0; i < n; ++i) (i < n_test ? s.test : s.train).push_back(members[i].second);
  }
  std::sort(s.train.begin(), s.train.end());
  std::sort(s.test.begin(), s.test.end());
  return s;
}

void zscore(Dataset& d, const std::vector<std::size_t>& fit_rows) {
  const std::size_t p = d.features.size();
  if (fit_rows.empty()) throw std::invalid_argument("zscore: no rows to fit the mean and standard deviation on");
  if (d.x.size() != d.rows * p) throw std::invalid_argument("zscore: malformed Dataset");
  for (std::size_t r : fit_rows) {
    if (r >= d.rows) throw std::out_of_range("zscore: fit row " + std::to_string(r) + " out of range");
  }
  std::vector<double> mean(p, 0.0), m2(p, 0.0);
  const auto first = d.x.begin() + static_cast<std::ptrdiff_t>(fit_rows[0] * p);
  std::vector<float> lo(first, first + static_cast<std::ptrdiff_t>(p)), hi = lo;
  for (std::size_t r : fit_rows) {
    const float* row = &d.x[r * p];
    for (std::size_t j = 0; j < p; ++j) {
      mean[j] += row[j];
      lo[j] = std::min(lo[j], row[j]);
      hi[j] = std::max(hi[j], row[j]);
    }
  }
  const double n = static_cast<double>(fit_rows.size());
  for (double& m : mean) m /= n;
  for (std::size_t r : fit_rows) {
    const float* row = &d.x[r * p];
    for (std::size_t j = 0; j < p; ++j) {
      const double e = row[j] - mean[j];
      m2[j] += e * e;
    }
  }
  std::vector<double> scale(p, 1.0);
  for (std::size_t j = 0; j < p; ++j) {
    if (lo[j] != hi[j]) scale[j] = 1.0 / std::sqrt(m2[j] / n);  // constant on fit rows: centre only
  }
  for (std::size_t r = 0; r < d.rows; ++r) {
    float* row = &d.x[r * p];
    for (std::size_t j = 0; j < p; ++j) row[j] = static_cast<float>((row[j] - mean[j]) * scale[j]);
  }
}

}  // namespace mc

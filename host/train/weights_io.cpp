#include "train/weights_io.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "scenario/error.hpp"

namespace mc {

namespace {

constexpr std::uintmax_t kMaxWeightBytes = std::uintmax_t{256} << 20;

std::string read_all(const std::string& path, const std::string& key) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) throw InputError(SourceMark{path, 0, 0}, key, "cannot read the weight file");
  if (size > kMaxWeightBytes) throw InputError(SourceMark{path, 0, 0}, key, "weight file larger than 256 MB");
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<float> load_npy(const std::string& path, int rows, int cols, const std::string& key) {
  const std::string b = read_all(path, key);
  const SourceMark head{path, 1, 1};
  if (b.size() < 10 || b.compare(0, 6, "\x93NUMPY") != 0) throw InputError(head, key, "not a .npy file (no \\x93NUMPY magic)");
  const int major = static_cast<unsigned char>(b[6]);
  std::size_t hlen, off;
  if (major == 1) {
    hlen = static_cast<unsigned char>(b[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(b[9])) << 8);
    off = 10;
  } else {
    if (b.size() < 12) throw InputError(head, key, "truncated .npy header");
    hlen = 0;
    for (int k = 0; k < 4; ++k) hlen |= static_cast<std::size_t>(static_cast<unsigned char>(b[8 + k])) << (8 * k);
    off = 12;
  }
  if (off + hlen > b.size()) throw InputError(head, key, "truncated .npy header");
  const std::string h = b.substr(off, hlen);
  std::smatch m;
  if (!std::regex_search(h, m, std::regex("'descr'\\s*:\\s*'([<>|=]?)([fi])(\\d)'")))
    throw InputError(head, key, "unsupported .npy dtype (expected little-endian float32 or float64)");
  const std::string order = m[1], kind = m[2];
  const int width = std::stoi(m[3]);
  if (order == ">" || kind != "f" || (width != 4 && width != 8))
    throw InputError(head, key, "unsupported .npy dtype (expected little-endian float32 or float64)");
  if (std::regex_search(h, std::regex("'fortran_order'\\s*:\\s*True"))) throw InputError(head, key, "Fortran-ordered .npy; save a C-ordered array");
  if (!std::regex_search(h, m, std::regex("'shape'\\s*:\\s*\\(\\s*(\\d+)\\s*,\\s*(\\d+)\\s*,?\\s*\\)")))
    throw InputError(head, key, fmt::format("expected a 2-D array of shape ({}, {})", rows, cols));
  const long r = std::stol(m[1]), c = std::stol(m[2]);
  if (r != rows || c != cols)
    throw InputError(head, key, fmt::format("shape ({}, {}), expected ({}, {}): inputs + 1 (bias last) by outputs", r, c, rows, cols));
  const std::size_t data = off + hlen, n = static_cast<std::size_t>(rows) * cols;
  if (b.size() < data + n * width) throw InputError(head, key, "truncated .npy data");
  std::vector<float> out(n);
  for (std::size_t k = 0; k < n; ++k) {
    if (width == 4) {
      std::memcpy(&out[k], b.data() + data + 4 * k, 4);
    } else {
      double v;
      std::memcpy(&v, b.data() + data + 8 * k, 8);
      out[k] = static_cast<float>(v);
    }
  }
  return out;
}

std::vector<float> load_csv(const std::string& path, int rows, int cols, const std::string& key) {
  const std::string text = read_all(path, key);
  std::istringstream in(text);
  std::vector<float> out;
  int line_no = 0, row = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, ',');) cells.push_back(c);
    auto number = [](const std::string& c, float* v) {
      const char* s = c.c_str();
      char* end = nullptr;
      const double x = std::strtod(s, &end);
      while (*end == ' ' || *end == '\t') ++end;
      if (end == s || *end) return false;
      *v = static_cast<float>(x);
      return std::isfinite(x);
    };
    float v;
    if (row == 0 && out.empty() && !cells.empty() && !number(cells[0], &v)) continue;  // a header line
    if (row >= rows) throw InputError(SourceMark{path, line_no, 1}, key, fmt::format("more than {} rows (inputs + 1, bias last)", rows));
    if (static_cast<int>(cells.size()) != cols)
      throw InputError(SourceMark{path, line_no, static_cast<int>(cells.size()) + (static_cast<int>(cells.size()) < cols ? 1 : 0)}, key,
                       fmt::format("{} columns, expected {} (one per output)", cells.size(), cols));
    for (int c = 0; c < cols; ++c) {
      if (!number(cells[c], &v)) throw InputError(SourceMark{path, line_no, c + 1}, key, "expected a number, got \"" + cells[c] + "\"");
      out.push_back(v);
    }
    ++row;
  }
  if (row != rows) throw InputError(SourceMark{path, line_no + 1, 1}, key, fmt::format("{} rows, expected {} (inputs + 1, bias last)", row, rows));
  return out;
}

}  // namespace

std::vector<float> load_weight_matrix(const std::string& path, int rows, int cols, const std::string& key) {
  const std::string ext = std::filesystem::path(path).extension().string();
  if (ext == ".npy") return load_npy(path, rows, cols, key);
  return load_csv(path, rows, cols, key);
}

std::string layer_weight_file(const std::string& first, int layer, const std::string& key) {
  const std::filesystem::path p(first);
  const std::string stem = p.stem().string();
  if (stem.empty() || stem.back() != '1')
    throw InputError(SourceMark{first, 0, 0}, key, "the first layer's file name must end in 1 (w1.npy, w2.npy, ...)");
  return (p.parent_path() / (stem.substr(0, stem.size() - 1) + std::to_string(layer) + p.extension().string())).string();
}

}  // namespace mc

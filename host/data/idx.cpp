#include "data/idx.hpp"

#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include <fmt/format.h>

#include "scenario/error.hpp"

namespace mc {

namespace {

namespace fs = std::filesystem;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

[[noreturn]] void fail(const std::string& path, const std::string& key, const std::string& what) {
  throw InputError(SourceMark{path, 0, 0}, key, what);
}

/// Reads exactly n bytes at offset `at`; false at a clean end of file before the first byte.
void read_exact(gzFile f, void* out, std::size_t n, std::size_t at, const std::string& path, const std::string& key) {
  auto* p = static_cast<unsigned char*>(out);
  std::size_t got = 0;
  while (got < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
    const int r = gzread(f, p + got, chunk);
    if (r < 0) {
      int err = 0;
      const char* msg = gzerror(f, &err);
      fail(path, key, fmt::format("not a readable IDX file (byte {}: {})", at + got, msg ? msg : "read error"));
    }
    if (r == 0) fail(path, key, fmt::format("truncated IDX file: {} bytes expected at byte {}, {} found", n, at, got));
    got += static_cast<std::size_t>(r);
  }
}

}  // namespace

IdxArray read_idx(const std::string& path, int rank, const std::string& key) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail(path, key, "no such file");
  if (!fs::is_regular_file(path, ec)) fail(path, key, "not a regular file");
  std::unique_ptr<gzFile_s, GzCloser> f(gzopen(path.c_str(), "rb"));
  if (!f) fail(path, key, "cannot be opened");
  unsigned char head[4];
  read_exact(f.get(), head, 4, 0, path, key);
  if (head[0] != 0 || head[1] != 0) fail(path, key, "not an IDX file (the first two bytes are not zero)");
  if (head[2] != 0x08) fail(path, key, fmt::format("IDX type 0x{:02x} is not supported (expected 0x08, unsigned bytes)", head[2]));
  if (head[3] != rank)
    fail(path, key, fmt::format("IDX file of {} dimensions, expected {} ({})", head[3], rank, rank == 1 ? "labels" : "images"));
  IdxArray a;
  std::size_t total = 1;
  for (int d = 0; d < rank; ++d) {
    unsigned char b[4];
    read_exact(f.get(), b, 4, 4 + 4 * static_cast<std::size_t>(d), path, key);
    const std::uint32_t v = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) | b[3];
    if (v == 0) fail(path, key, fmt::format("dimension {} is 0", d + 1));
    if (d == 0 && v > kMaxIdxItems) fail(path, key, fmt::format("{} items, more than the {} supported", v, kMaxIdxItems));
    if (d > 0 && v > 4096) fail(path, key, fmt::format("dimension {} is {}, more than 4096", d + 1, v));
    a.dims.push_back(v);
    total *= v;
  }
  const std::size_t header = 4 + 4 * static_cast<std::size_t>(rank);
  a.data.resize(total);
  read_exact(f.get(), a.data.data(), total, header, path, key);
  unsigned char extra;
  if (gzread(f.get(), &extra, 1) > 0) fail(path, key, fmt::format("trailing bytes after the {} bytes the header declares", header + total));
  return a;
}

Dataset load_idx_dataset(const std::string& images, const std::string& labels, const std::string& key) {
  const IdxArray im = read_idx(images, 3, key);
  const IdxArray lb = read_idx(labels, 1, key);
  if (im.dims[0] != lb.dims[0])
    fail(labels, key, fmt::format("{} labels for the {} images of {}", lb.dims[0], im.dims[0], images));
  Dataset d;
  d.file = images;
  d.rows = im.dims[0];
  const std::size_t h = im.dims[1], w = im.dims[2], n = h * w;
  d.features.reserve(n);
  for (std::size_t r = 0; r < h; ++r)
    for (std::size_t c = 0; c < w; ++c) d.features.push_back(fmt::format("px_{}_{}", r, c));
  d.x.resize(d.rows * n);
  for (std::size_t i = 0; i < d.x.size(); ++i) d.x[i] = static_cast<float>(im.data[i]) / 255.0f;
  d.y.resize(d.rows);
  int max_label = 0;
  for (std::size_t i = 0; i < d.rows; ++i) {
    const int y = lb.data[i];
    if (y > 9) fail(labels, key, fmt::format("label {} of item {} is outside 0..9", y, i));
    d.y[i] = y;
    max_label = std::max(max_label, y);
  }
  d.classes = max_label + 1;
  std::vector<int> count(static_cast<std::size_t>(d.classes), 0);
  for (int y : d.y) ++count[static_cast<std::size_t>(y)];
  for (int k = 0; k < d.classes; ++k)
    if (count[static_cast<std::size_t>(k)] == 0) fail(labels, key, fmt::format("class {} has no item (labels 0..{} are used)", k, max_label));
  if (d.classes < 2) fail(labels, key, "a single class");
  return d;
}

std::string fashion_mnist_dir() {
  const char* env = std::getenv("MC_FASHION_MNIST");
  return env && *env ? std::string(env) : std::string("/usr/share/datasets/fashion-mnist");
}

Dataset load_fashion_mnist(const std::string& part, const std::string& key, const std::string& dir_in) {
  const std::string dir = dir_in.empty() ? fashion_mnist_dir() : dir_in;
  std::string stem;
  if (part == "train") stem = "train";
  else if (part == "test") stem = "t10k";
  else throw InputError(SourceMark{}, key, fmt::format("Fashion-MNIST part \"{}\": expected train or test", part));
  auto file = [&](const char* kind) {
    const fs::path base = fs::path(dir) / fmt::format("{}-{}-ubyte", stem, kind);
    std::error_code ec;
    if (fs::exists(base.string() + ".gz", ec)) return base.string() + ".gz";
    if (fs::exists(base, ec)) return base.string();
    throw InputError(SourceMark{}, key,
                     fmt::format("Fashion-MNIST is not installed: {}.gz not found; install the Debian package "
                                 "dataset-fashion-mnist (tools/setup.sh deps does), or set MC_FASHION_MNIST to a "
                                 "folder holding the IDX files",
                                 base.string()));
  };
  return load_idx_dataset(file("images-idx3"), file("labels-idx1"), key);
}

const std::vector<std::string>& fashion_mnist_classes() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

}  // namespace mc

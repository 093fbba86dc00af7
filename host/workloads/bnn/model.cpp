// Workload `bnn`, the model: data, batch-norm folding, packing, one chip's weights with its flips, inference of a
// block of images through the packed kernels, and the model files.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "bnn/driver.hpp"
#include "data/idx.hpp"
#include "io/output.hpp"
#include "scenario/error.hpp"
#include "train/weights_io.hpp"
#include "workloads/bnn/bnn.hpp"

namespace mc {

namespace fs = std::filesystem;

const char* bnn_errors_name(BnnErrors e) {
  switch (e) {
    case BnnErrors::kNone: return "none";
    case BnnErrors::kBer: return "ber";
    case BnnErrors::kDevice: return "device";
    case BnnErrors::kLognormal: return "lognormal";
  }
  return "?";
}

BinaryNetData load_bnn_data(const BnnSpec& w, const std::string& key, const SourceMark& where) {
  Dataset train, test;
  try {
    train = load_fashion_mnist("train", key, w.data_dir);
    test = load_fashion_mnist("test", key, w.data_dir);
  } catch (const InputError& e) {
    if (!where.file.empty() && e.detail().find("not installed") != std::string::npos) throw InputError(where, key, e.detail());
    throw;
  }
  BinaryNetData d;
  d.inputs = static_cast<int>(train.features.size());
  if (static_cast<int>(test.features.size()) != d.inputs)
    throw InputError(where, key, fmt::format("the test images have {} pixels, the training images {}", test.features.size(), d.inputs));
  d.classes = std::max(train.classes, test.classes);
  const std::size_t ntr = w.train_rows ? std::min<std::size_t>(w.train_rows, train.rows) : train.rows;
  const std::size_t nte = w.test_rows ? std::min<std::size_t>(w.test_rows, test.rows) : test.rows;
  d.x_train.assign(train.x.begin(), train.x.begin() + ntr * d.inputs);
  d.y_train.assign(train.y.begin(), train.y.begin() + ntr);
  d.x_test.assign(test.x.begin(), test.x.begin() + nte * d.inputs);
  d.y_test.assign(test.y.begin(), test.y.begin() + nte);
  return d;
}

BnnDataShape bnn_data_shape(const BnnSpec& w, const std::string& key, const SourceMark& where) {
  const std::string dir = w.data_dir.empty() ? fashion_mnist_dir() : w.data_dir;
  auto file = [&](const char* stem, const char* kind) {
    const fs::path base = fs::path(dir) / fmt::format("{}-{}-ubyte", stem, kind);
    std::error_code ec;
    if (fs::exists(base.string() + ".gz", ec)) return base.string() + ".gz";
    if (fs::exists(base, ec)) return base.string();
    throw InputError(where, key,
                     fmt::format("Fashion-MNIST is not installed: {}.gz not found; install the Debian package dataset-fashion-mnist "
                                 "(tools/setup.sh deps does), or set MC_FASHION_MNIST to a folder holding the IDX files",
                                 base.string()));
  };
  BnnDataShape shape;
  for (const char* stem : {"train", "t10k"}) {
    // Images: the header only (count, rows, cols); the pixels are read and checked when the point runs.
    const std::string images = file(stem, "images-idx3");
    gzFile f = gzopen(images.c_str(), "rb");
    unsigned char h[16];
    const int got = f ? gzread(f, h, 16) : -1;
    if (f) gzclose(f);
    if (got != 16 || h[0] != 0 || h[1] != 0 || h[2] != 0x08 || h[3] != 3)
      throw InputError(where, key, images + ": not an IDX file of unsigned-byte images (3 dimensions)");
    auto dim = [&](int d) { return (std::uint32_t{h[4 + 4 * d]} << 24) | (std::uint32_t{h[5 + 4 * d]} << 16) | (std::uint32_t{h[6 + 4 * d]} << 8) | h[7 + 4 * d]; };
    const int inputs = static_cast<int>(dim(1) * dim(2));
    if (shape.inputs && inputs != shape.inputs)
      throw InputError(where, key, fmt::format("the test images have {} pixels, the training images {}", inputs, shape.inputs));
    shape.inputs = inputs;
    const IdxArray labels = read_idx(file(stem, "labels-idx1"), 1, key);
    if (labels.dims[0] != dim(0)) throw InputError(where, key, fmt::format("{}: {} images but {} labels", images, dim(0), labels.dims[0]));
    for (std::uint8_t y : labels.data) shape.classes = std::max(shape.classes, y + 1);
  }
  return shape;
}

std::uint64_t BnnFolded::bits() const {
  std::uint64_t b = 0;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) b += static_cast<std::uint64_t>(sizes[l]) * sizes[l + 1];
  return b;
}

BnnFolded fold_network(const train::BinaryNet& net) {
  BnnFolded f;
  f.sizes = net.sizes;
  f.byte_input = !net.binary_input;
  const int L = static_cast<int>(net.W.size());
  for (int l = 0; l < L; ++l) {
    const int ni = net.sizes[l], no = net.sizes[l + 1], words = bnn_words(ni), cols = bnn_columns(no);
    std::vector<std::uint64_t> p(static_cast<std::size_t>(words) * cols, 0);
    for (int i = 0; i < ni; ++i)
      for (int j = 0; j < no; ++j)
        if (net.W[l][static_cast<std::size_t>(i) * no + j] >= 0.0f) p[static_cast<std::size_t>(i / 64) * cols + j] |= std::uint64_t{1} << (i % 64);
    f.packed.push_back(std::move(p));
    // Pre-activation units: 255·x on the byte-input first layer, else ±1 sums (as train::binary_scores).
    const double unit = l == 0 && f.byte_input ? 255.0 : 1.0;
    if (l + 1 < L) {
      std::vector<BnnThreshold> th(no);
      for (int j = 0; j < no; ++j) {
        const double sd = std::sqrt(static_cast<double>(net.var[l][j]) + net.eps);
        th[j] = bnn_fold(unit * net.mean[l][j], unit * sd, 1.0, 0.0);
      }
      std::vector<std::int32_t> sg(no), bd(no);
      for (int j = 0; j < no; ++j) sg[j] = th[j].dir > 0 ? 1 : -1, bd[j] = sg[j] * th[j].t;
      f.fire_sign.push_back(std::move(sg));
      f.fire_bound.push_back(std::move(bd));
      f.thresholds.push_back(std::move(th));
    } else {
      for (int j = 0; j < no; ++j) {
        f.out_mean.push_back(unit * net.mean[l][j]);
        f.out_sd.push_back(unit * std::sqrt(static_cast<double>(net.var[l][j]) + net.eps));
      }
    }
  }
  return f;
}

BnnInputs pack_inputs(const BnnFolded& f, const float* X, std::int64_t N) {
  BnnInputs in;
  in.images = N;
  in.n_in = f.sizes[0];
  in.words = bnn_words(in.n_in);
  in.planes = f.byte_input ? kBnnPlanes : 0;
  const int stride = (in.planes ? in.planes : 1) * in.words;
  in.act.assign(static_cast<std::size_t>(N) * stride, 0);
  if (in.planes) in.sum.assign(N, 0), in.bytes.assign(static_cast<std::size_t>(N) * in.n_in, 0);
  for (std::int64_t n = 0; n < N; ++n) {
    std::uint64_t* row = &in.act[static_cast<std::size_t>(n) * stride];
    for (int i = 0; i < in.n_in; ++i) {
      const float x = X[static_cast<std::size_t>(n) * in.n_in + i];
      const std::uint64_t bit = std::uint64_t{1} << (i % 64);
      if (in.planes) {
        const int k = static_cast<int>(std::min(255.0f, std::max(0.0f, std::nearbyint(x * 255.0f))));
        in.bytes[static_cast<std::size_t>(n) * in.n_in + i] = static_cast<std::uint8_t>(k);
        in.sum[n] += k;
        for (int b = 0; b < kBnnPlanes; ++b)
          if ((k >> b) & 1) row[b * in.words + i / 64] |= bit;
      } else if (x >= 0.5f) {
        row[i / 64] |= bit;
      }
    }
  }
  return in;
}

std::vector<std::vector<std::uint64_t>> chip_weights(const BnnFolded& f,
                                                     const std::function<void(int, const std::function<void(std::uint64_t)>&)>& flips) {
  std::vector<std::vector<std::uint64_t>> w = f.packed;
  for (int l = 0; l + 1 < static_cast<int>(f.sizes.size()); ++l) {
    const std::uint64_t ni = static_cast<std::uint64_t>(f.sizes[l]);
    const int cols = bnn_columns(f.sizes[l + 1]);
    std::uint64_t* p = w[l].data();
    flips(l, [&](std::uint64_t k) {
      const std::uint64_t j = k / ni, i = k % ni;
      p[(i / 64) * cols + j] ^= std::uint64_t{1} << (i % 64);
    });
  }
  return w;
}

void bnn_infer(const BnnFolded& f, const std::vector<const std::uint64_t*>& weights, const BnnInputs& in, std::int64_t n0,
               std::int64_t count, const BnnDot& dot, const BnnReadErrors* read, int* decisions,
               std::vector<std::vector<std::int32_t>>* pre_out) {
  const int L = static_cast<int>(f.sizes.size()) - 1;
  const int stride0 = (in.planes ? in.planes : 1) * in.words;
  std::vector<std::uint64_t> act, next;
  std::vector<std::int32_t> pre;
  if (pre_out) pre_out->assign(L, {});
  for (int l = 0; l < L; ++l) {
    const int ni = f.sizes[l], no = f.sizes[l + 1], cols = bnn_columns(no);
    BnnDotArgs a;
    a.n_in = ni, a.n_out = no, a.weights = weights[l], a.images = count, a.out_stride = no;
    if (l == 0) {
      a.planes = in.planes;
      a.act = in.act.data() + static_cast<std::size_t>(n0) * stride0;
      a.act_sum = in.planes ? in.sum.data() + n0 : nullptr;
    } else {
      a.act = act.data();
    }
    const bool hidden = l + 1 < L, read_errors = read && (read->ber > 0 || read->cells);
    if (hidden) {
      next.resize(static_cast<std::size_t>(count) * bnn_words(no));
      a.fire_sign = f.fire_sign[l].data(), a.fire_bound = f.fire_bound[l].data(), a.bits_stride = bnn_words(no);
    }
    // A hidden layer without per-read errors or a caller wanting its integers: the kernel thresholds and packs.
    const bool fused = hidden && !read_errors && !pre_out;
    if (fused) {
      a.bits = next.data();
    } else {
      pre.resize(static_cast<std::size_t>(count) * no);  // every entry is written by the dot product
      a.out = pre.data();
    }
    dot(a);
    if (fused) {
      act.swap(next);
      continue;
    }
    if (read_errors) {
      // Per-read errors: a weight read wrong for this image changes its term a_i·w_ij to −a_i·w_ij.
      const int words = bnn_words(ni);
      for (std::int64_t r = 0; r < count; ++r) {
        std::int32_t* x = &pre[static_cast<std::size_t>(r) * no];
        const std::uint64_t image = static_cast<std::uint64_t>(n0 + r);
        auto flip = [&](std::uint64_t k) {
          const int j = static_cast<int>(k / ni), i = static_cast<int>(k % ni);
          const int w = (weights[l][static_cast<std::size_t>(i / 64) * cols + j] >> (i % 64)) & 1 ? 1 : -1;
          int av;
          if (l == 0 && in.planes) av = in.bytes[static_cast<std::size_t>(n0 + r) * ni + i];
          else {
            const std::uint64_t* row = l == 0 ? &in.act[static_cast<std::size_t>(n0 + r) * stride0] : &act[static_cast<std::size_t>(r) * words];
            av = (row[i / 64] >> (i % 64)) & 1 ? 1 : -1;
          }
          x[j] -= 2 * av * w;
          if (read->flips) ++*read->flips;
        };
        if (read->ber > 0)
          bnn_flips(read->ber, static_cast<std::uint64_t>(ni) * no, RngKey{read->seed, stream::kBnnReadFlip}, image, read->chip * L + l, flip);
        if (read->cells) {
          for (const BnnReadBin& bin : read->cells->layers[l]) {
            const std::uint64_t step = (read->chip * L + l) * kBnnReadBins + bin.bin;
            bnn_flips(bin.bound, bin.cell.size(), RngKey{read->seed, stream::kBnnReadCandidate}, image, step, [&](std::uint64_t c) {
              const U32x4 u = philox(RngKey{read->seed, stream::kBnnReadAccept}, image, step, static_cast<std::uint32_t>(c));
              if (u01_53(u.v[0], u.v[1]) * bin.bound < bin.p[c]) flip(bin.cell[c]);
            });
          }
        }
      }
    }
    if (pre_out) (*pre_out)[l] = pre;
    if (hidden) {
      a.bits = next.data();
      bnn_pack_fired(a, pre.data());
      act.swap(next);
    } else {
      for (std::int64_t r = 0; r < count; ++r) {
        int best = 0;
        double top = -1e300;
        for (int j = 0; j < no; ++j) {
          const double s = (pre[static_cast<std::size_t>(r) * no + j] - f.out_mean[j]) / f.out_sd[j];
          if (s > top) top = s, best = j;
        }
        decisions[r] = best;
      }
    }
  }
}

std::vector<BnnReadBin> bin_read_cells(const std::vector<double>& p) {
  std::vector<BnnReadBin> bins(kBnnReadBins);
  for (int b = 0; b < kBnnReadBins; ++b) bins[b].bin = b, bins[b].bound = bnn_read_bin_bound(b);
  for (std::size_t k = 0; k < p.size(); ++k) {
    const int b = bnn_read_bin(p[k]);
    if (b < 0) continue;
    bins[b].cell.push_back(static_cast<std::uint32_t>(k));
    bins[b].p.push_back(p[k]);
  }
  std::vector<BnnReadBin> used;
  for (BnnReadBin& b : bins)
    if (!b.cell.empty()) used.push_back(std::move(b));
  return used;
}

BnnDot bnn_dot_of(const Backend& b) {
#if defined(MC_HAVE_CUDA)
  if (b.kind == Backend::kCuda) {
    const int gpu = b.gpu;
    return [gpu](const BnnDotArgs& a) { bnn_dot_cuda(gpu, a); };
  }
#endif
  (void)b;
  return [](const BnnDotArgs& a) { bnn_dot_cpu(a); };
}

namespace {

std::string npy_bytes(const std::vector<float>& data, int rows, int cols) {
  std::string header = fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", rows, cols);
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::string out("\x93NUMPY\x01\x00", 8);
  const std::uint16_t len = static_cast<std::uint16_t>(header.size());
  out.push_back(static_cast<char>(len & 0xff));
  out.push_back(static_cast<char>(len >> 8));
  out += header;
  out.append(reinterpret_cast<const char*>(data.data()), data.size() * sizeof(float));  // little-endian hosts
  return out;
}

}  // namespace

void save_bnn_model(const train::BinaryNet& net, const std::string& dir, const std::string& stem) {
  fs::create_directories(dir);
  for (std::size_t l = 0; l < net.W.size(); ++l) {
    const int ni = net.sizes[l], no = net.sizes[l + 1];
    std::vector<float> m(net.W[l]);
    m.insert(m.end(), net.mean[l].begin(), net.mean[l].end());
    m.insert(m.end(), net.var[l].begin(), net.var[l].end());
    atomic_write(fmt::format("{}/{}{}.npy", dir, stem, l + 1), npy_bytes(m, ni + 2, no));
  }
}

train::BinaryNet load_bnn_model(const std::string& first, const std::vector<int>& sizes, bool binary_input, const std::string& key) {
  train::BinaryNet net;
  net.sizes = sizes;
  net.binary_input = binary_input;
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const std::string file = layer_weight_file(first, static_cast<int>(l + 1), key);
    const int ni = sizes[l], no = sizes[l + 1];
    std::vector<float> m;
    try {
      m = load_weight_matrix(file, ni + 2, no, key);
    } catch (const InputError& e) {
      // The shared reader describes its own layout (a bias row); say what a bnn model file holds instead.
      const std::string what = e.what(), theirs = "inputs + 1 (bias last) by outputs";
      const std::size_t at = what.find(theirs);
      if (at == std::string::npos) throw;
      throw InputError(what.substr(0, at) + "inputs + 2 (hidden weights, then the batch-norm mean and variance rows) by outputs" +
                       what.substr(at + theirs.size()));
    }
    net.W.emplace_back(m.begin(), m.begin() + static_cast<std::size_t>(ni) * no);
    net.mean.emplace_back(m.begin() + static_cast<std::size_t>(ni) * no, m.begin() + static_cast<std::size_t>(ni + 1) * no);
    net.var.emplace_back(m.begin() + static_cast<std::size_t>(ni + 1) * no, m.end());
    for (float v : net.var.back())
      if (!(v >= 0)) throw InputError(SourceMark{file}, key, "a batch-norm variance (last row) is negative or not a number");
  }
  return net;
}

}  // namespace mc

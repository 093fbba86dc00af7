#include "train/binary.hpp"

#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "bnn/bnn.hpp"
#include "common/rng.hpp"
#include "common/streams.hpp"

namespace mc::train {

namespace {

// Element-wise loops smaller than this run on one thread (a parallel region costs more than it saves, and far
// more on a loaded machine).
constexpr std::int64_t kParallelMin = 1 << 17;

double seconds_now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

void check_sizes(const std::vector<int>& sizes) {
  if (sizes.size() < 2) throw std::invalid_argument("a binarized network needs at least an input and an output size");
  for (int n : sizes)
    if (n < 1) throw std::invalid_argument("binarized network sizes must be positive");
}

// C (m × n) = A (m × k) · B (k × n), row-major.
void gemm_nn(int m, int n, int k, const float* A, const float* B, float* C) {
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, A, k, B, n, 0.0f, C, n);
}

// C (m × n, row-major) = op(A)·op(B) as `threads` single-threaded BLAS calls over blocks of C's columns, so
// that training runs on the OpenMP threads alone (OpenBLAS's own pool yields and spins between calls, which on
// a loaded machine costs more than the products). Each column of C is computed by one call whatever the
// thread count splits: the results do not depend on it.
void gemm_cols(bool ta, bool tb, int m, int n, int k, const float* A, int lda, const float* B, int ldb, float* C, int ldc, int threads) {
  constexpr int kAlign = 64;
  const int blocks = (n + kAlign - 1) / kAlign;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int b0 = blocks * t / nt, b1 = blocks * (t + 1) / nt;
    const int n0 = b0 * kAlign, n1 = std::min(n, b1 * kAlign);
    if (n1 > n0)
      cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n1 - n0, k, 1.0f, A, lda,
                  tb ? B + static_cast<std::size_t>(n0) * ldb : B + n0, ldb, 0.0f, C + n0, ldc);
  }
}

// The element-wise passes over every weight, each batch: compiled for AVX-512 and AVX2 beside the baseline and
// picked at run time (the host code is otherwise built for the baseline x86-64). No FMA contraction: every
// variant rounds exactly as the baseline (sqrt and division are correctly rounded at any vector width), so the
// trained network does not depend on the machine.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define MC_TRAIN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#define MC_TRAIN_SQRT __builtin_sqrtf  // std::sqrt is not inlined into a clone of another target
#else
#define MC_TRAIN_CLONES
#define MC_TRAIN_SQRT std::sqrt
#endif

// wb[k] = sign(W[k]) (+1 at 0) for k in [k0, k1).
MC_TRAIN_CLONES void sign_range(const float* __restrict W, float* __restrict wb, std::int64_t k0, std::int64_t k1) {
  for (std::int64_t k = k0; k < k1; ++k) wb[k] = W[k] >= 0.0f ? 1.0f : -1.0f;
}

// Adam on hidden weights [k0, k1) with the gradient through the flip signs, then the clamp to [−1, 1].
MC_TRAIN_CLONES void adam_range(float* __restrict W, const float* __restrict gw, const float* __restrict sg, float* __restrict mm,
                                float* __restrict vv, std::int64_t k0, std::int64_t k1, float b1,
                                float b2, float bc1, float bc2, float lr, float eps_adam) {
  for (std::int64_t k = k0; k < k1; ++k) {
    const float gk = gw[k] * sg[k];
    mm[k] = b1 * mm[k] + (1 - b1) * gk;
    vv[k] = b2 * vv[k] + (1 - b2) * gk * gk;
    const float w = W[k] - lr * (mm[k] / bc1) / (MC_TRAIN_SQRT(vv[k] / bc2) + eps_adam);
    W[k] = w < -1.0f ? -1.0f : (w > 1.0f ? 1.0f : w);
  }
}

// f(k0, k1) over [0, n) in `threads` static chunks (one thread below kParallelMin).
template <class F>
void parallel_ranges(std::int64_t n, int threads, F&& f) {
  if (n <= kParallelMin || threads <= 1) {
    f(std::int64_t{0}, n);
    return;
  }
#pragma omp parallel num_threads(threads)
  {
    const std::int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    f(n * t / nt, n * (t + 1) / nt);
  }
}

// OpenBLAS on one thread while an object lives (restored after).
struct SerialBlas {
  int before = openblas_get_num_threads();
  SerialBlas() { openblas_set_num_threads(1); }
  ~SerialBlas() { openblas_set_num_threads(before); }
};

}  // namespace

float first_layer_input(const BinaryNet& net, float x) { return net.binary_input ? (x >= 0.5f ? 1.0f : -1.0f) : x; }

BinaryNet make_binary_net(const std::vector<int>& sizes, bool binary_input, const BinaryTrainConfig& cfg) {
  check_sizes(sizes);
  BinaryNet net;
  net.sizes = sizes;
  net.binary_input = binary_input;
  const RngKey key{cfg.seed, stream::kTrainInit};
  for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
    const std::size_t n = static_cast<std::size_t>(sizes[l]) * sizes[l + 1];
    std::vector<float> W(n);
    for (std::size_t k = 0; k < n; ++k) {
      const U32x4 u = philox(key, l, k / 4, 0);
      W[k] = cfg.init_scale * (2.0f * u01(u.v[k % 4]) - 1.0f);
    }
    net.W.push_back(std::move(W));
    net.mean.emplace_back(sizes[l + 1], 0.0f);
    net.var.emplace_back(sizes[l + 1], 1.0f);
  }
  return net;
}

float epoch_learning_rate(const BinaryTrainConfig& cfg, int epoch) {
  if (!(cfg.lr_final > 0) || cfg.lr_final == cfg.learning_rate || cfg.epochs < 2) return cfg.learning_rate;
  const double ratio = static_cast<double>(cfg.lr_final) / cfg.learning_rate;
  return static_cast<float>(cfg.learning_rate * std::pow(ratio, static_cast<double>(epoch) / (cfg.epochs - 1)));
}

bool train_binary(BinaryNet& net, const float* X, const int* labels, int N, const BinaryTrainConfig& cfg,
                  const std::function<void(const EpochReport&)>& on_epoch, const std::atomic<bool>* cancel) {
  check_sizes(net.sizes);
  if (cfg.batch < 2) throw std::invalid_argument("binarized training needs batches of at least 2 rows");
  if (cfg.p_train < 0 || cfg.p_train > 0.5f) throw std::invalid_argument("p_train must lie in [0, 0.5]");
  if (cfg.lr_final < 0 || cfg.lr_final > cfg.learning_rate) throw std::invalid_argument("lr_final must lie in (0, learning_rate] (0: no decay)");
  const int L = static_cast<int>(net.W.size()), n0 = net.sizes[0], C = net.sizes.back();
  const int threads = cfg.threads > 0 ? cfg.threads : omp_get_max_threads();
  const int Bmax = cfg.batch;
  // Per layer: binary weights (with this pass's flips), their flip signs, activations, normalized outputs.
  std::vector<std::vector<float>> Wb(L), sign(L), A(L + 1), Zh(L), dW(L), m(L), v(L);
  std::vector<std::vector<float>> sigma(L);
  for (int l = 0; l < L; ++l) {
    const std::size_t n = net.W[l].size();
    Wb[l].resize(n), sign[l].assign(n, 1.0f), dW[l].resize(n), m[l].assign(n, 0.0f), v[l].assign(n, 0.0f);
    A[l].resize(static_cast<std::size_t>(Bmax) * net.sizes[l]);
    Zh[l].resize(static_cast<std::size_t>(Bmax) * net.sizes[l + 1]);
    sigma[l].resize(net.sizes[l + 1]);
  }
  std::vector<float> G(static_cast<std::size_t>(Bmax) * *std::max_element(net.sizes.begin(), net.sizes.end()));
  std::vector<float> dA(G.size());
  std::vector<float> Zc(cfg.p_train > 0 && cfg.clean_statistics ? G.size() : 0);  // clean products (clean_statistics)
  std::vector<int> order(N);
  std::vector<std::uint64_t> keys(N);
  const float b1 = 0.9f, b2 = 0.999f, eps_adam = 1e-8f;
  std::uint64_t step = 0;
  const SerialBlas serial_blas;
  for (int epoch = 0; epoch < cfg.epochs; ++epoch) {
    const double t0 = seconds_now();
    const float lr = epoch_learning_rate(cfg, epoch);
    for (int i = 0; i < N; ++i) {
      const U32x4 r = philox(RngKey{cfg.seed, stream::kBnnShuffle}, static_cast<std::uint64_t>(epoch), static_cast<std::uint64_t>(i), 0);
      keys[i] = (static_cast<std::uint64_t>(r.v[0]) << 32) | r.v[1];
    }
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](int a, int b) { return keys[a] != keys[b] ? keys[a] < keys[b] : a < b; });
    double loss_sum = 0;
    std::int64_t correct = 0, seen = 0;
    for (int start = 0; start + 1 < N; start += Bmax) {
      if (cancel && cancel->load(std::memory_order_relaxed)) return false;
      const int B = std::min(Bmax, N - start);
      if (B < 2) break;
      ++step;
      // Inputs.
      for (int r = 0; r < B; ++r) {
        const float* x = X + static_cast<std::size_t>(order[start + r]) * n0;
        float* a = &A[0][static_cast<std::size_t>(r) * n0];
        for (int i = 0; i < n0; ++i) a[i] = first_layer_input(net, x[i]);
      }
      // Forward.
      for (int l = 0; l < L; ++l) {
        const int ni = net.sizes[l], no = net.sizes[l + 1];
        const std::size_t n = net.W[l].size();
        const float* W = net.W[l].data();
        float* wb = Wb[l].data();
        float* sg = sign[l].data();
        parallel_ranges(static_cast<std::int64_t>(n), threads, [&](std::int64_t k0, std::int64_t k1) { sign_range(W, wb, k0, k1); });
        // Batch-norm statistics from the clean products (cfg.clean_statistics), else from the flipped ones.
        const bool clean_stats = cfg.p_train > 0 && cfg.clean_statistics;
        if (clean_stats) gemm_cols(false, false, B, no, ni, A[l].data(), ni, wb, no, Zc.data(), no, threads);
        if (cfg.p_train > 0) {
          std::fill(sign[l].begin(), sign[l].end(), 1.0f);
          bnn_flips(cfg.p_train, n, RngKey{cfg.seed, stream::kBnnTrainFlip}, step, static_cast<std::uint64_t>(l), [&](std::uint64_t k) {
            sg[k] = -1.0f;
            wb[k] = -wb[k];
          });
        }
        float* z = Zh[l].data();
        gemm_cols(false, false, B, no, ni, A[l].data(), ni, wb, no, z, no, threads);
        const float* zs = clean_stats ? Zc.data() : z;
        // Batch norm over the batch (biased variance), running statistics with the unbiased one (as PyTorch).
        float* mean = net.mean[l].data();
        float* var = net.var[l].data();
        float* sd = sigma[l].data();
#pragma omp parallel for num_threads(threads) schedule(static) if (static_cast<std::int64_t>(B) * no > kParallelMin)
        for (int j = 0; j < no; ++j) {
          double s = 0, s2 = 0;
          for (int r = 0; r < B; ++r) s += zs[static_cast<std::size_t>(r) * no + j];
          const double mu = s / B;
          for (int r = 0; r < B; ++r) {
            const double d = zs[static_cast<std::size_t>(r) * no + j] - mu;
            s2 += d * d;
          }
          const double vb = s2 / B;
          sd[j] = static_cast<float>(std::sqrt(vb + net.eps));
          mean[j] = static_cast<float>((1 - cfg.momentum) * mean[j] + cfg.momentum * mu);
          var[j] = static_cast<float>((1 - cfg.momentum) * var[j] + cfg.momentum * s2 / (B - 1));
          const float muf = static_cast<float>(mu), inv = 1.0f / sd[j];
          for (int r = 0; r < B; ++r) z[static_cast<std::size_t>(r) * no + j] = (z[static_cast<std::size_t>(r) * no + j] - muf) * inv;
        }
        if (l + 1 < L) {
          float* an = A[l + 1].data();
          const std::int64_t cnt = static_cast<std::int64_t>(B) * no;
#pragma omp parallel for num_threads(threads) schedule(static) if (cnt > kParallelMin)
          for (std::int64_t k = 0; k < cnt; ++k) an[k] = z[k] >= 0.0f ? 1.0f : -1.0f;
        }
      }
      // Softmax cross-entropy on the last normalized outputs; G = dL/dZh (mean over the batch).
      {
        const float* z = Zh[L - 1].data();
        for (int r = 0; r < B; ++r) {
          const float* zr = z + static_cast<std::size_t>(r) * C;
          float* g = &G[static_cast<std::size_t>(r) * C];
          const float mx = *std::max_element(zr, zr + C);
          double s = 0;
          for (int c = 0; c < C; ++c) s += std::exp(static_cast<double>(zr[c] - mx));
          const int y = labels[order[start + r]];
          loss_sum += std::log(s) - (zr[y] - mx);
          correct += static_cast<int>(std::max_element(zr, zr + C) - zr) == y;
          for (int c = 0; c < C; ++c) g[c] = static_cast<float>((std::exp(static_cast<double>(zr[c] - mx)) / s - (c == y)) / B);
        }
        seen += B;
      }
      // Backward.
      for (int l = L - 1; l >= 0; --l) {
        const int ni = net.sizes[l], no = net.sizes[l + 1];
        const float* z = Zh[l].data();
        const float* sd = sigma[l].data();
        float* g = G.data();
        // Batch-norm backward (no affine): dZ = (G − mean(G) − Zh·mean(G·Zh)) / σ, column by column.
#pragma omp parallel for num_threads(threads) schedule(static) if (static_cast<std::int64_t>(B) * no > kParallelMin)
        for (int j = 0; j < no; ++j) {
          double s = 0, sz = 0;
          for (int r = 0; r < B; ++r) {
            const std::size_t k = static_cast<std::size_t>(r) * no + j;
            s += g[k], sz += g[k] * z[k];
          }
          const float mg = static_cast<float>(s / B), mgz = static_cast<float>(sz / B), inv = 1.0f / sd[j];
          for (int r = 0; r < B; ++r) {
            const std::size_t k = static_cast<std::size_t>(r) * no + j;
            g[k] = (g[k] - mg - z[k] * mgz) * inv;
          }
        }
        // dW (ni × no) = Aᵀ · dZ.
        gemm_cols(true, false, ni, no, B, A[l].data(), ni, g, no, dW[l].data(), no, threads);
        if (l > 0) {
          // dA (B × ni) = dZ · Wbᵀ; through the sign by the straight-through estimator, zero where |Zh| > 1.
          gemm_cols(false, true, B, ni, no, g, no, Wb[l].data(), no, dA.data(), ni, threads);
          const float* zp = Zh[l - 1].data();
          const std::int64_t cnt = static_cast<std::int64_t>(B) * ni;
          float* gp = G.data();
          const float* da = dA.data();
#pragma omp parallel for num_threads(threads) schedule(static) if (cnt > kParallelMin)
          for (std::int64_t k = 0; k < cnt; ++k) gp[k] = std::fabs(zp[k]) <= 1.0f ? da[k] : 0.0f;
        }
      }
      // Adam on the hidden weights (the gradient follows a flipped weight's sign), then the clamp to [−1, 1].
      const float bc1 = 1.0f - std::pow(b1, static_cast<float>(step)), bc2 = 1.0f - std::pow(b2, static_cast<float>(step));
      for (int l = 0; l < L; ++l) {
        float* W = net.W[l].data();
        const float* gw = dW[l].data();
        const float* sg = sign[l].data();
        float* mm = m[l].data();
        float* vv = v[l].data();
        const std::int64_t n = static_cast<std::int64_t>(net.W[l].size());
        parallel_ranges(n, threads, [&](std::int64_t k0, std::int64_t k1) { adam_range(W, gw, sg, mm, vv, k0, k1, b1, b2, bc1, bc2, lr, eps_adam); });
      }
    }
    if (on_epoch) on_epoch(EpochReport{epoch + 1, seen ? loss_sum / seen : 0.0, seen ? static_cast<double>(correct) / seen : 0.0, seconds_now() - t0, lr});
  }
  return true;
}

std::vector<float> binary_scores(const BinaryNet& net, const float* X, int N, const std::vector<std::vector<std::uint8_t>>* flips) {
  check_sizes(net.sizes);
  const int L = static_cast<int>(net.W.size()), n0 = net.sizes[0], C = net.sizes.back();
  std::vector<std::vector<float>> Wb(L);
  for (int l = 0; l < L; ++l) {
    Wb[l].resize(net.W[l].size());
    for (std::size_t k = 0; k < Wb[l].size(); ++k) {
      const float s = net.W[l][k] >= 0.0f ? 1.0f : -1.0f;
      Wb[l][k] = flips && (*flips)[l][k] ? -s : s;
    }
  }
  std::vector<float> out(static_cast<std::size_t>(N) * C);
  constexpr int kChunk = 512;
  // Real inputs in byte units (k = 255·x, exact in float) so every sum is an exact integer, as on the chip.
  const double unit0 = net.binary_input ? 1.0 : 255.0;
  for (int s = 0; s < N; s += kChunk) {
    const int B = std::min(kChunk, N - s);
    std::vector<float> a(static_cast<std::size_t>(B) * n0);
    for (std::size_t k = 0; k < a.size(); ++k) {
      const float x = X[static_cast<std::size_t>(s) * n0 + k];
      a[k] = net.binary_input ? first_layer_input(net, x) : std::nearbyint(x * 255.0f);
    }
    for (int l = 0; l < L; ++l) {
      const int ni = net.sizes[l], no = net.sizes[l + 1];
      std::vector<float> z(static_cast<std::size_t>(B) * no);
      gemm_nn(B, no, ni, a.data(), Wb[l].data(), z.data());
      const double unit = l == 0 ? unit0 : 1.0;
      if (l + 1 < L) {
        for (std::size_t k = 0; k < z.size(); ++k) {
          const int j = static_cast<int>(k % no);
          const double sd = std::sqrt(static_cast<double>(net.var[l][j]) + net.eps);
          z[k] = bnn_fire_unfolded(z[k], unit * net.mean[l][j], unit * sd, 1.0, 0.0) ? 1.0f : -1.0f;
        }
        a.swap(z);
      } else {
        for (std::size_t k = 0; k < z.size(); ++k) {
          const int j = static_cast<int>(k % no);
          const double sd = std::sqrt(static_cast<double>(net.var[l][j]) + net.eps);
          out[static_cast<std::size_t>(s) * C + k] = static_cast<float>((z[k] - unit * net.mean[l][j]) / (unit * sd));
        }
      }
    }
  }
  return out;
}

}  // namespace mc::train

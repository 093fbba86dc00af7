// Workload `bayes_nn`, the model: the programmable (µ, σ) pairs from the device model, Bayes-by-backprop with the
// technological loss, and the sampled evaluation in every mode with its uncertainty metrics.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "common/rng.hpp"
#include "common/streams.hpp"
#include "workloads/bayes_nn/bayes_nn.hpp"

namespace mc {

const char* bnn_mode_name(BnnMode m) {
  switch (m) {
    case BnnMode::kSoftware: return "software";
    case BnnMode::kProgram: return "program";
    case BnnMode::kRead: return "read";
    case BnnMode::kConventional: return "conventional";
    case BnnMode::kReadAware: return "read_aware";
  }
  return "?";
}

long GaussNet::weights() const {
  long n = 0;
  for (size_t l = 0; l + 1 < sizes.size(); ++l) n += static_cast<long>(sizes[l] + 1) * sizes[l + 1];
  return n;
}

// ---------------------------------------------------------------------------------------------------------------
// Programming conditions and the pairs they make.

namespace {
constexpr std::uint64_t kCharacterizeBase = std::uint64_t{1} << 46;  // device ids of the characterisation devices
}

BnnConditions characterize_conditions(const BayesNnSpec& w, const DeviceModel& m, std::uint32_t seed) {
  BnnConditions c;
  if (w.pairs.n > 0) {
    for (int i = 0; i < w.pairs.n; ++i) {
      c.spec.push_back({BnnCondition::kMeasured, w.pairs.x[i], w.pairs.y[i]});
      c.mu.push_back(w.pairs.x[i]);
      c.sigma.push_back(w.pairs.y[i]);
      c.name.push_back("measured");
    }
    return c;
  }
  if (w.reset_condition) {
    c.spec.push_back({BnnCondition::kReset, 0.0f, 0.0f});
    c.name.push_back("reset");
  }
  for (int pass = 0; pass < 2; ++pass) {
    const bool ws = pass == 1;
    if (ws && w.programming == BnnProgramming::kOneShot) continue;
    if (!ws && w.programming == BnnProgramming::kWriteVerify) continue;
    for (int j = 0; j < w.levels; ++j) {
      const float t = w.levels == 1 ? w.g_lo : w.g_lo + (w.g_hi - w.g_lo) * static_cast<float>(j) / static_cast<float>(w.levels - 1);
      c.spec.push_back({ws ? BnnCondition::kWriteVerify : BnnCondition::kOneShot, t, 0.0f});
      c.name.push_back(ws ? "write_verify" : "one_shot");
    }
  }
  // Measure each condition on `characterize` fresh devices, as Bonnet measured 2,048 devices per current.
  const WriteVerifyParams p{m, 0.0f, w.tolerance, w.max_pulses, PulseLaw::kRetry, 0.5f, 2.0f, seed};
  for (size_t k = 0; k < c.spec.size(); ++k) {
    double s1 = 0, s2 = 0;
    BnnProgramCounts counts{};
    for (int i = 0; i < w.characterize; ++i) {
      const double g = bnn_program_device(p, c.spec[k], kCharacterizeBase + (static_cast<std::uint64_t>(k) << 24) + i, &counts);
      s1 += g;
      s2 += g * g;
    }
    const double n = w.characterize, mean = s1 / n;
    c.mu.push_back(mean);
    c.sigma.push_back(std::sqrt(std::max(0.0, (s2 - n * mean * mean) / (n - 1))));
  }
  return c;
}

std::vector<BnnPair> weight_pairs(const BnnConditions& c, double gamma) {
  std::vector<BnnPair> out;
  const int n = static_cast<int>(c.mu.size());
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b)
      out.push_back({(c.mu[a] - c.mu[b]) / gamma, std::sqrt(c.sigma[a] * c.sigma[a] + c.sigma[b] * c.sigma[b]) / gamma, a, b});
  return out;
}

double gauss_kl(double mu1, double s1, double mu2, double s2) {
  s1 = std::max(s1, 1e-12);
  s2 = std::max(s2, 1e-12);
  return std::log(s2 / s1) + (s1 * s1 + (mu1 - mu2) * (mu1 - mu2)) / (2 * s2 * s2) - 0.5;
}

double tech_loss_term(double mu, double sigma, const std::vector<BnnPair>& pairs, double delta, double beta, double* dmu,
                      double* dsigma, int* nearest) {
  int best = 0;
  double d2 = std::numeric_limits<double>::infinity();
  for (size_t k = 0; k < pairs.size(); ++k) {
    const double a = mu - pairs[k].mu, b = sigma - pairs[k].sigma, e = a * a + b * b;
    if (e < d2) d2 = e, best = static_cast<int>(k);
  }
  if (nearest) *nearest = best;
  // f = exp(−d²/(2δ²)); L = −log tanh(β f). With x = β f: dL/dlog f = −2x/sinh(2x) (→ −1 far away, → 0 on a pair).
  const double logf = -d2 / (2 * delta * delta);
  const double x = beta * std::exp(logf);
  double loss, g;
  if (x < 1e-6) {
    loss = -(std::log(beta) + logf);  // tanh x ≈ x
    g = 1.0;
  } else {
    loss = -std::log(std::tanh(x));
    g = x < 20 ? 2 * x / std::sinh(2 * x) : 0.0;
  }
  // dL/dµ = (−g)·dlog f/dµ = g·(µ − µ_k)/δ².
  *dmu += g * (mu - pairs[best].mu) / (delta * delta);
  *dsigma += g * (sigma - pairs[best].sigma) / (delta * delta);
  return loss;
}

// ---------------------------------------------------------------------------------------------------------------
// Forward passes on BLAS.

namespace {

// Logits (n × K) of inputs X (n × sizes[0]) under weights Ws (one (n_in + 1) × n_out matrix per layer).
// acts: when not null, every layer's input with the bias column (n × (n_in + 1)) and pre-activations are kept.
void forward_logits(const std::vector<int>& sizes, const std::vector<std::vector<float>>& Ws, const float* X, int n, float clip, int act_bits,
                    std::vector<float>& logits, std::vector<std::vector<float>>* inputs = nullptr,
                    std::vector<std::vector<float>>* pre = nullptr) {
  const int L = static_cast<int>(sizes.size()) - 1;
  std::vector<float> h(X, X + static_cast<size_t>(n) * sizes[0]);
  for (int l = 0; l < L; ++l) {
    const int ni = sizes[l], no = sizes[l + 1];
    std::vector<float> hb(static_cast<size_t>(n) * (ni + 1));
    for (int i = 0; i < n; ++i) {
      std::copy(h.begin() + static_cast<long>(i) * ni, h.begin() + static_cast<long>(i + 1) * ni, hb.begin() + static_cast<long>(i) * (ni + 1));
      hb[static_cast<size_t>(i) * (ni + 1) + ni] = 1.0f;
    }
    std::vector<float> a(static_cast<size_t>(n) * no);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, no, ni + 1, 1.0f, hb.data(), ni + 1, Ws[l].data(), no, 0.0f, a.data(), no);
    if (inputs) inputs->push_back(hb);
    if (pre) pre->push_back(a);
    if (l + 1 < L)
      for (float& v : a) v = bnn_activation(v, clip, act_bits);
    h = std::move(a);
  }
  logits = std::move(h);
}

// The bit-serial read schedule of the scenario (bayes_nn.bit_serial): the inputs on 2^input_bits levels over
// ±input_range, hidden activations on 2^activation_bits levels over [0, clip]; an analog layer keeps 0 planes.
void set_bit_serial(const BayesNnSpec& w, BnnDeviceNet& dn) {
  const int L = static_cast<int>(w.layers.size()) - 1;
  dn.act_bits = w.activation_bits;
  for (int l = 0; l < L; ++l) {
    const int bits = l == 0 ? w.input_bits : w.activation_bits;
    dn.serial_bits[l] = w.bit_serial ? bits : 0;
    if (dn.serial_bits[l] == 0) continue;
    const float levels = static_cast<float>((1 << bits) - 1);
    dn.serial_lo[l] = l == 0 ? -w.input_range : 0.0f;
    dn.serial_step[l] = (l == 0 ? 2.0f * w.input_range : w.clip) / levels;
  }
}

struct Adam {
  std::vector<float> m, v;
  void step(std::vector<float>& p, const std::vector<double>& g, float lr, int t) {
    if (m.empty()) m.assign(p.size(), 0.0f), v.assign(p.size(), 0.0f);
    const float b1 = 0.9f, b2 = 0.999f;
    const float c1 = 1.0f - std::pow(b1, static_cast<float>(t)), c2 = 1.0f - std::pow(b2, static_cast<float>(t));
    for (size_t i = 0; i < p.size(); ++i) {
      const float gi = static_cast<float>(g[i]);
      m[i] = b1 * m[i] + (1 - b1) * gi;
      v[i] = b2 * v[i] + (1 - b2) * gi * gi;
      p[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + 1e-8f);
    }
  }
};

float softplus(float r) { return r > 20.0f ? r : std::log1p(std::exp(r)); }
float sigmoid(float r) { return 1.0f / (1.0f + std::exp(-r)); }
float softplus_inv(float s) { return s > 20.0f ? s : std::log(std::expm1(s)); }

// γ (µS per weight unit) minimising Σ_w min_pairs KL(q_w || pair), on a logarithmic grid around the scale that maps
// the widest pair onto the largest trained |µ|.
double choose_gamma(const GaussNet& net, const BnnConditions& c) {
  double max_mu = 1e-3, max_dg = 1e-3;
  for (const auto& m : net.mu)
    for (float v : m) max_mu = std::max(max_mu, static_cast<double>(std::fabs(v)));
  for (size_t a = 0; a < c.mu.size(); ++a)
    for (size_t b = 0; b < c.mu.size(); ++b) max_dg = std::max(max_dg, std::fabs(c.mu[a] - c.mu[b]));
  const double g0 = max_dg / max_mu;
  double best_gamma = g0, best = std::numeric_limits<double>::infinity();
  for (int i = 0; i < 49; ++i) {
    const double gamma = g0 * std::pow(2.0, -2.0 + 4.0 * i / 48.0);
    const std::vector<BnnPair> pairs = weight_pairs(c, gamma);
    double total = 0;
    for (size_t l = 0; l < net.mu.size(); ++l)
      for (size_t j = 0; j < net.mu[l].size(); ++j) {
        double kl = std::numeric_limits<double>::infinity();
        for (const BnnPair& p : pairs) kl = std::min(kl, gauss_kl(net.mu[l][j], net.sigma[l][j], p.mu, p.sigma));
        total += kl;
      }
    if (total < best) best = total, best_gamma = gamma;
  }
  return best_gamma;
}

}  // namespace

BnnReadAwareMap read_aware_map(const BayesNnSpec& w) {
  return BnnReadAwareMap{w.g_lo, w.g_hi, (w.g_hi - w.g_lo) / w.read_weight_range};
}

GaussNet train_bnn(const BayesNnSpec& w, const BnnData& d, const BnnConditions& c, bool deterministic, TrainReport* report,
                   const DeviceModel* read_aware) {
  const BnnReadAwareMap rmap = read_aware_map(w);
  GaussNet net;
  net.sizes = w.layers;
  net.clip = w.clip;
  net.act_bits = w.activation_bits;
  const int L = static_cast<int>(net.sizes.size()) - 1;
  const RngKey key{w.train_seed, stream::kBayesNnTrain};
  std::vector<std::vector<float>> rho(L);
  net.mu.resize(L);
  net.sigma.resize(L);
  for (int l = 0; l < L; ++l) {
    const size_t n = static_cast<size_t>(net.sizes[l] + 1) * net.sizes[l + 1];
    const float r = std::sqrt(3.0f / static_cast<float>(net.sizes[l] + 1));
    net.mu[l].resize(n);
    for (size_t k = 0; k < n; ++k) net.mu[l][k] = r * (2.0f * u01(philox(key, l, k / 4, 2).v[k % 4]) - 1.0f);
    rho[l].assign(n, softplus_inv(w.init_sigma));
    net.sigma[l].assign(n, deterministic ? 0.0f : w.init_sigma);
  }
  const int N = d.n_train(), F = d.features, K = d.classes;
  const int B = std::min(w.batch, N);
  const int steps_per_epoch = (N + B - 1) / B;
  std::vector<Adam> adam_mu(L), adam_rho(L);
  std::vector<BnnPair> pairs;
  double gamma = 0;
  int t = 0;
  std::vector<int> order(N);
  std::vector<float> xb, eps_all;
  std::vector<int> yb;
  const bool use_tech = w.tech_loss && !deterministic;
  double last_loss = 0, last_tech = 0;
  for (int epoch = 0; epoch < w.epochs; ++epoch) {
    if (!deterministic && epoch == w.warmup_epochs && use_tech) {
      gamma = choose_gamma(net, c);
      pairs = weight_pairs(c, gamma);
    }
    // Shuffle: sort rows by a Philox key per (epoch, row).
    std::iota(order.begin(), order.end(), 0);
    std::vector<std::uint32_t> keys(N);
    for (int i = 0; i < N; ++i) keys[i] = philox(key, static_cast<std::uint64_t>(epoch), i, 3).v[0];
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return keys[a] < keys[b]; });
    double epoch_loss = 0, epoch_tech = 0;
    for (int s = 0; s < steps_per_epoch; ++s) {
      ++t;
      const int b0 = s * B, nb = std::min(B, N - b0);
      xb.resize(static_cast<size_t>(nb) * F);
      yb.resize(nb);
      for (int i = 0; i < nb; ++i) {
        const int r = order[b0 + i];
        std::copy(d.x_train.begin() + static_cast<long>(r) * F, d.x_train.begin() + static_cast<long>(r + 1) * F, xb.begin() + static_cast<long>(i) * F);
        yb[i] = d.y_train[r];
      }
      // One weight sample for the minibatch: w = µ + σ·ε.
      std::vector<std::vector<float>> Ws(L), eps(L);
      for (int l = 0; l < L; ++l) {
        const size_t n = net.mu[l].size();
        Ws[l].resize(n);
        eps[l].assign(n, 0.0f);
        for (size_t k = 0; k < n; ++k) {
          if (!deterministic) {
            if (k % 4 == 0) {
              const F32x4 z = normals(philox(key, static_cast<std::uint64_t>(t), (static_cast<std::uint64_t>(l) << 32) + k / 4, 1));
              for (size_t q = 0; q < 4 && k + q < n; ++q) eps[l][k + q] = z.v[q];
            }
          }
          Ws[l][k] = net.mu[l][k] + net.sigma[l][k] * eps[l][k];
        }
        if (read_aware)  // two weights per Philox call (draw 4): their devices' normals, or uniforms for Laplace noise
          for (size_t k = 0; k < n; k += 2) {
            const U32x4 r = philox(key, static_cast<std::uint64_t>(t), (static_cast<std::uint64_t>(l) << 32) + k / 2, 4);
            const F32x4 z = normals(r);
            for (size_t q = 0; q < 2 && k + q < n; ++q) {
              const float u[2] = {u01(r.v[2 * q]), u01(r.v[2 * q + 1])};
              Ws[l][k + q] = bnn_read_aware_weight(*read_aware, rmap, net.mu[l][k + q], &z.v[2 * q], u);
            }
          }
      }
      std::vector<float> logits;
      std::vector<std::vector<float>> inputs, pre;
      forward_logits(net.sizes, Ws, xb.data(), nb, net.clip, net.act_bits, logits, &inputs, &pre);
      // Cross-entropy gradient (softmax − one-hot)/nb.
      std::vector<float> delta(static_cast<size_t>(nb) * K);
      for (int i = 0; i < nb; ++i) {
        double p[kBnnMaxWidth];
        bnn_softmax(&logits[static_cast<size_t>(i) * K], K, p);
        epoch_loss -= std::log(std::max(p[yb[i]], 1e-300));
        for (int k = 0; k < K; ++k) delta[static_cast<size_t>(i) * K + k] = static_cast<float>((p[k] - (k == yb[i])) / nb);
      }
      for (int l = L - 1; l >= 0; --l) {
        const int ni = net.sizes[l], no = net.sizes[l + 1];
        std::vector<float> gW(static_cast<size_t>(ni + 1) * no);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, ni + 1, no, nb, 1.0f, inputs[l].data(), ni + 1, delta.data(), no, 0.0f,
                    gW.data(), no);
        if (l > 0) {
          std::vector<float> dh(static_cast<size_t>(nb) * (ni + 1));
          cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, nb, ni + 1, no, 1.0f, delta.data(), no, Ws[l].data(), no, 0.0f, dh.data(),
                      ni + 1);
          std::vector<float> nd(static_cast<size_t>(nb) * ni);
          for (int i = 0; i < nb; ++i)
            for (int j = 0; j < ni; ++j) {
              const float a = pre[l - 1][static_cast<size_t>(i) * ni + j];
              const bool pass = a > 0.0f && (net.clip <= 0.0f || a < net.clip);
              nd[static_cast<size_t>(i) * ni + j] = pass ? dh[static_cast<size_t>(i) * (ni + 1) + j] : 0.0f;
            }
          delta = std::move(nd);
        }
        const size_t n = gW.size();
        std::vector<double> gmu(n), grho(n);
        const double kl_scale = deterministic ? 0.0 : w.kl_weight / N;
        const double tech_scale = use_tech && !pairs.empty() ? w.tech_weight / N : 0.0;
        const double sp2 = static_cast<double>(w.prior_sigma) * w.prior_sigma;
        for (size_t k = 0; k < n; ++k) {
          const double mu = net.mu[l][k], sg = net.sigma[l][k];
          double dmu = gW[k], dsig = gW[k] * eps[l][k];
          if (kl_scale > 0) {
            dmu += kl_scale * mu / sp2;
            dsig += kl_scale * (sg / sp2 - 1.0 / sg);
          }
          if (tech_scale > 0) {
            double tm = 0, ts = 0;
            epoch_tech += tech_loss_term(mu, sg, pairs, w.delta, w.beta, &tm, &ts, nullptr) / steps_per_epoch;
            dmu += tech_scale * tm;
            dsig += tech_scale * ts;
          }
          gmu[k] = dmu;
          grho[k] = dsig * sigmoid(rho[l][k]);
        }
        adam_mu[l].step(net.mu[l], gmu, w.learning_rate, t);
        if (read_aware)  // the conductance range bounds the weights
          for (float& v : net.mu[l]) v = std::clamp(v, -w.read_weight_range, w.read_weight_range);
        if (!deterministic) {
          adam_rho[l].step(rho[l], grho, w.learning_rate, t);
          for (size_t k = 0; k < n; ++k) net.sigma[l][k] = softplus(rho[l][k]);
        }
      }
    }
    last_loss = epoch_loss / N;
    last_tech = epoch_tech;
    if (report) report->loss_curve.push_back(last_loss);
  }
  if (report) {
    report->final_loss = last_loss;
    report->tech_loss = last_tech;
    if (!deterministic) {
      if (!use_tech || gamma <= 0) gamma = choose_gamma(net, c);
      report->gamma = gamma;
      // Each weight to the nearest programmable pair by KL [Bonnet 2023].
      const std::vector<BnnPair> p = weight_pairs(c, gamma);
      report->pair_of.clear();
      for (int l = 0; l < L; ++l)
        for (size_t j = 0; j < net.mu[l].size(); ++j) {
          int best = 0;
          double kl = std::numeric_limits<double>::infinity();
          for (size_t k = 0; k < p.size(); ++k) {
            const double v = gauss_kl(net.mu[l][j], net.sigma[l][j], p[k].mu, p[k].sigma);
            if (v < kl) kl = v, best = static_cast<int>(k);
          }
          report->pair_of.push_back(best);
        }
    }
  }
  return net;
}

// ---------------------------------------------------------------------------------------------------------------
// Metrics.

double auroc(const std::vector<double>& score, const std::vector<int>& positive) {
  const size_t n = score.size();
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
  double rank_sum = 0, npos = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && score[idx[j]] == score[idx[i]]) ++j;
    const double r = 0.5 * (i + 1 + j);  // average 1-based rank of the tie group
    for (size_t k = i; k < j; ++k)
      if (positive[idx[k]]) rank_sum += r, npos += 1;
    i = j;
  }
  const double nneg = n - npos;
  if (npos == 0 || nneg == 0) return std::nan("");
  return (rank_sum - npos * (npos + 1) / 2) / (npos * nneg);
}

double auroc_se(double a, double npos, double nneg) {
  if (!(npos > 0 && nneg > 0) || std::isnan(a)) return std::nan("");
  const double q1 = a / (2 - a), q2 = 2 * a * a / (1 + a);
  const double v = (a * (1 - a) + (npos - 1) * (q1 - a * a) + (nneg - 1) * (q2 - a * a)) / (npos * nneg);
  return std::sqrt(std::max(v, 0.0));
}

std::vector<std::pair<double, double>> roc_curve(const std::vector<double>& score, const std::vector<int>& positive, int points) {
  const size_t n = score.size();
  std::vector<size_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return score[a] > score[b]; });
  double P = 0;
  for (int p : positive) P += p;
  const double Nn = n - P;
  std::vector<std::pair<double, double>> all{{0.0, 0.0}};
  double tp = 0, fp = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    while (j < n && score[idx[j]] == score[idx[i]]) {
      (positive[idx[j]] ? tp : fp) += 1;
      ++j;
    }
    all.push_back({Nn > 0 ? fp / Nn : 0.0, P > 0 ? tp / P : 0.0});
    i = j;
  }
  if (static_cast<int>(all.size()) <= points) return all;
  std::vector<std::pair<double, double>> out;
  for (int k = 0; k < points; ++k) out.push_back(all[static_cast<size_t>(k) * (all.size() - 1) / (points - 1)]);
  return out;
}

double expected_calibration_error(const std::vector<double>& confidence, const std::vector<int>& correct, int bins) {
  std::vector<double> conf(bins, 0), acc(bins, 0), cnt(bins, 0);
  for (size_t i = 0; i < confidence.size(); ++i) {
    const int b = std::min(bins - 1, static_cast<int>(confidence[i] * bins));
    conf[b] += confidence[i], acc[b] += correct[i], cnt[b] += 1;
  }
  double e = 0;
  for (int b = 0; b < bins; ++b)
    if (cnt[b] > 0) e += std::fabs(acc[b] - conf[b]);
  return confidence.empty() ? std::nan("") : e / static_cast<double>(confidence.size());
}

namespace {

// Metrics of logits (n × M × K, input-major) at the first Mk samples.
BnnMetrics metrics_at(BnnMode mode, const std::vector<float>& logits, const BnnData& d, int M, int Mk,
                      std::vector<BnnSampleRow>* rows) {
  const int n = d.n_test(), K = d.classes;
  std::vector<double> ua(n), ue(n), up(n), conf(n);
  std::vector<int> pred(n);
  std::vector<double> p(static_cast<size_t>(Mk) * K);
  for (int i = 0; i < n; ++i) {
    for (int m = 0; m < Mk; ++m) bnn_softmax(&logits[(static_cast<size_t>(i) * M + m) * K], K, &p[static_cast<size_t>(m) * K]);
    const BnnUncertainty u = bnn_uncertainty(p.data(), Mk, K);
    ua[i] = u.aleatoric, ue[i] = u.epistemic, up[i] = u.predictive, conf[i] = u.confidence, pred[i] = u.predicted;
  }
  BnnMetrics r{};
  r.mode = mode;
  r.M = Mk;
  std::vector<double> s_ua, s_conf, all_ue, all_up;
  std::vector<int> s_wrong, s_correct, unseen;
  double sa = 0, se = 0, ua_u = 0, ue_u = 0;
  for (int i = 0; i < n; ++i) {
    const bool is_unseen = d.y_test[i] < 0;
    all_ue.push_back(ue[i]);
    all_up.push_back(up[i]);
    unseen.push_back(is_unseen);
    if (is_unseen) {
      ++r.unseen;
      ua_u += ua[i], ue_u += ue[i];
      continue;
    }
    ++r.seen;
    const int ok = pred[i] == d.y_test[i];
    r.correct += ok;
    s_ua.push_back(ua[i]);
    s_wrong.push_back(!ok);
    s_conf.push_back(conf[i]);
    s_correct.push_back(ok);
    sa += ua[i], se += ue[i];
  }
  r.errors = r.seen - r.correct;
  r.accuracy = r.seen ? static_cast<double>(r.correct) / r.seen : std::nan("");
  r.ece = expected_calibration_error(s_conf, s_correct, 15);
  r.auroc_a = auroc(s_ua, s_wrong);
  r.auroc_e = auroc(all_ue, unseen);
  r.auroc_p = auroc(all_up, unseen);
  r.ua_seen = r.seen ? sa / r.seen : std::nan("");
  r.ue_seen = r.seen ? se / r.seen : std::nan("");
  r.ua_unseen = r.unseen ? ua_u / r.unseen : std::nan("");
  r.ue_unseen = r.unseen ? ue_u / r.unseen : std::nan("");
  if (rows) {
    rows->clear();
    for (int i = 0; i < n; ++i) rows->push_back({i, d.test_original[i], pred[i], up[i], ua[i], ue[i], conf[i]});
  }
  return r;
}

}  // namespace

BnnOutcome simulate_bayes_nn(const BayesNnSpec& w, const DeviceModel& m, std::uint32_t seed, const BnnData& d, int threads,
                             std::atomic<std::uint64_t>* progress, const std::atomic<bool>* cancel) {
  BnnOutcome o;
  o.modes = w.modes;
  o.conditions = characterize_conditions(w, m, w.train_seed);  // the lab's measured table: fixed per train_seed
  o.net = train_bnn(w, d, o.conditions, false, &o.report);
  o.pairs = weight_pairs(o.conditions, o.report.gamma);
  o.pair_of = o.report.pair_of;
  const int L = static_cast<int>(w.layers.size()) - 1, n = d.n_test(), K = d.classes, M = w.samples;
  const long nw = o.net.weights();
  const WriteVerifyParams pp{m, 0.0f, w.tolerance, w.max_pulses, PulseLaw::kRetry, 0.5f, 2.0f, seed};
  // Conductances of copy `copy`, all layers in order (pairs G⁺, G⁻); devices (copy·weights + j)·2 + side.
  auto program_copy = [&](int copy, std::vector<float>& gp, std::vector<float>& gm, BnnProgramCounts* counts) {
    gp.resize(nw);
    gm.resize(nw);
    for (long j = 0; j < nw; ++j) {
      const BnnPair& pr = o.pairs[o.pair_of[j]];
      const std::uint64_t dev = (static_cast<std::uint64_t>(copy) * nw + j) * 2;
      gp[j] = bnn_program_device(pp, o.conditions.spec[pr.plus], dev, counts);
      gm[j] = bnn_program_device(pp, o.conditions.spec[pr.minus], dev + 1, counts);
    }
  };
  auto split_layers = [&](const std::vector<float>& flat) {
    std::vector<std::vector<float>> Ws(L);
    long off = 0;
    for (int l = 0; l < L; ++l) {
      const long k = static_cast<long>(w.layers[l] + 1) * w.layers[l + 1];
      Ws[l].assign(flat.begin() + off, flat.begin() + off + k);
      off += k;
    }
    return Ws;
  };
  program_copy(0, o.gp, o.gm, &o.program);
  // Reads of one sampled inference: every device of a driven line once per read; bit-serial layers read the array
  // once per bit-plane (every line counted as driven: an upper bound) plus the offset read (every line when the
  // lowest level is not 0, else the bias line alone).
  BnnDeviceNet serial{};
  set_bit_serial(w, serial);
  for (long l = 0, off = 0; l < L; ++l) {
    const int ni = w.layers[l], no = w.layers[l + 1];
    double e_lines = 0, e_bias = 0;
    for (long j = 0; j < static_cast<long>(ni + 1) * no; ++j)
      (j / no < ni ? e_lines : e_bias) += read_energy(m, o.gp[off + j]) + read_energy(m, o.gm[off + j]);
    const int P = serial.serial_bits[l];
    const bool offset_lines = P == 0 || serial.serial_lo[l] != 0.0f;
    o.read_energy_pj += e_bias + e_lines * (P + (offset_lines ? 1 : 0));
    o.device_reads += 2.0 * no * (1 + static_cast<double>(ni) * (P + (offset_lines ? 1 : 0)));
    off += static_cast<long>(ni + 1) * no;
  }

  std::vector<int> evals = w.samples_eval;
  for (BnnMode mode : w.modes) {
    if (cancel && cancel->load()) break;
    const int Mm = mode == BnnMode::kConventional ? 1 : M;
    std::vector<float> logits(static_cast<size_t>(n) * Mm * K), lg;
    auto put = [&](int s, const std::vector<float>& l1) {
      for (int i = 0; i < n; ++i)
        std::copy(l1.begin() + static_cast<long>(i) * K, l1.begin() + static_cast<long>(i + 1) * K,
                  logits.begin() + (static_cast<long>(i) * Mm + s) * K);
      if (progress) *progress += n;
    };
    if (mode == BnnMode::kConventional) {
      if (o.conventional.sizes.empty()) o.conventional = train_bnn(w, d, o.conditions, true, nullptr);
      forward_logits(w.layers, o.conventional.mu, d.x_test.data(), n, w.clip, w.activation_bits, lg);
      put(0, lg);
    } else if (mode == BnnMode::kSoftware) {
      const RngKey key{seed, stream::kBayesNnSoftware};
      for (int s = 0; s < M; ++s) {
        std::vector<std::vector<float>> Ws(L);
        for (int l = 0; l < L; ++l) {
          const size_t k = o.net.mu[l].size();
          Ws[l].resize(k);
          for (size_t j = 0; j < k; j += 4) {
            const F32x4 z = normals(philox(key, s, (static_cast<std::uint64_t>(l) << 32) + j / 4, 0));
            for (size_t q = 0; q < 4 && j + q < k; ++q) Ws[l][j + q] = o.net.mu[l][j + q] + o.net.sigma[l][j + q] * z.v[q];
          }
        }
        forward_logits(w.layers, Ws, d.x_test.data(), n, w.clip, w.activation_bits, lg);
        put(s, lg);
      }
    } else if (mode == BnnMode::kProgram) {
      BnnProgramCounts counts = o.program;
      for (int s = 0; s < M; ++s) {
        std::vector<float> gp, gm;
        if (s == 0) gp = o.gp, gm = o.gm;
        else program_copy(s, gp, gm, &counts);
        std::vector<float> flat(nw);
        for (long j = 0; j < nw; ++j) flat[j] = static_cast<float>((gp[j] - gm[j]) / o.report.gamma);
        forward_logits(w.layers, split_layers(flat), d.x_test.data(), n, w.clip, w.activation_bits, lg);
        put(s, lg);
      }
      o.program = counts;
    } else {  // read, read_aware: one programmed copy sampled by fresh read noise on every MVM
      std::vector<float> ra_gp, ra_gm;
      double gamma = o.report.gamma;
      if (mode == BnnMode::kReadAware) {
        // The means trained under the read noise [Lin 2023], each device written and verified to its target;
        // devices numbered after the M programmed copies.
        const GaussNet ra = train_bnn(w, d, o.conditions, true, nullptr, &m);
        const BnnReadAwareMap rmap = read_aware_map(w);
        gamma = rmap.gamma;
        ra_gp.resize(nw), ra_gm.resize(nw);
        for (long l = 0, j = 0; l < L; ++l)
          for (float mu : ra.mu[l]) {
            const std::uint64_t dev = (static_cast<std::uint64_t>(M) * nw + j) * 2;
            ra_gp[j] = bnn_program_device(pp, {BnnCondition::kWriteVerify, bnn_read_aware_target(rmap, mu, true), 0.0f}, dev,
                                          &o.read_aware_program);
            ra_gm[j] = bnn_program_device(pp, {BnnCondition::kWriteVerify, bnn_read_aware_target(rmap, mu, false), 0.0f}, dev + 1,
                                          &o.read_aware_program);
            ++j;
          }
      }
      const std::vector<float>& gp = mode == BnnMode::kReadAware ? ra_gp : o.gp;
      const std::vector<float>& gm = mode == BnnMode::kReadAware ? ra_gm : o.gm;
      BnnDeviceNet dn{};
      dn.n_layers = L;
      long off = 0;
      for (int l = 0; l <= L; ++l) dn.sizes[l] = w.layers[l];
      for (int l = 0; l < L; ++l) {
        dn.g_plus[l] = gp.data() + off;
        dn.g_minus[l] = gm.data() + off;
        off += static_cast<long>(w.layers[l] + 1) * w.layers[l + 1];
      }
      dn.gamma = static_cast<float>(gamma);
      dn.bias_input = 1.0f;
      dn.model = m;
      dn.seed = seed;
      set_bit_serial(w, dn);
      // read_aware reads with inference ids after read's, so the two modes' noise is independent.
      const std::uint64_t first = mode == BnnMode::kReadAware ? static_cast<std::uint64_t>(n) * M : 0;
      bnn_read_inferences_cpu(dn, d.x_test.data(), n, M, first, w.clip, logits.data(), threads);
      if (progress) *progress += static_cast<std::uint64_t>(n) * M;
    }
    std::vector<BnnSampleRow> rows;
    for (int Mk : mode == BnnMode::kConventional ? std::vector<int>{1} : evals) {
      if (Mk > Mm) continue;
      o.metrics.push_back(metrics_at(mode, logits, d, Mm, Mk, Mk == Mm ? &rows : nullptr));
    }
    if (rows.empty()) metrics_at(mode, logits, d, Mm, Mm, &rows);
    o.rows.push_back(rows);
  }
  return o;
}

}  // namespace mc

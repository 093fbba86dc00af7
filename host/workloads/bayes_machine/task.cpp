#include "workloads/bayes_machine/task.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "data/dataset.hpp"
#include "data/likelihood_table.hpp"
#include "workloads/bayes_machine/bayes_machine.hpp"

namespace mc {

std::vector<double> synthetic_table(int classes, int observations, int levels, double sharpness, std::uint32_t seed) {
  std::vector<double> p(static_cast<std::size_t>(classes) * observations * levels);
  const RngKey key{seed, stream::kBayesSynthetic};
  for (int y = 0; y < classes; ++y)
    for (int i = 0; i < observations; ++i) {
      const std::size_t base = (static_cast<std::size_t>(y) * observations + i) * levels;
      double sum = 0;
      for (int v = 0; v < levels; ++v) {
        const U32x4 r = philox(key, base + v, 0, 0);
        const double u1 = (r.v[0] + 0.5) / 4294967296.0, u2 = (r.v[1] + 0.5) / 4294967296.0;
        const double z = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
        p[base + v] = std::exp(sharpness * z);
        sum += p[base + v];
      }
      for (int v = 0; v < levels; ++v) p[base + v] /= sum;
    }
  return p;
}

void sample_from_table(BayesTask& t, std::size_t samples, std::uint32_t seed) {
  const RngKey key{seed, stream::kBayesSynthetic};
  t.samples = samples;
  t.x.assign(samples * t.observations, 0);
  t.label.assign(samples, 0);
  for (std::size_t n = 0; n < samples; ++n) {
    const U32x4 c = philox(key, n, 1, 0);
    const int y = static_cast<int>((static_cast<std::uint64_t>(c.v[0]) * static_cast<std::uint32_t>(t.classes)) >> 32);
    t.label[n] = y;
    for (int i = 0; i < t.observations; ++i) {
      const U32x4 r = philox(key, n, 2 + static_cast<std::uint64_t>(i), 0);
      const double u = (r.v[0] + 0.5) / 4294967296.0;
      double acc = 0;
      int v = t.levels - 1;
      for (int k = 0; k < t.levels; ++k) {
        acc += t.prob(y, i, k);
        if (u < acc) {
          v = k;
          break;
        }
      }
      t.x[n * t.observations + i] = v;
    }
  }
}

void finish_task(BayesTask& t, int bits) {
  t.bits = bits;
  const std::size_t n = t.p.size();
  std::vector<double> pn(n, 0.0);
  double max_neglog = 0;
  for (int i = 0; i < t.observations; ++i)
    for (int v = 0; v < t.levels; ++v) {
      double m = 0;
      for (int y = 0; y < t.classes; ++y) m = std::max(m, t.prob(y, i, v));
      for (int y = 0; y < t.classes; ++y) {
        const double q = m > 0 ? t.prob(y, i, v) / m : 0.0;
        pn[t.index(y, i, v)] = q;
        if (q > 0) max_neglog = std::max(max_neglog, -std::log2(q));
      }
    }
  const double top = static_cast<double>((1u << bits) - 1u);
  const double scale = max_neglog > 0 ? top / max_neglog : 1.0;
  t.words.assign(n, 0);
  t.logwords.assign(n, 0);
  for (std::size_t k = 0; k < n; ++k) {
    t.words[k] = static_cast<std::uint16_t>(quantize_likelihood(pn[k], bits));
    t.logwords[k] = static_cast<std::uint16_t>(pn[k] > 0 ? quantize_log_likelihood(pn[k], bits, scale) : (1u << bits) - 1u);
  }
  int lg = 0;
  while ((1 << lg) < t.observations) ++lg;
  t.acc_bits = std::min(32, bits + lg);
  t.exact.assign(t.samples, 0);
  for (std::size_t s = 0; s < t.samples; ++s) {
    double best = -std::numeric_limits<double>::infinity();
    int arg = 0;
    for (int y = 0; y < t.classes; ++y) {
      double score = 0;
      for (int i = 0; i < t.observations; ++i) score += std::log(t.prob(y, i, t.x[s * t.observations + i]));
      if (score > best) best = score, arg = y;
    }
    t.exact[s] = arg;
  }
}

namespace {

BayesTask from_dataset(const BayesMachineSpec& b, std::uint32_t seed) {
  const Dataset d = load_csv_dataset(b.data_file, kBayesMaxObservations);
  const Split split = stratified_split(d, b.test_fraction, seed);
  const int F = static_cast<int>(d.features.size());
  const int V = b.levels;
  BayesTask t;
  t.classes = d.classes;
  t.observations = F + (b.prior ? 1 : 0);
  t.levels = V;
  // Bin edges from the training rows: V − 1 interior edges per feature; level = number of edges ≤ x.
  std::vector<std::vector<double>> edges(F);
  for (int f = 0; f < F; ++f) {
    std::vector<double> col;
    for (std::size_t r : split.train) col.push_back(d.x[r * F + f]);
    std::sort(col.begin(), col.end());
    for (int k = 1; k < V; ++k) {
      if (b.quantile_bins) {
        const double q = static_cast<double>(k) / V * (col.size() - 1);
        const std::size_t lo = static_cast<std::size_t>(std::floor(q));
        const std::size_t hi = std::min(col.size() - 1, lo + 1);
        edges[f].push_back(col[lo] + (q - lo) * (col[hi] - col[lo]));
      } else {
        edges[f].push_back(col.front() + (col.back() - col.front()) * k / V);
      }
    }
  }
  const auto level = [&](std::size_t row, int f) {
    const double x = d.x[row * F + f];
    return static_cast<int>(std::upper_bound(edges[f].begin(), edges[f].end(), x) - edges[f].begin());
  };
  // Laplace-smoothed likelihoods from the training rows.
  std::vector<double> counts(static_cast<std::size_t>(t.classes) * t.observations * V, 0.0);
  std::vector<double> class_n(t.classes, 0.0);
  for (std::size_t r : split.train) {
    const int y = d.y[r];
    class_n[y] += 1;
    for (int f = 0; f < F; ++f) counts[t.index(y, f, level(r, f))] += 1;
  }
  t.p.assign(counts.size(), 0.0);
  for (int y = 0; y < t.classes; ++y) {
    for (int f = 0; f < F; ++f)
      for (int v = 0; v < V; ++v) {
        const double denom = class_n[y] + b.smoothing * V;
        t.p[t.index(y, f, v)] = denom > 0 ? (counts[t.index(y, f, v)] + b.smoothing) / denom : 1.0 / V;
      }
    if (b.prior) t.p[t.index(y, F, 0)] = class_n[y] / static_cast<double>(split.train.size());
  }
  t.samples = split.test.size();
  t.x.assign(t.samples * t.observations, 0);
  t.label.assign(t.samples, 0);
  for (std::size_t s = 0; s < t.samples; ++s) {
    const std::size_t r = split.test[s];
    t.label[s] = d.y[r];
    for (int f = 0; f < F; ++f) t.x[s * t.observations + f] = level(r, f);
  }
  t.description = d.file + ": " + std::to_string(d.rows) + " rows, " + std::to_string(F) + " features, " + std::to_string(d.classes) +
                  " classes; " + std::to_string(split.train.size()) + " train / " + std::to_string(t.samples) + " test";
  return t;
}

}  // namespace

BayesTask build_bayes_task(const BayesMachineSpec& b, std::uint32_t seed) {
  BayesTask t;
  if (b.task == "csv") {
    t = from_dataset(b, seed);
  } else if (b.task == "table") {
    const LikelihoodTable lt = load_likelihood_table(b.table_file, kBayesMaxClasses, kBayesMaxObservations, 64);
    t.classes = lt.classes, t.observations = lt.observations, t.levels = lt.levels;
    t.p = lt.p;
    sample_from_table(t, b.syn_samples, seed);
    t.description = b.table_file + ": " + std::to_string(t.classes) + " classes x " + std::to_string(t.observations) + " observations x " +
                    std::to_string(t.levels) + " levels; " + std::to_string(t.samples) + " samples";
  } else {
    t.classes = b.syn_classes, t.observations = b.syn_observations, t.levels = b.syn_levels;
    t.p = synthetic_table(t.classes, t.observations, t.levels, b.syn_sharpness, seed);
    sample_from_table(t, b.syn_samples, seed);
    t.description = "synthetic: " + std::to_string(t.classes) + " classes x " + std::to_string(t.observations) + " observations x " +
                    std::to_string(t.levels) + " levels; " + std::to_string(t.samples) + " samples";
  }
  finish_task(t, b.bits);
  return t;
}

}  // namespace mc

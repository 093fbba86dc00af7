// Workload `bayes_nn`, the data: the synthetic 9 + 1-class generator (the Bayes-optimal answer known), Fashion-MNIST
// reduced to principal components with one class held out, and any labelled CSV with a chosen unseen class.
//
// Fashion-MNIST reduction (memcarlo's choice, documented in docs/bayes_nn.md): PCA fitted on the training images
// of the seen classes only (the unseen class never informs the features), the top `features` components, then every
// feature z-scored on the training rows. PCA rather than 2-D FFT magnitudes: the magnitudes of a centred garment
// image are dominated by its mean brightness and lose the shape the classes differ by.
#include <cblas.h>
#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>

#include "common/rng.hpp"
#include "common/streams.hpp"
#include "data/dataset.hpp"
#include "data/idx.hpp"
#include "workloads/bayes_nn/bayes_nn.hpp"

namespace mc {

namespace {

// Splits rows of (x, original label) into train (seen classes) and test (all), renumbering the seen classes.
struct Relabel {
  std::vector<int> to_seen;  // original → 0..K-1, or -1 for the unseen class
  int seen = 0;
};

Relabel relabel(int classes, int unseen) {
  Relabel r;
  r.to_seen.assign(classes, -1);
  for (int c = 0; c < classes; ++c)
    if (c != unseen) r.to_seen[c] = r.seen++;
  return r;
}

void standardize(BnnData& d) {
  const int F = d.features;
  const int n = d.n_train();
  std::vector<double> mean(F, 0.0), sd(F, 0.0);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < F; ++f) mean[f] += d.x_train[static_cast<size_t>(i) * F + f];
  for (double& m : mean) m /= std::max(1, n);
  for (int i = 0; i < n; ++i)
    for (int f = 0; f < F; ++f) {
      const double v = d.x_train[static_cast<size_t>(i) * F + f] - mean[f];
      sd[f] += v * v;
    }
  for (double& s : sd) s = std::sqrt(s / std::max(1, n));
  auto apply = [&](std::vector<float>& x) {
    for (size_t i = 0; i < x.size(); ++i) {
      const int f = static_cast<int>(i % F);
      x[i] = static_cast<float>((x[i] - mean[f]) / (sd[f] > 0 ? sd[f] : 1.0));
    }
  };
  apply(d.x_train);
  apply(d.x_test);
}

void quantize_inputs(const BayesNnSpec& w, BnnData& d) {
  if (w.input_bits <= 0) return;
  const float levels = static_cast<float>((1 << w.input_bits) - 1), r = w.input_range;
  auto q = [&](std::vector<float>& x) {
    for (float& v : x) {
      const float u = std::clamp((v + r) / (2 * r), 0.0f, 1.0f);
      v = std::round(u * levels) / levels * 2 * r - r;
    }
  };
  q(d.x_train);
  q(d.x_test);
}

void finish(const BayesNnSpec& w, BnnData& d) {
  standardize(d);
  quantize_inputs(w, d);
}

// Fill train/test from a Dataset's rows.
void take_rows(const Dataset& ds, const std::vector<std::size_t>& rows, const Relabel& r, bool train, BnnData& d) {
  const int F = static_cast<int>(ds.features.size());
  for (std::size_t i : rows) {
    const int y = ds.y[i];
    if (train && r.to_seen[y] < 0) continue;
    auto& x = train ? d.x_train : d.x_test;
    x.insert(x.end(), ds.x.begin() + static_cast<long>(i) * F, ds.x.begin() + static_cast<long>(i + 1) * F);
    if (train) d.y_train.push_back(r.to_seen[y]);
    else {
      d.y_test.push_back(r.to_seen[y]);
      d.test_original.push_back(y);
    }
  }
}

BnnData fashion_data(const BayesNnSpec& w) {
  Dataset tr = load_fashion_mnist("train", "bayes_nn.fashion_dir", w.fashion_dir);
  Dataset te = load_fashion_mnist("test", "bayes_nn.fashion_dir", w.fashion_dir);
  const int unseen = w.unseen_class < 0 ? 9 : w.unseen_class;
  const Relabel r = relabel(10, unseen);
  const int P = static_cast<int>(tr.features.size());
  auto first = [](const Dataset& ds, int limit) {
    std::vector<std::size_t> rows(limit > 0 ? std::min<std::size_t>(limit, ds.rows) : ds.rows);
    for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = i;
    return rows;
  };
  BnnData raw;
  raw.features = P;
  take_rows(tr, first(tr, w.fashion_train), r, true, raw);
  take_rows(te, first(te, w.fashion_test), r, false, raw);
  // PCA on the seen training images: covariance by one BLAS rank-k update, eigenvectors by Eigen.
  const int n = raw.n_train();
  std::vector<double> mean(P, 0.0);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < P; ++p) mean[p] += raw.x_train[static_cast<size_t>(i) * P + p];
  for (double& m : mean) m /= n;
  std::vector<double> xc(static_cast<size_t>(n) * P), cov(static_cast<size_t>(P) * P, 0.0);
  for (int i = 0; i < n; ++i)
    for (int p = 0; p < P; ++p) xc[static_cast<size_t>(i) * P + p] = raw.x_train[static_cast<size_t>(i) * P + p] - mean[p];
  cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, P, n, 1.0 / n, xc.data(), P, 0.0, cov.data(), P);
  Eigen::MatrixXd C(P, P);
  for (int a = 0; a < P; ++a)
    for (int b = a; b < P; ++b) C(a, b) = C(b, a) = cov[static_cast<size_t>(a) * P + b];
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(C);
  const int F = w.features;
  BnnData d;
  d.features = F;
  d.classes = r.seen;
  d.y_train = raw.y_train;
  d.y_test = raw.y_test;
  d.test_original = raw.test_original;
  Eigen::MatrixXd V(P, F);  // the top F eigenvectors, largest eigenvalue first
  for (int f = 0; f < F; ++f) V.col(f) = eig.eigenvectors().col(P - 1 - f);
  auto project = [&](const std::vector<float>& x, std::vector<float>& out) {
    const int rows = static_cast<int>(x.size() / P);
    out.assign(static_cast<size_t>(rows) * F, 0.0f);
    for (int i = 0; i < rows; ++i)
      for (int f = 0; f < F; ++f) {
        double s = 0.0;
        for (int p = 0; p < P; ++p) s += (x[static_cast<size_t>(i) * P + p] - mean[p]) * V(p, f);
        out[static_cast<size_t>(i) * F + f] = static_cast<float>(s);
      }
  };
  project(raw.x_train, d.x_train);
  project(raw.x_test, d.x_test);
  const auto& names = fashion_mnist_classes();
  for (int c = 0; c < 10; ++c)
    if (c != unseen) d.class_names.push_back(names[c]);
  d.class_names.push_back(names[unseen]);
  d.description = fmt::format("Fashion-MNIST, {} principal components, unseen class {} ({})", F, unseen, names[unseen]);
  return d;
}

BnnData csv_data(const BayesNnSpec& w, std::uint32_t seed) {
  const Dataset ds = load_csv_dataset(w.data);
  const int unseen = w.unseen_class < 0 ? ds.classes - 1 : w.unseen_class;
  const Relabel r = relabel(ds.classes, unseen);
  BnnData d;
  d.features = static_cast<int>(ds.features.size());
  d.classes = r.seen;
  if (!w.test_data.empty()) {
    const Dataset te = load_csv_dataset(w.test_data);
    std::vector<std::size_t> all(ds.rows), all_te(te.rows);
    for (std::size_t i = 0; i < ds.rows; ++i) all[i] = i;
    for (std::size_t i = 0; i < te.rows; ++i) all_te[i] = i;
    take_rows(ds, all, r, true, d);
    take_rows(te, all_te, r, false, d);
  } else {
    const Split sp = stratified_split(ds, w.test_fraction, seed);
    take_rows(ds, sp.train, r, true, d);
    // Unseen rows of the training part join the test set too: they were never trained on.
    std::vector<std::size_t> test = sp.test;
    for (std::size_t i : sp.train)
      if (ds.y[i] == unseen) test.push_back(i);
    std::sort(test.begin(), test.end());
    take_rows(ds, test, r, false, d);
  }
  for (int c = 0; c < ds.classes; ++c)
    if (c != unseen) d.class_names.push_back(std::to_string(c));
  d.class_names.push_back(std::to_string(unseen));
  d.description = fmt::format("{} ({} features, unseen class {})", w.data, d.features, unseen);
  return d;
}

}  // namespace

BnnData synthetic_bnn_data(const BayesNnSpec& w, std::uint32_t seed) {
  const int F = w.features, C = w.classes;
  const int unseen = w.unseen_class < 0 ? C - 1 : w.unseen_class;
  const Relabel r = relabel(C, unseen);
  const RngKey key{seed, stream::kBayesNnData};
  // Class centres: the first `latent` coordinates N(0, separation²) for every class; the other coordinates 0 for the
  // seen classes and N(0, unseen_shift²) for the unseen one, so the unseen class leaves the subspace the seen classes
  // vary in (as a new kind of beat has a shape none of the trained ones has). Noise N(0, 1) on every coordinate.
  std::vector<double> centre(static_cast<size_t>(C) * F);
  const int latent = std::min(F, w.latent);
  for (int c = 0; c < C; ++c)
    for (int f = 0; f < F; f += 4) {
      const F32x4 z = normals(philox(key, (std::uint64_t{1} << 40) + c, f / 4, 0));
      for (int q = 0; q < 4 && f + q < F; ++q) {
        const double scale = f + q < latent ? w.separation : (c == unseen ? w.unseen_shift : 0.0);
        centre[static_cast<size_t>(c) * F + f + q] = scale * z.v[q];
      }
    }
  BnnData d;
  d.features = F;
  d.classes = r.seen;
  auto draw = [&](std::uint64_t row, int c, std::vector<float>& x) {
    for (int f = 0; f < F; f += 4) {
      const F32x4 z = normals(philox(key, row, f / 4, 1));
      for (int q = 0; q < 4 && f + q < F; ++q) x.push_back(static_cast<float>(centre[static_cast<size_t>(c) * F + f + q] + z.v[q]));
    }
  };
  std::uint64_t row = 0;
  for (int i = 0; i < w.train_per_class; ++i)
    for (int c = 0; c < C; ++c)
      if (c != unseen) {
        draw(row++, c, d.x_train);
        d.y_train.push_back(r.to_seen[c]);
      }
  row = std::uint64_t{1} << 32;
  for (int i = 0; i < w.test_per_class; ++i)
    for (int c = 0; c < C; ++c) {
      draw(row++, c, d.x_test);
      d.y_test.push_back(r.to_seen[c]);
      d.test_original.push_back(c);
    }
  // The Bayes-optimal classifier over the seen classes (equal priors, unit isotropic noise): posterior ∝
  // exp(−|x − c_k|²/2); its accuracy and the AUROC of its entropy for its own errors, on the seen test rows.
  std::vector<double> ent;
  std::vector<int> wrong;
  int correct = 0, seen = 0;
  for (int i = 0; i < d.n_test(); ++i) {
    if (d.y_test[i] < 0) continue;
    std::vector<double> lp(r.seen);
    for (int c = 0; c < C; ++c) {
      if (c == unseen) continue;
      double s = 0;
      for (int f = 0; f < F; ++f) {
        const double v = d.x_test[static_cast<size_t>(i) * F + f] - centre[static_cast<size_t>(c) * F + f];
        s += v * v;
      }
      lp[r.to_seen[c]] = -0.5 * s;
    }
    const double mx = *std::max_element(lp.begin(), lp.end());
    double z = 0;
    for (double& v : lp) z += (v = std::exp(v - mx));
    for (double& v : lp) v /= z;
    const int pred = static_cast<int>(std::max_element(lp.begin(), lp.end()) - lp.begin());
    ++seen;
    correct += pred == d.y_test[i];
    ent.push_back(bnn_entropy(lp.data(), r.seen));
    wrong.push_back(pred != d.y_test[i]);
  }
  d.bayes_accuracy = seen ? static_cast<double>(correct) / seen : -1;
  d.bayes_auroc_a = auroc(ent, wrong);
  for (int c = 0; c < C; ++c)
    if (c != unseen) d.class_names.push_back(std::to_string(c));
  d.class_names.push_back(std::to_string(unseen));
  d.description = fmt::format("synthetic {} + 1 classes, {} features ({} latent), separation {:.3g}, unseen shift {:.3g}", r.seen, F, latent,
                              w.separation, w.unseen_shift);
  finish(w, d);
  return d;
}

BnnData load_bnn_data(const BayesNnSpec& w, std::uint32_t seed) {
  if (w.data == "synthetic") return synthetic_bnn_data(w, seed);
  BnnData d = w.data == "fashion_mnist" ? fashion_data(w) : csv_data(w, seed);
  finish(w, d);
  return d;
}

}  // namespace mc

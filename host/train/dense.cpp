#include "train/dense.hpp"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "common/rng.hpp"
#include "common/streams.hpp"

namespace mc::train {

Network make_network(const NetworkShape& shape) {
  if (shape.sizes.size() < 2) throw std::invalid_argument("a network needs at least an input and an output size");
  Network net;
  net.bias_input = shape.bias_input;
  const RngKey key{shape.seed, stream::kTrainInit};
  for (size_t l = 0; l + 1 < shape.sizes.size(); ++l) {
    Layer L;
    L.n_in = shape.sizes[l];
    L.n_out = shape.sizes[l + 1];
    L.act = l + 2 == shape.sizes.size() ? shape.output : shape.hidden;
    L.amplitude = shape.amplitude;
    L.slope = shape.slope;
    const size_t n = static_cast<size_t>(L.n_in + 1) * L.n_out;
    L.W.resize(n);
    const float r = shape.init_scale / std::sqrt(static_cast<float>(L.n_in + 1));
    for (size_t k = 0; k < n; ++k) {
      const U32x4 u = philox(key, l, k / 4, 0);
      L.W[k] = r * (2.0f * u01(u.v[k % 4]) - 1.0f);
    }
    L.lo.assign(n, shape.w_lo);
    L.hi.assign(n, shape.w_hi);
    L.m.assign(n, 0.0f);
    L.v.assign(n, 0.0f);
    net.layers.push_back(std::move(L));
  }
  clip_weights(net);
  return net;
}

namespace {

// X (B × n_in) with the bias column appended: B × (n_in + 1).
std::vector<float> with_bias(const float* X, int B, int n_in, float bias) {
  std::vector<float> Xb(static_cast<size_t>(B) * (n_in + 1));
  for (int b = 0; b < B; ++b) {
    std::copy(X + static_cast<size_t>(b) * n_in, X + static_cast<size_t>(b + 1) * n_in, &Xb[static_cast<size_t>(b) * (n_in + 1)]);
    Xb[static_cast<size_t>(b) * (n_in + 1) + n_in] = bias;
  }
  return Xb;
}

// Pre-activations A = Xb·W (B × n_out).
std::vector<float> affine(const Layer& L, const std::vector<float>& Xb, int B) {
  std::vector<float> A(static_cast<size_t>(B) * L.n_out);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, L.n_out, L.n_in + 1, 1.0f, Xb.data(), L.n_in + 1,
              L.W.data(), L.n_out, 0.0f, A.data(), L.n_out);
  return A;
}

void activate(const Layer& L, std::vector<float>& A) {
  if (L.act == Activation::kTanh)
    for (float& a : A) a = L.amplitude * std::tanh(L.slope * a);
}

}  // namespace

std::vector<std::vector<float>> forward(const Network& net, const float* X, int B) {
  std::vector<std::vector<float>> out;
  out.emplace_back(X, X + static_cast<size_t>(B) * net.layers.front().n_in);
  for (const Layer& L : net.layers) {
    std::vector<float> A = affine(L, with_bias(out.back().data(), B, L.n_in, net.bias_input), B);
    activate(L, A);
    out.push_back(std::move(A));
  }
  return out;
}

std::vector<float> predict(const Network& net, const float* X, int B) { return forward(net, X, B).back(); }

namespace {

// dL/dY for the batch and the loss; for cross-entropy the derivative with respect to the logits.
float output_delta(const Layer& L, const std::vector<float>& Y, const int* labels, int B, Loss loss,
                   std::vector<float>& dY) {
  const int n = L.n_out;
  dY.assign(Y.size(), 0.0f);
  double total = 0.0;
  for (int b = 0; b < B; ++b) {
    const float* y = &Y[static_cast<size_t>(b) * n];
    float* d = &dY[static_cast<size_t>(b) * n];
    if (loss == Loss::kMse) {
      for (int k = 0; k < n; ++k) {
        const float t = k == labels[b] ? L.amplitude : -L.amplitude;
        const float e = y[k] - t;
        total += 0.5 * e * e;
        d[k] = e / B;
      }
    } else {
      const float mx = *std::max_element(y, y + n);
      double z = 0.0;
      for (int k = 0; k < n; ++k) z += std::exp(static_cast<double>(y[k] - mx));
      for (int k = 0; k < n; ++k) d[k] = static_cast<float>(std::exp(static_cast<double>(y[k] - mx)) / z) / B;
      d[labels[b]] -= 1.0f / B;
      total += -(y[labels[b]] - mx - std::log(z));
    }
  }
  return static_cast<float>(total / B);
}

}  // namespace

float loss_value(const Network& net, const std::vector<float>& Y, const int* labels, int B, Loss loss) {
  std::vector<float> d;
  return output_delta(net.layers.back(), Y, labels, B, loss, d);
}

float gradients(const Network& net, const float* X, const int* labels, int B, Loss loss,
                std::vector<std::vector<float>>& grads) {
  const std::vector<std::vector<float>> acts = forward(net, X, B);
  const int nl = static_cast<int>(net.layers.size());
  grads.resize(nl);
  std::vector<float> dY;
  const Layer& last = net.layers.back();
  if (loss == Loss::kCrossEntropy && last.act == Activation::kTanh)
    throw std::invalid_argument("cross-entropy takes the last layer's output as logits: it needs an identity output");
  const float value = output_delta(last, acts.back(), labels, B, loss, dY);
  for (int l = nl - 1; l >= 0; --l) {
    const Layer& L = net.layers[l];
    const std::vector<float>& Y = acts[l + 1];
    // dA = dY ⊙ act'(A): for A·tanh(s·a), act' = s·(A − y²/A).
    std::vector<float> dA = dY;
    if (L.act == Activation::kTanh)
      for (size_t k = 0; k < dA.size(); ++k) dA[k] *= L.slope * (L.amplitude - Y[k] * Y[k] / L.amplitude);
    const std::vector<float> Xb = with_bias(acts[l].data(), B, L.n_in, net.bias_input);
    grads[l].assign(L.W.size(), 0.0f);
    // dW = Xbᵀ·dA ((n_in + 1) × n_out).
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, L.n_in + 1, L.n_out, B, 1.0f, Xb.data(), L.n_in + 1,
                dA.data(), L.n_out, 0.0f, grads[l].data(), L.n_out);
    if (l > 0) {
      // dX = dA·W_inᵀ (the bias row of W carries no input).
      dY.assign(static_cast<size_t>(B) * L.n_in, 0.0f);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, L.n_in, L.n_out, 1.0f, dA.data(), L.n_out, L.W.data(),
                  L.n_out, 0.0f, dY.data(), L.n_in);
    }
  }
  return value;
}

void clip_weights(Network& net) {
  for (Layer& L : net.layers)
    for (size_t k = 0; k < L.W.size(); ++k) L.W[k] = std::min(std::max(L.W[k], L.lo[k]), L.hi[k]);
}

void apply_update(Network& net, const std::vector<std::vector<float>>& grads, const TrainConfig& cfg, int t) {
  const float c1 = 1.0f - std::pow(cfg.beta1, static_cast<float>(t));
  const float c2 = 1.0f - std::pow(cfg.beta2, static_cast<float>(t));
  for (size_t l = 0; l < net.layers.size(); ++l) {
    Layer& L = net.layers[l];
    const std::vector<float>& g = grads[l];
    for (size_t k = 0; k < L.W.size(); ++k) {
      if (L.lo[k] == L.hi[k]) continue;  // frozen (a stuck device's known value)
      switch (cfg.optimizer) {
        case Optimizer::kSgd: L.W[k] -= cfg.learning_rate * g[k]; break;
        case Optimizer::kManhattan: L.W[k] -= cfg.learning_rate * static_cast<float>((g[k] > 0.0f) - (g[k] < 0.0f)); break;
        case Optimizer::kAdam:
          L.m[k] = cfg.beta1 * L.m[k] + (1.0f - cfg.beta1) * g[k];
          L.v[k] = cfg.beta2 * L.v[k] + (1.0f - cfg.beta2) * g[k] * g[k];
          L.W[k] -= cfg.learning_rate * (L.m[k] / c1) / (std::sqrt(L.v[k] / c2) + cfg.epsilon);
          break;
      }
    }
  }
  clip_weights(net);
}

std::vector<float> train(Network& net, const float* X, const int* labels, int B, const TrainConfig& cfg) {
  std::vector<float> history;
  std::vector<std::vector<float>> grads;
  const int n_in = net.layers.front().n_in;
  const int batch = cfg.batch > 0 ? std::min(cfg.batch, B) : B;
  int t = 0;
  for (int e = 0; e < cfg.epochs; ++e) {
    double sum = 0.0;
    int batches = 0;
    for (int start = 0; start < B; start += batch) {
      const int n = std::min(batch, B - start);
      sum += gradients(net, X + static_cast<size_t>(start) * n_in, labels + start, n, cfg.loss, grads);
      apply_update(net, grads, cfg, ++t);
      ++batches;
    }
    history.push_back(static_cast<float>(sum / batches));
    if (cfg.stop_all_correct && e + 1 >= cfg.min_epochs && correct(net, X, labels, B) == B) break;
  }
  return history;
}

std::vector<int> classify(const std::vector<float>& Y, int B, int n) {
  std::vector<int> c(static_cast<size_t>(B));
  for (int b = 0; b < B; ++b) {
    const float* y = &Y[static_cast<size_t>(b) * n];
    c[b] = static_cast<int>(std::max_element(y, y + n) - y);
  }
  return c;
}

int correct(const Network& net, const float* X, const int* labels, int B) {
  const std::vector<int> c = classify(predict(net, X, B), B, net.layers.back().n_out);
  int k = 0;
  for (int b = 0; b < B; ++b) k += c[b] == labels[b];
  return k;
}

}  // namespace mc::train

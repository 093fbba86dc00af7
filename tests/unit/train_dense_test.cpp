// The shared training layer (host/train/dense.hpp): gradients against finite differences, the optimizers'
// update rules by hand, bounds and frozen weights, and a small non-linearly-separable task learned.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "train/dense.hpp"

namespace mc::train {
namespace {

Network small_net(Activation out, std::uint32_t seed = 3) {
  NetworkShape s;
  s.sizes = {3, 4, 2};
  s.output = out;
  s.amplitude = 0.2f;
  s.slope = 3.0f;
  s.bias_input = 0.2f;
  s.init_scale = 2.0f;
  s.seed = seed;
  return make_network(s);
}

void check_gradients(Loss loss, Activation out) {
  Network net = small_net(out);
  const std::vector<float> X = {0.2f, -0.2f, 0.2f, -0.2f, -0.2f, 0.2f, 0.2f, 0.2f, -0.2f};
  const std::vector<int> y = {0, 1, 1};
  std::vector<std::vector<float>> g;
  gradients(net, X.data(), y.data(), 3, loss, g);
  for (size_t l = 0; l < net.layers.size(); ++l)
    for (size_t k = 0; k < net.layers[l].W.size(); ++k) {
      const float h = 1e-2f, w = net.layers[l].W[k];
      net.layers[l].W[k] = w + h;
      const double up = loss_value(net, predict(net, X.data(), 3), y.data(), 3, loss);
      net.layers[l].W[k] = w - h;
      const double dn = loss_value(net, predict(net, X.data(), 3), y.data(), 3, loss);
      net.layers[l].W[k] = w;
      const double fd = (up - dn) / (2.0 * h);
      EXPECT_NEAR(g[l][k], fd, 2e-3 * std::fabs(fd) + 2e-5) << "layer " << l << " weight " << k;
    }
}

TEST(TrainDense, MseTanhGradientsMatchFiniteDifferences) { check_gradients(Loss::kMse, Activation::kTanh); }
TEST(TrainDense, CrossEntropyGradientsMatchFiniteDifferences) {
  check_gradients(Loss::kCrossEntropy, Activation::kIdentity);
}

TEST(TrainDense, ManhattanMovesEveryFreeWeightByOneFixedStepAndRespectsBounds) {
  Network net = small_net(Activation::kTanh);
  Layer& L = net.layers[0];
  L.lo[0] = L.hi[0] = L.W[0];  // frozen
  L.hi[1] = L.W[1] + 0.01f;    // a bound closer than one step
  const Network before = net;
  std::vector<std::vector<float>> g = {std::vector<float>(L.W.size(), -1.0f), std::vector<float>(net.layers[1].W.size(), 2.0f)};
  g[1][0] = 0.0f;
  TrainConfig cfg;
  cfg.optimizer = Optimizer::kManhattan;
  cfg.learning_rate = 0.05f;
  apply_update(net, g, cfg, 1);
  EXPECT_EQ(net.layers[0].W[0], before.layers[0].W[0]);
  EXPECT_FLOAT_EQ(net.layers[0].W[1], before.layers[0].W[1] + 0.01f);
  for (size_t k = 2; k < L.W.size(); ++k) EXPECT_FLOAT_EQ(net.layers[0].W[k], before.layers[0].W[k] + 0.05f);
  EXPECT_EQ(net.layers[1].W[0], before.layers[1].W[0]);  // zero gradient: no pulse
  for (size_t k = 1; k < net.layers[1].W.size(); ++k)
    EXPECT_FLOAT_EQ(net.layers[1].W[k], before.layers[1].W[k] - 0.05f);
}

TEST(TrainDense, AdamFirstStepIsTheLearningRateAgainstTheGradientSign) {
  Network net = small_net(Activation::kTanh);
  const Network before = net;
  std::vector<std::vector<float>> g = {std::vector<float>(net.layers[0].W.size(), 0.3f),
                                       std::vector<float>(net.layers[1].W.size(), -7.0f)};
  TrainConfig cfg;
  cfg.optimizer = Optimizer::kAdam;
  cfg.learning_rate = 0.01f;
  apply_update(net, g, cfg, 1);
  EXPECT_NEAR(net.layers[0].W[3], before.layers[0].W[3] - 0.01f, 1e-6f);
  EXPECT_NEAR(net.layers[1].W[3], before.layers[1].W[3] + 0.01f, 1e-6f);
}

TEST(TrainDense, LearnsXorAndIsDeterministicForASeed) {
  // XOR of two ±1 inputs: not linearly separable, so the hidden layer has to work.
  const std::vector<float> X = {-1, -1, -1, 1, 1, -1, 1, 1};
  const std::vector<int> y = {0, 1, 1, 0};
  NetworkShape s;
  s.sizes = {2, 6, 2};
  s.seed = 11;
  TrainConfig cfg;
  cfg.optimizer = Optimizer::kAdam;
  cfg.learning_rate = 0.05f;
  cfg.epochs = 400;
  for (Loss loss : {Loss::kMse, Loss::kCrossEntropy}) {
    s.output = loss == Loss::kMse ? Activation::kTanh : Activation::kIdentity;
    cfg.loss = loss;
    Network a = make_network(s), b = make_network(s);
    const std::vector<float> ha = train(a, X.data(), y.data(), 4, cfg);
    train(b, X.data(), y.data(), 4, cfg);
    EXPECT_EQ(correct(a, X.data(), y.data(), 4), 4);
    EXPECT_LT(ha.back(), 0.1f * ha.front());
    EXPECT_EQ(a.layers[0].W, b.layers[0].W);
  }
}

TEST(TrainDense, CrossEntropyNeedsAnIdentityOutput) {
  Network net = small_net(Activation::kTanh);
  const std::vector<float> X = {0.2f, 0.2f, 0.2f};
  const std::vector<int> y = {0};
  std::vector<std::vector<float>> g;
  EXPECT_THROW(gradients(net, X.data(), y.data(), 1, Loss::kCrossEntropy, g), std::invalid_argument);
}

}  // namespace
}  // namespace mc::train

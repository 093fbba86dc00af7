// The bnn workload's parts: batch-norm folding at exact ties and random parameters, the packed XNOR/AND-popcount
// inference against a ±1 float (double) reference with the same flip masks (fixed per chip and per read),
// folded vs unfolded decisions through a network, model files, training on the committed Fashion-MNIST subset,
// and bad input (one InputError naming file:line:column and the key; Ctrl-C leaves no model file).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "bnn/driver.hpp"
#include "common/rng.hpp"
#include "io/progress.hpp"
#include "scenario/error.hpp"
#include "scenario/scenario.hpp"
#include "workloads/bnn/bnn.hpp"
#include "workloads/run.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mc;

TEST(BnnFold, ExactTiesAndRandomParametersGiveTheUnfoldedDecision) {
  // Ties: x = μ exactly (β = 0) must give +1 for either sign of γ (sign(0) = +1).
  for (double gamma : {0.7, -0.7}) {
    const BnnThreshold th = bnn_fold(5.0, 2.0, gamma, 0.0);
    EXPECT_TRUE(bnn_fire(th, 5));
    EXPECT_TRUE(bnn_fire_unfolded(5, 5.0, 2.0, gamma, 0.0));
  }
  EXPECT_TRUE(bnn_fire(bnn_fold(5.0, 2.0, 1.0, 0.0), 6));
  EXPECT_FALSE(bnn_fire(bnn_fold(5.0, 2.0, 1.0, 0.0), 4));
  EXPECT_FALSE(bnn_fire(bnn_fold(5.0, 2.0, -1.0, 0.0), 6));
  EXPECT_TRUE(bnn_fire(bnn_fold(5.0, 2.0, -1.0, 0.0), 4));
  // γ = 0: the constant sign of β.
  EXPECT_TRUE(bnn_fire(bnn_fold(5.0, 2.0, 0.0, 0.3), -100000));
  EXPECT_FALSE(bnn_fire(bnn_fold(5.0, 2.0, 0.0, -0.3), 100000));
  int checked = 0, positive = 0;
  for (std::uint64_t k = 0; k < 2000; ++k) {
    const U32x4 r = philox(RngKey{7, stream::kTest}, k, 0, 0);
    const double mu = (u01(r.v[0]) - 0.5) * 200, sigma = 0.1 + 20 * u01(r.v[1]);
    const double gamma = (k % 3 == 0 ? -1 : 1) * (0.05 + 2 * u01(r.v[2])), beta = (u01(r.v[3]) - 0.5) * 4;
    const BnnThreshold th = bnn_fold(mu, sigma, gamma, beta);
    for (int x = -150; x <= 150; x += 3) {
      const bool folded = bnn_fire(th, x);
      EXPECT_EQ(folded, bnn_fire_unfolded(x, mu, sigma, gamma, beta)) << "mu " << mu << " sigma " << sigma << " gamma " << gamma << " x " << x;
      ++checked, positive += folded;
    }
  }
  EXPECT_GT(positive, checked / 5);
  EXPECT_LT(positive, checked * 4 / 5);
}

// A random network with random running statistics (hidden weights uniform in ±1).
train::BinaryNet random_net(std::vector<int> sizes, bool binary_input, std::uint32_t seed) {
  train::BinaryTrainConfig cfg;
  cfg.seed = seed;
  cfg.init_scale = 1.0f;
  train::BinaryNet net = train::make_binary_net(sizes, binary_input, cfg);
  for (std::size_t l = 0; l < net.mean.size(); ++l)
    for (std::size_t j = 0; j < net.mean[l].size(); ++j) {
      const U32x4 r = philox(RngKey{seed, stream::kTest}, l, j, 1);
      const double scale = l == 0 && !binary_input ? 30.0 : 4.0;
      net.mean[l][j] = static_cast<float>((u01(r.v[0]) - 0.5) * scale);
      net.var[l][j] = static_cast<float>(1 + 50 * u01(r.v[1]));
    }
  return net;
}

std::vector<float> random_images(int n, int inputs, std::uint32_t seed) {
  std::vector<float> X(static_cast<std::size_t>(n) * inputs);
  for (std::size_t k = 0; k < X.size(); ++k) {
    const U32x4 r = philox(RngKey{seed, stream::kTest}, k, 2, 0);
    X[k] = r.v[1] % 3 == 0 ? 0.0f : static_cast<float>(r.v[0] % 256) / 255.0f;  // pixels k/255, many zeros
  }
  return X;
}

// Reference: ±1 weights with flips (flat k = j·n_in + i) as doubles, inputs as bytes or ±1, per-image flips
// optionally, hidden sign by the unfolded batch norm, class by the largest normalized output.
struct Reference {
  std::vector<std::vector<std::int64_t>> pre;  // per layer, images × n_out
  std::vector<int> decisions;
};
Reference reference(const train::BinaryNet& net, const std::vector<float>& X, int N,
                    const std::vector<std::vector<std::uint8_t>>& chip_flips, double read_ber, std::uint32_t seed, std::uint64_t chip) {
  const int L = static_cast<int>(net.W.size());
  Reference ref;
  ref.pre.assign(L, {});
  for (int n = 0; n < N; ++n) {
    std::vector<double> a(net.sizes[0]);
    for (int i = 0; i < net.sizes[0]; ++i) {
      const float x = X[static_cast<std::size_t>(n) * net.sizes[0] + i];
      a[i] = net.binary_input ? (x >= 0.5f ? 1.0 : -1.0) : std::nearbyint(x * 255.0f);
    }
    for (int l = 0; l < L; ++l) {
      const int ni = net.sizes[l], no = net.sizes[l + 1];
      std::vector<std::uint8_t> flip = chip_flips[l];
      if (read_ber > 0)
        bnn_flips(read_ber, static_cast<std::uint64_t>(ni) * no, RngKey{seed, stream::kBnnReadFlip}, static_cast<std::uint64_t>(n), chip * L + l,
                  [&](std::uint64_t k) { flip[k] ^= 1; });
      std::vector<double> z(no, 0.0);
      for (int j = 0; j < no; ++j)
        for (int i = 0; i < ni; ++i) {
          double w = net.W[l][static_cast<std::size_t>(i) * no + j] >= 0 ? 1.0 : -1.0;
          if (flip[static_cast<std::size_t>(j) * ni + i]) w = -w;
          z[j] += a[i] * w;
        }
      for (int j = 0; j < no; ++j) ref.pre[l].push_back(static_cast<std::int64_t>(z[j]));
      const double unit = l == 0 && !net.binary_input ? 255.0 : 1.0;
      if (l + 1 < L) {
        a.assign(no, 0.0);
        for (int j = 0; j < no; ++j)
          a[j] = bnn_fire_unfolded(z[j], unit * net.mean[l][j], unit * std::sqrt(static_cast<double>(net.var[l][j]) + net.eps), 1.0, 0.0) ? 1.0 : -1.0;
      } else {
        int best = 0;
        double top = -1e300;
        for (int j = 0; j < no; ++j) {
          const double s = (z[j] - unit * net.mean[l][j]) / (unit * std::sqrt(static_cast<double>(net.var[l][j]) + net.eps));
          if (s > top) top = s, best = j;
        }
        ref.decisions.push_back(best);
      }
    }
  }
  return ref;
}

void check_against_reference(bool binary_input, double chip_ber, double read_ber) {
  const std::vector<int> sizes = {150, 70, 131, 10};  // widths that are not multiples of 64 or 32
  const train::BinaryNet net = random_net(sizes, binary_input, 11);
  const int N = 37;
  const std::vector<float> X = random_images(N, sizes[0], 5);
  const BnnFolded f = fold_network(net);
  const BnnInputs in = pack_inputs(f, X.data(), N);
  const std::uint32_t seed = 9;
  const std::uint64_t chip = 3;
  std::vector<std::vector<std::uint8_t>> flips;
  std::uint64_t flipped = 0;
  const auto cw = chip_weights(f, [&](int l, const std::function<void(std::uint64_t)>& flip) {
    flips.emplace_back(static_cast<std::size_t>(sizes[l]) * sizes[l + 1], 0);
    bnn_flips(chip_ber, flips.back().size(), RngKey{seed, stream::kBnnFlip}, chip, static_cast<std::uint64_t>(l), [&](std::uint64_t k) {
      flip(k);
      flips.back()[k] = 1;
      ++flipped;
    });
  });
  if (chip_ber > 0) EXPECT_GT(flipped, 0u);
  std::vector<const std::uint64_t*> ptr;
  for (const auto& v : cw) ptr.push_back(v.data());
  const Reference ref = reference(net, X, N, flips, read_ber, seed, chip);
  // Whole block, and in two uneven blocks (the read flips are keyed by the image, not by the block).
  for (int split : {N, 13}) {
    std::vector<int> dec(N);
    std::vector<std::vector<std::int32_t>> pre_a, pre_b;
    std::uint64_t read_flips = 0;
    BnnReadErrors rd{read_ber, seed, chip, &read_flips};
    const BnnDot dot = [](const BnnDotArgs& a) { bnn_dot_cpu(a); };
    bnn_infer(f, ptr, in, 0, split, dot, read_ber > 0 ? &rd : nullptr, dec.data(), &pre_a);
    if (split < N) bnn_infer(f, ptr, in, split, N - split, dot, read_ber > 0 ? &rd : nullptr, dec.data() + split, &pre_b);
    for (int l = 0; l + 1 < static_cast<int>(sizes.size()); ++l) {
      std::vector<std::int32_t> all = pre_a[l];
      if (split < N) all.insert(all.end(), pre_b[l].begin(), pre_b[l].end());
      ASSERT_EQ(all.size(), ref.pre[l].size());
      for (std::size_t k = 0; k < all.size(); ++k) ASSERT_EQ(all[k], ref.pre[l][k]) << "layer " << l << " entry " << k << " split " << split;
    }
    for (int n = 0; n < N; ++n) EXPECT_EQ(dec[n], ref.decisions[n]) << "image " << n;
    if (read_ber > 0) EXPECT_GT(read_flips, 0u);
    // Without the integers asked for, the hidden layers take the fused threshold-and-pack path (unless reads err).
    std::vector<int> fused(N);
    bnn_infer(f, ptr, in, 0, split, dot, read_ber > 0 ? &rd : nullptr, fused.data());
    if (split < N) bnn_infer(f, ptr, in, split, N - split, dot, read_ber > 0 ? &rd : nullptr, fused.data() + split);
    for (int n = 0; n < N; ++n) EXPECT_EQ(fused[n], ref.decisions[n]) << "fused, image " << n;
  }
}

// The fused output (threshold and pack inside the dot product) against the integers packed afterwards
// (bnn_pack_fired, the host's way for a layer whose integers it needed), for output widths around the 32- and
// 64-bit boundaries, on binary activations and byte planes; bits past the outputs stay 0 and rows beyond `images`
// are untouched.
TEST(BnnKernel, FusedThresholdAndPackEqualsTheIntegersPackedAfterwards) {
  for (bool binary_input : {false, true})
    for (int no : {1, 20, 32, 33, 64, 70, 96, 131, 1024}) {
      const std::vector<int> sizes = {150, no, 10};
      const train::BinaryNet net = random_net(sizes, binary_input, 31 + no);
      const int N = 23;
      const std::vector<float> X = random_images(N, sizes[0], 6);
      const BnnFolded f = fold_network(net);
      const BnnInputs in = pack_inputs(f, X.data(), N);
      BnnDotArgs a;
      a.n_in = sizes[0], a.n_out = no, a.planes = in.planes, a.act = in.act.data(), a.act_sum = in.planes ? in.sum.data() : nullptr;
      a.weights = f.packed[0].data(), a.images = N, a.out_stride = no;
      std::vector<std::int32_t> pre(static_cast<std::size_t>(N) * no);
      a.out = pre.data();
      bnn_dot_cpu(a);
      const int wn = bnn_words(no);
      std::vector<std::uint64_t> want(static_cast<std::size_t>(N + 1) * wn, 0xA5A5A5A5A5A5A5A5ull), got = want;
      // Every third neuron with a negative batch-norm scale: it fires iff x <= t (sign -1, bound -t).
      std::vector<std::int32_t> sg = f.fire_sign[0], bd = f.fire_bound[0];
      for (int j = 0; j < no; j += 3) sg[j] = -sg[j], bd[j] = -bd[j];
      a.fire_sign = sg.data(), a.fire_bound = bd.data(), a.bits_stride = wn;
      a.bits = want.data();
      bnn_pack_fired(a, pre.data());
      a.out = nullptr, a.bits = got.data();
      bnn_dot_cpu(a);
      EXPECT_EQ(got, want) << "outputs " << no << " binary_input " << binary_input;
      int ones = 0, zeros = 0;
      for (int n = 0; n < N; ++n)
        for (int j = 0; j < no; ++j) {
          const bool bit = (got[static_cast<std::size_t>(n) * wn + j / 64] >> (j % 64)) & 1;
          const std::int32_t x = pre[static_cast<std::size_t>(n) * no + j];
          EXPECT_EQ(bit, j % 3 ? bnn_fire(f.thresholds[0][j], x) : x <= f.thresholds[0][j].t) << n << "," << j;
          bit ? ++ones : ++zeros;
        }
      if (no >= 20) EXPECT_TRUE(ones > 0 && zeros > 0) << "outputs " << no;
      for (int n = 0; n < N; ++n)
        if (no % 64) EXPECT_EQ(got[static_cast<std::size_t>(n) * wn + wn - 1] >> (no % 64), 0u) << "padding bits, outputs " << no;
      for (int w = 0; w < wn; ++w) EXPECT_EQ(got[static_cast<std::size_t>(N) * wn + w], 0xA5A5A5A5A5A5A5A5ull);
    }
}

TEST(BnnKernel, RealInputsMatchTheFloatReferenceWithChipFlips) { check_against_reference(false, 0.05, 0.0); }
TEST(BnnKernel, BinaryInputsMatchTheFloatReferenceWithChipFlips) { check_against_reference(true, 0.05, 0.0); }
TEST(BnnKernel, PerReadFlipsMatchTheReferenceDrawnPerImage) { check_against_reference(false, 0.0, 0.03); }
TEST(BnnKernel, NoFlipsMatchesTheReference) { check_against_reference(true, 0.0, 0.0); }

TEST(BnnKernel, FoldedChipDecidesAsTheUnfoldedFloatNetwork) {
  const std::vector<int> sizes = {200, 96, 64, 10};
  for (bool binary_input : {false, true}) {
    const train::BinaryNet net = random_net(sizes, binary_input, 21);
    const int N = 200;
    const std::vector<float> X = random_images(N, sizes[0], 8);
    const std::vector<float> scores = train::binary_scores(net, X.data(), N);
    const BnnFolded f = fold_network(net);
    const BnnInputs in = pack_inputs(f, X.data(), N);
    std::vector<const std::uint64_t*> ptr;
    for (const auto& v : f.packed) ptr.push_back(v.data());
    std::vector<int> dec(N);
    bnn_infer(f, ptr, in, 0, N, [](const BnnDotArgs& a) { bnn_dot_cpu(a); }, nullptr, dec.data());
    int distinct = 0;
    for (int n = 0; n < N; ++n) {
      const float* s = &scores[static_cast<std::size_t>(n) * 10];
      const int best = static_cast<int>(std::max_element(s, s + 10) - s);
      EXPECT_EQ(dec[n], best) << "image " << n;
      distinct |= 1 << dec[n];
    }
    EXPECT_GT(__builtin_popcount(distinct), 3);  // the decisions are not one constant class
  }
}

TEST(BnnFlips, GeometricSkipsGiveTheRateWithinThreeStandardErrors) {
  for (double p : {1e-3, 0.04, 0.3}) {
    const std::uint64_t n = 2000000;
    std::uint64_t count = 0, last = 0;
    bool increasing = true, first = true;
    bnn_flips(p, n, RngKey{3, stream::kTest}, 1, 2, [&](std::uint64_t k) {
      increasing &= first || k > last;
      first = false, last = k, ++count;
    });
    const double se = std::sqrt(p * (1 - p) / n);
    EXPECT_NEAR(count / static_cast<double>(n), p, 3 * se) << p;
    EXPECT_TRUE(increasing);
    EXPECT_LT(last, n);
  }
}

class BnnScenario : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mc_bnn_" + std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string error_of(const std::string& yaml) {
    try {
      parse_scenario(yaml, (dir_ / "s.yaml").string());
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  }
  fs::path dir_;
};

constexpr const char* kSmall = "workload: bnn\nbnn:\n  data: data/fashion-mnist-small\n";

TEST_F(BnnScenario, BadInputIsOneErrorNamingTheLineAndKey) {
  const std::string s = (dir_ / "s.yaml").string();
  std::string e = error_of(std::string(kSmall) + "  layers: [784, 0, 10]\n");
  EXPECT_NE(e.find(s + ":4:"), std::string::npos) << e;
  EXPECT_NE(e.find("bnn.layers"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  layers: [784, -3, 10]\n");
  EXPECT_NE(e.find("bnn.layers"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  layers: [100, 64, 10]\n");
  EXPECT_NE(e.find(s + ":4:"), std::string::npos) << e;
  EXPECT_NE(e.find("784 inputs"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  layers: [784, 64, 7]\n");
  EXPECT_NE(e.find("10 classes"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  p_train: 0.6\n");
  EXPECT_NE(e.find(s + ":4:"), std::string::npos) << e;
  EXPECT_NE(e.find("bnn.p_train"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  p_train: -0.1\n");
  EXPECT_NE(e.find("bnn.p_train"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  learning_rate: 0.001\n  lr_final: 0.002\n");
  EXPECT_NE(e.find(s + ":5:"), std::string::npos) << e;
  EXPECT_NE(e.find("bnn.lr_final"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  lr_final: -1e-5\n");
  EXPECT_NE(e.find("bnn.lr_final"), std::string::npos) << e;
  e = error_of(std::string(kSmall) + "  errors: lognormal\n  timing: read\n");
  EXPECT_NE(e.find("bnn.timing"), std::string::npos) << e;
  e = error_of("workload: bnn\nbnn:\n  data: no/such/folder\n");
  EXPECT_NE(e.find(s + ":3:"), std::string::npos) << e;
  EXPECT_NE(e.find("bnn.data"), std::string::npos) << e;
}

TEST_F(BnnScenario, MissingDataPackageNamesItAtTheKey) {
  const char* old = std::getenv("MC_FASHION_MNIST");
  const std::string keep = old ? old : "";
  ::setenv("MC_FASHION_MNIST", (dir_ / "absent").c_str(), 1);
  const std::string e = error_of("workload: bnn\nbnn:\n  data: fashion_mnist\n  chips: 2\n");
  if (old) ::setenv("MC_FASHION_MNIST", keep.c_str(), 1);
  else ::unsetenv("MC_FASHION_MNIST");
  EXPECT_NE(e.find((dir_ / "s.yaml").string() + ":3:"), std::string::npos) << e;
  EXPECT_NE(e.find("dataset-fashion-mnist"), std::string::npos) << e;
  EXPECT_NE(e.find("bnn.data"), std::string::npos) << e;
}

TEST_F(BnnScenario, ModelFilesRoundTripAndAWrongShapeIsAnInputError) {
  const train::BinaryNet net = random_net({784, 40, 10}, false, 4);
  save_bnn_model(net, dir_.string());
  const train::BinaryNet back = load_bnn_model((dir_ / "model_w1.npy").string(), {784, 40, 10}, false, "bnn.weights");
  EXPECT_EQ(back.W, net.W);
  EXPECT_EQ(back.mean, net.mean);
  EXPECT_EQ(back.var, net.var);
  // Loaded by a scenario: accepted with the right layers, refused with others.
  const std::string ok = error_of(std::string(kSmall) + "  layers: [784, 40, 10]\n  weights: model_w1.npy\n");
  EXPECT_EQ(ok, "(no error)");
  const std::string e = error_of(std::string(kSmall) + "  layers: [784, 41, 10]\n  weights: model_w1.npy\n");
  EXPECT_NE(e.find("model_w1.npy"), std::string::npos) << e;
  EXPECT_NE(e.find("bnn.weights"), std::string::npos) << e;
}

TEST_F(BnnScenario, TrainingOnTheSmallSubsetLearnsAndIsDeterministic) {
  const Scenario s = parse_scenario(std::string(kSmall) + "  layers: [784, 128, 10]\n  epochs: 3\n", (dir_ / "s.yaml").string());
  const BnnSpec& w = s.spec_as<BnnSpec>();
  const BinaryNetData d = load_bnn_data(w, "bnn.data", {});
  ASSERT_EQ(d.n_train(), 2000);
  ASSERT_EQ(d.n_test(), 500);
  train::BinaryTrainConfig cfg = w.train;
  cfg.threads = 2;
  std::vector<double> losses;
  train::BinaryNet a = train::make_binary_net(w.layers, false, cfg);
  ASSERT_TRUE(train::train_binary(a, d.x_train.data(), d.y_train.data(), d.n_train(), cfg, [&](const train::EpochReport& e) { losses.push_back(e.loss); }, nullptr));
  ASSERT_EQ(losses.size(), 3u);
  EXPECT_LT(losses.back(), losses.front());
  const std::vector<float> sc = train::binary_scores(a, d.x_test.data(), d.n_test());
  int correct = 0;
  for (int n = 0; n < d.n_test(); ++n)
    correct += static_cast<int>(std::max_element(&sc[n * 10], &sc[n * 10 + 10]) - &sc[n * 10]) == d.y_test[n];
  EXPECT_GT(correct, 350) << "test accuracy " << correct / 500.0;  // 10 classes: chance is 50 of 500
  train::BinaryNet b = train::make_binary_net(w.layers, false, cfg);
  train::train_binary(b, d.x_train.data(), d.y_train.data(), d.n_train(), cfg, {}, nullptr);
  EXPECT_EQ(a.W, b.W);
  // Error-aware training flips weights: a different network from the same seed.
  cfg.p_train = 0.04f;
  train::BinaryNet c = train::make_binary_net(w.layers, false, cfg);
  train::train_binary(c, d.x_train.data(), d.y_train.data(), d.n_train(), cfg, {}, nullptr);
  EXPECT_NE(a.W, c.W);
}

TEST(BnnTraining, LearningRateDecaysExponentiallyPerEpochToTheFinalRate) {
  train::BinaryTrainConfig cfg;
  cfg.epochs = 20, cfg.learning_rate = 5e-3f, cfg.lr_final = 1e-5f;
  EXPECT_FLOAT_EQ(train::epoch_learning_rate(cfg, 0), 5e-3f);
  EXPECT_NEAR(train::epoch_learning_rate(cfg, 19), 1e-5, 1e-10);
  // A constant ratio between consecutive epochs: (1e-5 / 5e-3)^(1/19).
  const double q = std::pow(1e-5 / 5e-3, 1.0 / 19);
  for (int e = 1; e < 20; ++e)
    EXPECT_NEAR(train::epoch_learning_rate(cfg, e) / train::epoch_learning_rate(cfg, e - 1), q, 1e-5) << e;
  cfg.lr_final = 0;  // no decay
  EXPECT_FLOAT_EQ(train::epoch_learning_rate(cfg, 19), 5e-3f);
  cfg.lr_final = 1e-2f;  // above the rate: refused by training
  train::BinaryNet net = train::make_binary_net({4, 2}, false, cfg);
  const float x[8] = {0, 1, 0, 1, 1, 0, 1, 0};
  const int y[2] = {0, 1};
  EXPECT_THROW(train::train_binary(net, x, y, 2, cfg, {}, nullptr), std::invalid_argument);
}

TEST_F(BnnScenario, CtrlCDuringTrainingLeavesNoModelFile) {
  const std::string file = (dir_ / "s.yaml").string();
  std::ofstream(file) << kSmall << "  layers: [784, 32, 10]\n  epochs: 2\n  chips: 1\n  cache: false\n";
  const Scenario s = load_scenario(file);
  RunOptions opt;
  opt.out_dir = (dir_ / "out").string();
  opt.quiet = true;
  cancel_flag().store(true);
  EXPECT_THROW(run_scenario(s, choose_backend("cpu", 1), opt), Interrupted);
  cancel_flag().store(false);
  EXPECT_FALSE(fs::exists(dir_ / "out" / "model_w1.npy"));
  // And run to the end, the model is there and loads.
  run_scenario(s, choose_backend("cpu", 1), opt);
  EXPECT_TRUE(fs::exists(dir_ / "out" / "model_w1.npy"));
  EXPECT_NO_THROW(load_bnn_model((dir_ / "out" / "model_w1.npy").string(), {784, 32, 10}, false, "bnn.weights"));
}

}  // namespace

// Error-aware training's batch-norm statistics: after one step from a known net, the running mean is
// momentum · (the batch mean of the products). With clean statistics those are the clean weights' products
// (exactly computable here); with the framework's way, the flipped ones', which differ by the mask's offset.
TEST(BnnTraining, CleanStatisticsKeepTheMomentsOfTheUnflippedProducts) {
  const std::vector<int> sizes = {64, 48, 10};
  const int N = 40;
  std::vector<float> X(static_cast<std::size_t>(N) * sizes[0]);
  std::vector<int> y(N);
  for (std::size_t k = 0; k < X.size(); ++k) X[k] = u01(philox(RngKey{3, stream::kTest}, k, 7, 0).v[0]);
  for (int n = 0; n < N; ++n) y[n] = n % 10;
  train::BinaryTrainConfig cfg;
  cfg.epochs = 1, cfg.batch = N, cfg.p_train = 0.2f, cfg.seed = 4, cfg.threads = 1;
  const train::BinaryNet start = train::make_binary_net(sizes, false, cfg);
  // The clean products of the first layer and their batch moments (unbiased variance, as the running one).
  std::vector<double> z(static_cast<std::size_t>(N) * sizes[1], 0.0), clean_mean(sizes[1], 0.0), clean_var(sizes[1], 0.0);
  for (int n = 0; n < N; ++n)
    for (int j = 0; j < sizes[1]; ++j) {
      for (int i = 0; i < sizes[0]; ++i)
        z[static_cast<std::size_t>(n) * sizes[1] + j] +=
            X[static_cast<std::size_t>(n) * sizes[0] + i] * (start.W[0][static_cast<std::size_t>(i) * sizes[1] + j] >= 0 ? 1.0 : -1.0);
      clean_mean[j] += z[static_cast<std::size_t>(n) * sizes[1] + j] / N;
    }
  for (int n = 0; n < N; ++n)
    for (int j = 0; j < sizes[1]; ++j) clean_var[j] += std::pow(z[static_cast<std::size_t>(n) * sizes[1] + j] - clean_mean[j], 2) / (N - 1);
  double off_clean = 0, off_flipped = 0, var_off_clean = 0;
  for (bool clean : {true, false}) {
    cfg.clean_statistics = clean;
    train::BinaryNet net = start;
    ASSERT_TRUE(train::train_binary(net, X.data(), y.data(), N, cfg, {}, nullptr));
    for (int j = 0; j < sizes[1]; ++j) {
      const double d = std::fabs(net.mean[0][j] - cfg.momentum * clean_mean[j]);
      (clean ? off_clean : off_flipped) = std::max(clean ? off_clean : off_flipped, d);
      // Running variance: (1 - momentum) · 1 (its start) + momentum · the batch's unbiased variance.
      if (clean) var_off_clean = std::max(var_off_clean, std::fabs(net.var[0][j] - (1 - cfg.momentum) - cfg.momentum * clean_var[j]) / (1 + clean_var[j]));
    }
  }
  EXPECT_LT(off_clean, 1e-4);
  EXPECT_LT(var_off_clean, 1e-5);
  EXPECT_GT(off_flipped, 0.1);  // flips at 0.2 of 64 inputs in [0, 1] move a neuron's mean by units
}

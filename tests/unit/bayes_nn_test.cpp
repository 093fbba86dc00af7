// bayes_nn (issue 16): the exact targets — 2,624 operations per sampled inference of 32-16-9, U_p = U_a + U_e to
// 1e-12 (against the mutual information computed independently), the Laplace read noise of Lin 2023 reproducing
// b(I) at 0.4/1/2/3/4 µA within 2 % over 1e6 reads — the technological loss's gradient, the AUROC, and bad input
// (unseen class not in the data, M = 0, an empty or non-increasing (µ, σ) table, widths not matching the features),
// each one InputError naming file:line:column and the key.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>

#include "bayes_nn/bayes_nn.hpp"
#include "scenario/error.hpp"
#include "scenario/scenario.hpp"
#include "support/model_fixtures.hpp"
#include "workloads/bayes_nn/bayes_nn.hpp"

namespace {

namespace fs = std::filesystem;
using namespace mc;

TEST(BayesNnKernel, OperationsPerInferenceOf32_16_9) {
  const int sizes[] = {32, 16, 9};
  EXPECT_EQ(bnn_operations(sizes, 2), 2624);
  EXPECT_EQ(bnn_device_reads(sizes, 2), 2 * (33 * 16 + 17 * 9));
}

TEST(BayesNnKernel, PredictiveIsAleatoricPlusEpistemic) {
  // Random sampled predictions (softmax of Philox normals at several temperatures): U_p − U_a equals the mutual
  // information computed by its own formula to 1e-12, and is never negative.
  const RngKey key{7, stream::kTest};
  for (int trial = 0; trial < 200; ++trial) {
    const int M = 1 + trial % 50, K = 2 + trial % 9;
    std::vector<double> p(static_cast<size_t>(M) * K);
    for (int m = 0; m < M; ++m) {
      std::vector<float> z(K);
      for (int k = 0; k < K; ++k) z[k] = (1 + trial % 7) * normals(philox(key, trial, m * 64 + k, 0)).v[0];
      bnn_softmax(z.data(), K, &p[static_cast<size_t>(m) * K]);
    }
    const BnnUncertainty u = bnn_uncertainty(p.data(), M, K);
    const double mi = bnn_mutual_information(p.data(), M, K);
    EXPECT_NEAR(u.predictive, u.aleatoric + mi, 1e-12) << "M " << M << " K " << K;
    EXPECT_NEAR(u.epistemic, mi, 1e-12);
    EXPECT_GE(u.epistemic, -1e-12);
  }
  // One sample: no epistemic part at all.
  const double one[] = {0.2, 0.5, 0.3};
  EXPECT_EQ(bnn_uncertainty(one, 1, 3).epistemic, 0.0);
}

TEST(BayesNnKernel, LaplaceReadNoiseReproducesLin2023Profile) {
  // b(I) = -0.0058 I² + 0.0324 I + 0.0141 µA [Lin et al. 2023]: the published values at 0.4/1/2/3/4 µA. The scale
  // estimate is the mean |I_read − I| (the Laplace maximum-likelihood scale); its SE is b/√n = 0.1 % of b at 1e6
  // reads, so 2 % is 20 standard errors.
  DeviceModel m = test::test_model();
  m.read_noise = ReadNoise::kLaplace;
  const double current[] = {0.4, 1, 2, 3, 4};
  const double published[] = {0.0261, 0.0407, 0.0557, 0.0591, 0.0509};
  const RngKey key{11, stream::kTest};
  for (int c = 0; c < 5; ++c) {
    const float g = static_cast<float>(current[c] / m.read_voltage);
    double sum = 0;
    const int n = 1000000;
    for (int r = 0; r < n; r += 4) {
      const U32x4 u = philox(key, c, r, 0);
      for (int q = 0; q < 4; ++q) sum += std::fabs(read_conductance_of<ReadNoise::kLaplace>(m, g, 0.0f, u01(u.v[q])) * m.read_voltage - current[c]);
    }
    const double b = sum / n;
    EXPECT_NEAR(b / published[c], 1.0, 0.02) << "I = " << current[c] << " uA: b = " << b;
  }
}

TEST(BayesNnKernel, ReadForwardWithoutNoiseIsTheDifferenceNetwork) {
  // Read noise off: the sampled forward pass is the deterministic network with weights (G⁺ − G⁻)/γ.
  DeviceModel m = test::test_model();
  m.read_noise = ReadNoise::kNone;
  const int sizes[] = {3, 2, 2};
  std::vector<float> gp1 = {30, 10, 10, 50, 20, 20, 10, 10}, gm1 = {10, 30, 10, 10, 10, 10, 10, 20};  // 4 x 2
  std::vector<float> gp2 = {40, 10, 10, 40, 10, 10}, gm2 = {10, 10, 10, 10, 10, 30};              // 3 x 2
  BnnDeviceNet net{};
  net.n_layers = 2;
  for (int l = 0; l < 3; ++l) net.sizes[l] = sizes[l];
  net.g_plus[0] = gp1.data(), net.g_minus[0] = gm1.data(), net.g_plus[1] = gp2.data(), net.g_minus[1] = gm2.data();
  net.gamma = 10.0f, net.bias_input = 1.0f, net.model = m, net.seed = 1;
  const float x[] = {1.0f, -1.0f, 0.5f};
  float logits[2];
  bnn_read_forward_dispatch(net, x, 0, 0.0f, logits);
  // Layer 1 weights (rows x0, x1, x2, bias): [2,-2], [0,4], [1,1], [0,-1] → a = [2 + 0 + 0.5 + 0, -2 - 4 + 0.5 - 1]
  // = [2.5, -6.5] → ReLU [2.5, 0]. Layer 2 weights: [3,0], [0,3], [0,-2] → logits [7.5, -2].
  EXPECT_FLOAT_EQ(logits[0], 7.5f);
  EXPECT_FLOAT_EQ(logits[1], -2.0f);
}

// A one- or two-layer network on device pairs with Philox conductances in [10, 100] µS (tests of bit-serial reads).
struct PairNet {
  std::vector<std::vector<float>> gp, gm;
  BnnDeviceNet net{};
  PairNet(std::vector<int> sizes, const DeviceModel& m, std::uint32_t seed) {
    net.n_layers = static_cast<int>(sizes.size()) - 1;
    const RngKey key{seed, stream::kTest};
    for (int l = 0; l < net.n_layers; ++l) {
      const int k = (sizes[l] + 1) * sizes[l + 1];
      gp.emplace_back(k), gm.emplace_back(k);
      for (int j = 0; j < k; ++j) {
        const U32x4 r = philox(key, l, j, 0);
        gp[l][j] = 10.0f + 90.0f * u01(r.v[0]);
        gm[l][j] = 10.0f + 90.0f * u01(r.v[1]);
      }
    }
    for (size_t l = 0; l < sizes.size(); ++l) net.sizes[l] = sizes[l];
    for (int l = 0; l < net.n_layers; ++l) net.g_plus[l] = gp[l].data(), net.g_minus[l] = gm[l].data();
    net.gamma = 50.0f, net.bias_input = 1.0f, net.model = m, net.seed = seed;
  }
};

TEST(BayesNnKernel, BitSerialReadsWithoutNoiseEqualOneAnalogRead) {
  // Noise off: the offset read plus the 3 bit-planes of a 3-bit input (levels −2 + q·4/7) and of 3-bit hidden
  // activations (levels q·3/7 of a ReLU clipped at 3) sum to the analog read of the same quantised values.
  DeviceModel m = test::test_model();
  m.read_noise = ReadNoise::kNone;
  PairNet p({6, 5, 3}, m, 3);
  p.net.act_bits = 3;
  BnnDeviceNet serial = p.net;
  serial.serial_bits[0] = 3, serial.serial_lo[0] = -2.0f, serial.serial_step[0] = 4.0f / 7.0f;
  serial.serial_bits[1] = 3, serial.serial_lo[1] = 0.0f, serial.serial_step[1] = 3.0f / 7.0f;
  int hidden_levels_seen = 0;
  for (int trial = 0; trial < 50; ++trial) {
    float x[6];
    for (int i = 0; i < 6; ++i) x[i] = -2.0f + static_cast<float>((trial * 5 + i * 3) % 8) * 4.0f / 7.0f;
    float analog[3], bits[3];
    bnn_read_forward_dispatch(p.net, x, trial, 3.0f, analog);
    bnn_read_forward_dispatch(serial, x, trial, 3.0f, bits);
    for (int k = 0; k < 3; ++k) EXPECT_NEAR(bits[k], analog[k], 1e-4f * (1.0f + std::fabs(analog[k]))) << trial << " " << k;
    hidden_levels_seen += analog[0] != 0.0f;
  }
  EXPECT_GT(hidden_levels_seen, 0);
  // The activation itself: ReLU, clip, and 8 levels.
  EXPECT_EQ(bnn_activation(-1.0f, 3.0f, 3), 0.0f);
  EXPECT_EQ(bnn_activation(5.0f, 3.0f, 3), 3.0f);
  EXPECT_FLOAT_EQ(bnn_activation(1.0f, 3.0f, 3), 2.0f * 3.0f / 7.0f);  // 1/(3/7) = 2.33 → level 2
  EXPECT_EQ(bnn_activation(1.3f, 0.0f, 3), 1.3f);                     // no clip: no levels
}

TEST(BayesNnKernel, BitSerialReadsDrawFreshNoiseInEveryRead) {
  // One layer, Gaussian read noise 5 %: the logit's variance over sampled inferences is the sum over reads of
  // (drive)²·σ_ik², σ_ik = σ_rel·√(G⁺² + G⁻²)/γ — analog: x_i² per line; bit-serial: lo² (offset read) plus
  // (2^p·step)² for every plane p whose bit is set. Both variances and means are checked within 5 standard
  // errors over 40,000 inferences (SE of a variance: var·√(2/(n−1))), and the two schedules differ by far more.
  DeviceModel m = test::test_model();
  m.read_noise = ReadNoise::kGaussian;
  m.read_sigma_rel = 0.05f;
  const int n_in = 8, n_out = 2, n = 40000;
  PairNet p({n_in, n_out}, m, 5);
  BnnDeviceNet serial = p.net;
  const float lo = -2.0f, step = 4.0f / 7.0f;
  serial.serial_bits[0] = 3, serial.serial_lo[0] = lo, serial.serial_step[0] = step;
  float x[n_in];
  int q[n_in];
  for (int i = 0; i < n_in; ++i) q[i] = (i * 3 + 1) % 8, x[i] = lo + static_cast<float>(q[i]) * step;
  double variance_of[2][n_out];
  for (const bool bit_serial : {false, true}) {
    const BnnDeviceNet& net = bit_serial ? serial : p.net;
    for (int k = 0; k < n_out; ++k) {
      double mean = 0, var = 0;
      for (int i = 0; i <= n_in; ++i) {
        const double gp = p.gp[0][i * n_out + k], gm = p.gm[0][i * n_out + k];
        const double s2 = std::pow(0.05 * std::sqrt(gp * gp + gm * gm) / 50.0, 2);
        const double xi = i < n_in ? x[i] : 1.0;
        mean += xi * (gp - gm) / 50.0;
        if (!bit_serial || i == n_in) {
          var += xi * xi * s2;
        } else {
          var += lo * lo * s2;
          for (int b = 0; b < 3; ++b)
            if ((q[i] >> b) & 1) var += std::pow((1 << b) * step, 2) * s2;
        }
      }
      double sum = 0, sum2 = 0;
      for (int t = 0; t < n; ++t) {
        float logits[n_out];
        bnn_read_forward_dispatch(net, x, 1000 + t, 0.0f, logits);
        sum += logits[k], sum2 += static_cast<double>(logits[k]) * logits[k];
      }
      const double mu = sum / n, v = (sum2 - n * mu * mu) / (n - 1);
      EXPECT_NEAR(mu, mean, 5 * std::sqrt(var / n)) << "serial " << bit_serial << " k " << k;
      EXPECT_NEAR(v, var, 5 * var * std::sqrt(2.0 / (n - 1))) << "serial " << bit_serial << " k " << k;
      variance_of[bit_serial][k] = var;
    }
  }
  for (int k = 0; k < n_out; ++k)  // the test tells the schedules apart: their variances differ by > 20 SE
    EXPECT_GT(std::fabs(variance_of[1][k] - variance_of[0][k]), 20 * variance_of[0][k] * std::sqrt(2.0 / (n - 1))) << k;
}

TEST(BayesNnKernel, ReadAwareWeightIsTheReadOfItsPair) {
  // µ = 0.6 with γ = (100 − 10)/1.5 = 60 µS per unit: G⁺ = 10 + 36 = 46 µS, G⁻ = 10 µS. With 5 % Gaussian read
  // noise the read weight has mean µ and sd 0.05·√(46² + 10²)/60 (checked within 5 SE over 200,000 reads); beyond
  // ±w_max the pair saturates at g_hi; without noise the read is µ exactly.
  DeviceModel m = test::test_model();
  m.read_noise = ReadNoise::kGaussian;
  m.read_sigma_rel = 0.05f;
  const BnnReadAwareMap r{10.0f, 100.0f, 60.0f};
  EXPECT_FLOAT_EQ(bnn_read_aware_target(r, 0.6f, true), 46.0f);
  EXPECT_FLOAT_EQ(bnn_read_aware_target(r, 0.6f, false), 10.0f);
  EXPECT_FLOAT_EQ(bnn_read_aware_target(r, -0.6f, false), 46.0f);
  EXPECT_FLOAT_EQ(bnn_read_aware_target(r, 2.0f, true), 100.0f);
  const int n = 200000;
  const RngKey key{3, stream::kTest};
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const U32x4 u32 = philox(key, i, 0, 0);
    const F32x4 z = normals(u32);
    const float u[2] = {u01(u32.v[0]), u01(u32.v[1])};
    const double w = bnn_read_aware_weight(m, r, 0.6f, z.v, u);
    sum += w, sum2 += w * w;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  const double sd = 0.05 * std::sqrt(46.0 * 46.0 + 10.0 * 10.0) / 60.0;
  EXPECT_NEAR(mean, 0.6, 5 * sd / std::sqrt(n));
  EXPECT_NEAR(var, sd * sd, 5 * sd * sd * std::sqrt(2.0 / n));
  m.read_noise = ReadNoise::kNone;
  const float z0[2] = {1.0f, -1.0f}, u0[2] = {0.5f, 0.5f};
  EXPECT_FLOAT_EQ(bnn_read_aware_weight(m, r, -0.25f, z0, u0), -0.25f);
}

TEST(BayesNnModel, TechLossGradientMatchesFiniteDifferences) {
  const std::vector<BnnPair> pairs = {{0.0, 0.05, 0, 0}, {0.5, 0.1, 1, 0}, {-0.5, 0.1, 0, 1}};
  for (double mu : {0.02, 0.3, 0.45, -0.9}) {
    for (double s : {0.04, 0.2}) {
      double gm = 0, gs = 0;
      tech_loss_term(mu, s, pairs, 0.1, 10, &gm, &gs, nullptr);
      const double h = 1e-6;
      double a = 0, b = 0;
      const double fm = (tech_loss_term(mu + h, s, pairs, 0.1, 10, &a, &b, nullptr) - tech_loss_term(mu - h, s, pairs, 0.1, 10, &a, &b, nullptr)) / (2 * h);
      const double fs = (tech_loss_term(mu, s + h, pairs, 0.1, 10, &a, &b, nullptr) - tech_loss_term(mu, s - h, pairs, 0.1, 10, &a, &b, nullptr)) / (2 * h);
      EXPECT_NEAR(gm, fm, 1e-4 * (1 + std::fabs(fm))) << mu << " " << s;
      EXPECT_NEAR(gs, fs, 1e-4 * (1 + std::fabs(fs))) << mu << " " << s;
    }
  }
  // On a pair the loss is −log tanh(β) and the gradient vanishes.
  double gm = 0, gs = 0;
  EXPECT_NEAR(tech_loss_term(0.5, 0.1, pairs, 0.1, 10, &gm, &gs, nullptr), -std::log(std::tanh(10.0)), 1e-12);
  EXPECT_NEAR(gm, 0.0, 1e-12);
}

TEST(BayesNnModel, AurocKnownAnswers) {
  EXPECT_DOUBLE_EQ(auroc({1, 2, 3, 4}, {0, 0, 1, 1}), 1.0);
  EXPECT_DOUBLE_EQ(auroc({1, 2, 3, 4}, {1, 1, 0, 0}), 0.0);
  EXPECT_DOUBLE_EQ(auroc({0, 0, 0, 0}, {1, 0, 1, 0}), 0.5);  // a conventional network's U_e: all zero
  EXPECT_DOUBLE_EQ(auroc({1, 3, 2, 4}, {0, 1, 0, 1}), 1.0);
  EXPECT_DOUBLE_EQ(auroc({1, 2, 2, 3}, {0, 1, 0, 1}), 0.875);  // one tie counts half: (1 + 0.5 + 1 + 1) / 4
}

TEST(BayesNnModel, PairsFromConditions) {
  BnnConditions c;
  c.mu = {2, 20, 50};
  c.sigma = {1, 3, 4};
  const std::vector<BnnPair> p = weight_pairs(c, 10.0);
  ASSERT_EQ(p.size(), 9u);
  // (plus 2, minus 0): µ = (50 − 2)/10, σ = √(16 + 1)/10.
  EXPECT_DOUBLE_EQ(p[6].mu, 4.8);
  EXPECT_DOUBLE_EQ(p[6].sigma, std::sqrt(17.0) / 10);
}

class BayesNnInput : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("mc_bayes_nn_input_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
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
  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }
  fs::path dir_;
};

TEST_F(BayesNnInput, UnseenClassNotInTheData) {
  const std::string e = error_of("workload: bayes_nn\nbayes_nn:\n  data: synthetic\n  unseen_class: 12\n");
  EXPECT_NE(e.find("s.yaml:4:"), std::string::npos) << e;
  EXPECT_NE(e.find("bayes_nn.unseen_class"), std::string::npos) << e;
  write("d.csv", "a,b,label\n0,1,0\n1,0,1\n0.5,0.5,2\n1,1,0\n0,0,1\n1,0.2,2\n");
  const std::string c = error_of("workload: bayes_nn\nbayes_nn:\n  data: d.csv\n  unseen_class: 3\n");
  EXPECT_NE(c.find("s.yaml:4:"), std::string::npos) << c;
  EXPECT_NE(c.find("is not in the data"), std::string::npos) << c;
}

TEST_F(BayesNnInput, ZeroSamples) {
  const std::string e = error_of("workload: bayes_nn\nbayes_nn:\n  samples: 0\n");
  EXPECT_NE(e.find("s.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("bayes_nn.samples"), std::string::npos) << e;
}

TEST_F(BayesNnInput, EmptyPairTable) {
  const std::string e = error_of("workload: bayes_nn\nbayes_nn:\n  pairs: []\n");
  EXPECT_NE(e.find("s.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("bayes_nn.pairs"), std::string::npos) << e;
}

TEST_F(BayesNnInput, PairTableNotIncreasingInMu) {
  const std::string e = error_of("workload: bayes_nn\nbayes_nn:\n  pairs:\n    - [10 uS, 2 uS]\n    - [40 uS, 4 uS]\n    - [30 uS, 5 uS]\n");
  EXPECT_NE(e.find("s.yaml:6:"), std::string::npos) << e;
  EXPECT_NE(e.find("bayes_nn.pairs[2]"), std::string::npos) << e;
  EXPECT_NE(e.find("increase"), std::string::npos) << e;
}

TEST_F(BayesNnInput, WidthsNotMatchingTheFeatures) {
  const std::string e = error_of("workload: bayes_nn\nbayes_nn:\n  data: synthetic\n  features: 32\n  layers: [30, 16, 9]\n");
  EXPECT_NE(e.find("s.yaml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("bayes_nn.layers"), std::string::npos) << e;
  EXPECT_NE(e.find("32 features"), std::string::npos) << e;
}

TEST_F(BayesNnInput, BitSerialNeedsQuantisedInputsAndTheReadMode) {
  std::string e = error_of("workload: bayes_nn\nbayes_nn:\n  bit_serial: true\n");
  EXPECT_NE(e.find("s.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("bayes_nn.bit_serial: bit-serial reads need quantised inputs"), std::string::npos) << e;
  e = error_of("workload: bayes_nn\nbayes_nn:\n  input_bits: 3\n  modes: program\n  bit_serial: true\n");
  EXPECT_NE(e.find("s.yaml:5:"), std::string::npos) << e;
  EXPECT_NE(e.find("which bayes_nn.modes does not name"), std::string::npos) << e;
  e = error_of("workload: bayes_nn\nbayes_nn:\n  activation_bits: 3\n");
  EXPECT_NE(e.find("s.yaml:3:"), std::string::npos) << e;
  EXPECT_NE(e.find("bayes_nn.activation_bits: quantised activations need a range"), std::string::npos) << e;
}

TEST_F(BayesNnInput, FashionFolderFoundLikeADataFile) {
  // Relative to the scenario file first, then (without its leading ../ parts) among memcarlo's shipped files.
  fs::create_directories(dir_ / "idx");
  const auto dir_of = [&](const std::string& d) {
    return parse_scenario("workload: bayes_nn\nbayes_nn:\n  data: fashion_mnist\n  layers: [32, 16, 9]\n  fashion_dir: " + d + "\n",
                          (dir_ / "s.yaml").string())
        .spec_as<BayesNnSpec>()
        .fashion_dir;
  };
  EXPECT_EQ(fs::path(dir_of("idx")), dir_ / "idx");
  EXPECT_TRUE(fs::equivalent(dir_of("../../data/fashion-mnist-small"), fs::path(MC_TEST_DATA) / ".." / "data" / "fashion-mnist-small"));
  const std::string e = error_of("workload: bayes_nn\nbayes_nn:\n  data: fashion_mnist\n  fashion_dir: nowhere\n");
  EXPECT_NE(e.find("bayes_nn.fashion_dir: no such data folder '" + (dir_ / "nowhere").string() + "'"), std::string::npos) << e;
}

TEST_F(BayesNnInput, GoodScenarioResolves) {
  const Scenario s = parse_scenario("workload: bayes_nn\nbayes_nn:\n  data: synthetic\n  samples: 20\n", (dir_ / "s.yaml").string());
  const BayesNnSpec& w = s.spec_as<BayesNnSpec>();
  EXPECT_EQ(w.layers, (std::vector<int>{32, 16, 9}));
  EXPECT_EQ(w.samples_eval.back(), 20);
}

}  // namespace

namespace {

TEST(BayesNnData, FashionSubsetReducedToPrincipalComponents) {
  // The committed 2,000 + 500 image subset: 32 z-scored principal components, nine seen classes, the held-out class
  // only in the test rows (labelled −1).
  mc::BayesNnSpec w;
  w.data = "fashion_mnist";
  w.fashion_dir = std::string(MC_TEST_DATA) + "/../data/fashion-mnist-small";
  w.unseen_class = 9;
  const mc::BnnData d = mc::load_bnn_data(w, 1);
  EXPECT_EQ(d.features, 32);
  EXPECT_EQ(d.classes, 9);
  EXPECT_EQ(d.x_train.size(), static_cast<size_t>(d.n_train()) * 32);
  int unseen = 0;
  for (int i = 0; i < d.n_test(); ++i) {
    unseen += d.y_test[i] < 0;
    EXPECT_EQ(d.y_test[i] < 0, d.test_original[i] == 9);
  }
  EXPECT_GT(unseen, 0);
  for (int y : d.y_train) EXPECT_TRUE(y >= 0 && y < 9);
  // Standardised on the training rows: every feature has mean 0 and variance 1 there.
  for (int f = 0; f < 32; ++f) {
    double m = 0, v = 0;
    for (int i = 0; i < d.n_train(); ++i) m += d.x_train[static_cast<size_t>(i) * 32 + f];
    m /= d.n_train();
    for (int i = 0; i < d.n_train(); ++i) v += std::pow(d.x_train[static_cast<size_t>(i) * 32 + f] - m, 2);
    EXPECT_NEAR(m, 0.0, 1e-4);
    EXPECT_NEAR(v / d.n_train(), 1.0, 1e-3);
  }
}

}  // namespace

// bayes_nn read-mode sampled inferences on the GPU against the CPU: the same counters give the same read noise, so
// the logits agree up to float contraction. Skips without a GPU (fails with MC_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

#include "bayes_nn/driver.hpp"
#include "support/gpu_fixtures.hpp"
#include "support/model_fixtures.hpp"

namespace mc {
namespace {

#if defined(MC_HAVE_CUDA)
TEST(BayesNnGpu, ReadInferencesMatchTheCpu) {
  MC_GPU_OR_SKIP(gpu);
  // Both noise laws, analog reads and Bonnet's circuit (3-bit activations clipped at 3; inputs, on the 8 levels of
  // ±1, read in 3 bit-planes plus an offset read).
  for (const auto& [noise, serial] : {std::pair{ReadNoise::kGaussian, false}, std::pair{ReadNoise::kLaplace, false},
                                      std::pair{ReadNoise::kGaussian, true}, std::pair{ReadNoise::kLaplace, true}}) {
    const int sizes[] = {32, 16, 9};
    std::vector<float> gp1(33 * 16), gm1(33 * 16), gp2(17 * 9), gm2(17 * 9);
    for (size_t k = 0; k < gp1.size(); ++k) gp1[k] = 10.0f + (k * 37) % 91, gm1[k] = 10.0f + (k * 53) % 89;
    for (size_t k = 0; k < gp2.size(); ++k) gp2[k] = 10.0f + (k * 29) % 83, gm2[k] = 10.0f + (k * 41) % 97;
    BnnDeviceNet net{};
    net.n_layers = 2;
    for (int l = 0; l < 3; ++l) net.sizes[l] = sizes[l];
    net.g_plus[0] = gp1.data(), net.g_minus[0] = gm1.data(), net.g_plus[1] = gp2.data(), net.g_minus[1] = gm2.data();
    net.gamma = 100.0f, net.bias_input = 1.0f, net.seed = 5;
    net.model = test::test_model();
    net.model.read_noise = noise;
    net.model.read_sigma_rel = 0.05f;
    const float clip = serial ? 3.0f : 0.0f;
    if (serial) {
      net.act_bits = 3;
      net.serial_bits[0] = 3, net.serial_lo[0] = -1.0f, net.serial_step[0] = 2.0f / 7.0f;
      net.serial_bits[1] = 3, net.serial_lo[1] = 0.0f, net.serial_step[1] = 3.0f / 7.0f;
    }
    const int n = 300, M = 20;
    std::vector<float> x(n * 32);
    for (size_t k = 0; k < x.size(); ++k)
      x[k] = serial ? -1.0f + static_cast<float>((k * 31) % 8) * 2.0f / 7.0f : ((k * 31) % 11) / 5.0f - 1.0f;
    std::vector<float> lc(n * M * 9), lg(n * M * 9);
    bnn_read_inferences_cpu(net, x.data(), n, M, 7, clip, lc.data(), 0);
    bnn_read_inferences_cuda(gpu, net, x.data(), n, M, 7, clip, lg.data());
    size_t differ = 0;
    for (size_t k = 0; k < lc.size(); ++k) differ += std::fabs(lc[k] - lg[k]) > 1e-3f * (1.0f + std::fabs(lc[k]));
    // Quantised activations: a pre-activation within rounding of a level boundary may land on the neighbouring level
    // under the GPU's float contraction, changing that sample's logits; at most 1 in 1,000 may differ.
    EXPECT_LE(differ, serial ? lc.size() / 1000 : 0u) << differ << " of " << lc.size() << " logits differ (bit-serial " << serial << ")";
  }
}
#else
TEST(BayesNnGpu, NotCompiled) {
  if (test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend";
  GTEST_SKIP() << "built without CUDA";
}
#endif

}  // namespace
}  // namespace mc

// bayes_nn read-mode sampled inferences on the GPU against the CPU: the same counters give the same read noise, so
// the logits agree up to float contraction. Skips without a GPU (fails with MC_REQUIRE_GPU=1).
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "bayes_nn/driver.hpp"
#include "support/gpu_fixtures.hpp"
#include "support/model_fixtures.hpp"

namespace mc {
namespace {

#if defined(MC_HAVE_CUDA)
TEST(BayesNnGpu, ReadInferencesMatchTheCpu) {
  MC_GPU_OR_SKIP(gpu);
  for (ReadNoise noise : {ReadNoise::kGaussian, ReadNoise::kLaplace}) {
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
    const int n = 300, M = 20;
    std::vector<float> x(n * 32);
    for (size_t k = 0; k < x.size(); ++k) x[k] = ((k * 31) % 11) / 5.0f - 1.0f;
    std::vector<float> lc(n * M * 9), lg(n * M * 9);
    bnn_read_inferences_cpu(net, x.data(), n, M, 7, 0.0f, lc.data(), 0);
    bnn_read_inferences_cuda(gpu, net, x.data(), n, M, 7, 0.0f, lg.data());
    size_t differ = 0;
    for (size_t k = 0; k < lc.size(); ++k) differ += std::fabs(lc[k] - lg[k]) > 1e-3f * (1.0f + std::fabs(lc[k]));
    EXPECT_EQ(differ, 0u) << differ << " of " << lc.size() << " logits differ";
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

// bnn CPU vs CUDA (ctest label gpu): the packed XNOR/AND-popcount dot products on integers, so the two backends
// must give the same pre-activations and decisions exactly. Skips when no GPU answers; fails instead when
// MC_REQUIRE_GPU=1.
#include <gtest/gtest.h>

#include <vector>

#include "../support/gpu_fixtures.hpp"
#include "bnn/driver.hpp"
#include "common/rng.hpp"
#include "workloads/bnn/bnn.hpp"

namespace {

using namespace mc;

TEST(BnnGpu, CudaEqualsCpuExactly) {
#if defined(MC_HAVE_CUDA)
  MC_GPU_OR_SKIP(device);
  for (bool binary_input : {false, true}) {
    train::BinaryTrainConfig cfg;
    cfg.seed = 5;
    cfg.init_scale = 1.0f;
    const std::vector<int> sizes = {784, 300, 1100, 10};  // more than one shared-memory chunk of words
    train::BinaryNet net = train::make_binary_net(sizes, binary_input, cfg);
    const int N = 333;
    std::vector<float> X(static_cast<std::size_t>(N) * 784);
    for (std::size_t k = 0; k < X.size(); ++k) X[k] = static_cast<float>(philox(RngKey{2, stream::kTest}, k, 0, 0).v[0] % 256) / 255.0f;
    const BnnFolded f = fold_network(net);
    const BnnInputs in = pack_inputs(f, X.data(), N);
    const auto cw = chip_weights(f, [&](int l, const std::function<void(std::uint64_t)>& flip) {
      bnn_flips(0.02, static_cast<std::uint64_t>(sizes[l]) * sizes[l + 1], RngKey{3, stream::kBnnFlip}, 0, l, flip);
    });
    std::vector<const std::uint64_t*> ptr;
    for (const auto& v : cw) ptr.push_back(v.data());
    std::vector<int> dc(N), dg(N);
    std::vector<std::vector<std::int32_t>> pc, pg;
    bnn_infer(f, ptr, in, 0, N, [](const BnnDotArgs& a) { bnn_dot_cpu(a); }, nullptr, dc.data(), &pc);
    bnn_infer(f, ptr, in, 0, N, [&](const BnnDotArgs& a) { bnn_dot_cuda(device, a); }, nullptr, dg.data(), &pg);
    for (std::size_t l = 0; l < pc.size(); ++l) ASSERT_EQ(pc[l], pg[l]) << "layer " << l << " binary_input " << binary_input;
    EXPECT_EQ(dc, dg);
    // Without a request for the integers the hidden layers are fused (threshold and pack in the dot product):
    // the CUDA kernel packs each warp's 32 neurons by a ballot, the CPU kernel by compare masks in registers.
    std::vector<int> fc(N), fg(N);
    bnn_infer(f, ptr, in, 0, N, [](const BnnDotArgs& a) { bnn_dot_cpu(a); }, nullptr, fc.data());
    bnn_infer(f, ptr, in, 0, N, [&](const BnnDotArgs& a) { bnn_dot_cuda(device, a); }, nullptr, fg.data());
    EXPECT_EQ(fc, dc);
    EXPECT_EQ(fg, dc);
    // The fused bits themselves (a wrong bit need not change a decision), first layer, every third neuron with a
    // negative batch-norm scale.
    BnnDotArgs a;
    a.n_in = sizes[0], a.n_out = sizes[1], a.planes = in.planes, a.act = in.act.data(), a.act_sum = in.planes ? in.sum.data() : nullptr;
    a.weights = ptr[0], a.images = N, a.out_stride = sizes[1];
    std::vector<std::int32_t> sg = f.fire_sign[0], bd = f.fire_bound[0];
    for (int j = 0; j < sizes[1]; j += 3) sg[j] = -sg[j], bd[j] = -bd[j];
    const int wn = bnn_words(sizes[1]);
    std::vector<std::uint64_t> bc(static_cast<std::size_t>(N) * wn, 1), bg(bc.size(), 2);
    a.fire_sign = sg.data(), a.fire_bound = bd.data(), a.bits_stride = wn;
    a.bits = bc.data();
    bnn_dot_cpu(a);
    a.bits = bg.data();
    bnn_dot_cuda(device, a);
    EXPECT_EQ(bc, bg) << "binary_input " << binary_input;
  }
#else
  if (mc::test::gpu_required()) FAIL() << "MC_REQUIRE_GPU=1 but this build has no CUDA backend";
  GTEST_SKIP() << "built without CUDA";
#endif
}

}  // namespace

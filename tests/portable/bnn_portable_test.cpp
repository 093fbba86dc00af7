// The bnn CPU kernel as a machine without AVX-512 runs it (kernels/cpu/bnn.cpp's portable tiles): this file and
// that source are compiled for x86-64-v2 (tests/CMakeLists.txt), since CI's machines have AVX-512 and the native
// build takes the vector tiles. Integers against a plain reference, the fused threshold-and-pack against the
// integers packed afterwards, on binary activations and byte planes, widths around the 32- and 64-bit edges.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "bnn/driver.hpp"
#include "common/rng.hpp"

namespace {

using namespace mc;

std::uint64_t draw(std::uint64_t k, std::uint64_t salt) {
  const U32x4 r = philox(RngKey{17, stream::kTest}, k, salt, 3);
  return (static_cast<std::uint64_t>(r.v[0]) << 32) | r.v[1];
}

TEST(BnnPortableKernel, IsThePortableBuild) { EXPECT_EQ(std::string(bnn_cpu_isa()), "popcnt"); }

TEST(BnnPortableKernel, IntegersAndFusedBitsMatchAPlainReference) {
  for (int planes : {0, kBnnPlanes})
    for (int no : {1, 20, 32, 33, 64, 70, 96, 131}) {
      const int ni = 150, words = bnn_words(ni), cols = bnn_columns(no), N = 23, P = planes ? planes : 1;
      std::vector<std::uint8_t> in(static_cast<std::size_t>(N) * ni), wt(static_cast<std::size_t>(ni) * no);
      for (std::size_t k = 0; k < in.size(); ++k) in[k] = planes ? draw(k, 1) % 256 : draw(k, 1) % 2;
      for (std::size_t k = 0; k < wt.size(); ++k) wt[k] = draw(k, 2 + no) % 2;
      // Packing of kernels/bnn/bnn.hpp: weights word-major, activations (or byte planes) one row per image.
      std::vector<std::uint64_t> W(static_cast<std::size_t>(words) * cols, 0), act(static_cast<std::size_t>(N) * P * words, 0);
      for (int i = 0; i < ni; ++i)
        for (int j = 0; j < no; ++j)
          if (wt[static_cast<std::size_t>(i) * no + j]) W[static_cast<std::size_t>(i / 64) * cols + j] |= std::uint64_t{1} << (i % 64);
      std::vector<std::int32_t> sum(N, 0);
      for (int n = 0; n < N; ++n)
        for (int i = 0; i < ni; ++i) {
          const int v = in[static_cast<std::size_t>(n) * ni + i];
          sum[n] += v;
          for (int b = 0; b < P; ++b)
            if ((v >> b) & 1) act[(static_cast<std::size_t>(n) * P + b) * words + i / 64] |= std::uint64_t{1} << (i % 64);
        }
      std::vector<std::int32_t> pre(static_cast<std::size_t>(N) * no, -1), sg(no), bd(no);
      for (int j = 0; j < no; ++j) sg[j] = j % 3 ? 1 : -1, bd[j] = static_cast<std::int32_t>(draw(j, 99) % 41) - 20;
      BnnDotArgs a;
      a.n_in = ni, a.n_out = no, a.planes = planes, a.act = act.data(), a.act_sum = planes ? sum.data() : nullptr;
      a.weights = W.data(), a.images = N, a.out = pre.data(), a.out_stride = no;
      bnn_dot_cpu(a);
      for (int n = 0; n < N; ++n)
        for (int j = 0; j < no; ++j) {
          std::int64_t x = 0;  // Σ x_i w_i with w = ±1 (bytes: 255·Σ (k_i/255) w_i; binary: x = ±1)
          for (int i = 0; i < ni; ++i) {
            const int w = wt[static_cast<std::size_t>(i) * no + j] ? 1 : -1, v = in[static_cast<std::size_t>(n) * ni + i];
            x += static_cast<std::int64_t>(w) * (planes ? v : (v ? 1 : -1));
          }
          ASSERT_EQ(pre[static_cast<std::size_t>(n) * no + j], x) << "planes " << planes << " outputs " << no << " image " << n << " neuron " << j;
        }
      const int wn = bnn_words(no);
      std::vector<std::uint64_t> want(static_cast<std::size_t>(N + 1) * wn, 0x5A5A5A5A5A5A5A5Aull), got = want;
      a.fire_sign = sg.data(), a.fire_bound = bd.data(), a.bits_stride = wn, a.bits = want.data();
      bnn_pack_fired(a, pre.data());
      a.out = nullptr, a.bits = got.data();
      bnn_dot_cpu(a);
      EXPECT_EQ(got, want) << "planes " << planes << " outputs " << no;
    }
}

}  // namespace

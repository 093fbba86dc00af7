// CPU backend of the bnn workload: one layer's packed dot products for a block of images (kernels/bnn/bnn.hpp).
// Register tiles of kBnnRowBlock images × kBnnColumnBlock neurons: each weight word is loaded once per tile and
// XORed (binary activations) or ANDed (byte-input bit-planes) with every image's word, then counted — with
// AVX-512 VPOPCNTDQ eight 64-bit words per instruction when the build targets it (MC_NATIVE on a CPU that has it),
// else the scalar hardware popcount. Single-threaded: the workload runs blocks of images and chips in parallel.
#include <cstring>

#include "bnn/driver.hpp"

#if defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__)
#include <immintrin.h>
#define MC_BNN_AVX512 1
#endif

namespace mc {

const char* bnn_cpu_isa() {
#if defined(MC_BNN_AVX512)
  return "avx512-vpopcntdq";
#else
  return "popcnt";
#endif
}

namespace {

#if defined(MC_BNN_AVX512)
template <bool kPlanes>
void tile(const BnnDotArgs& a, int words, int cols, std::int64_t n0, int j0) {
  static_assert(kBnnRowBlock == 4 && kBnnColumnBlock == 32, "the tile holds 4 x 4 registers of 8 words");
  __m512i acc[4][4];
  for (auto& row : acc)
    for (auto& v : row) v = _mm512_setzero_si512();
  const std::uint64_t* rows[4];
  const int stride = (kPlanes ? kBnnPlanes : 1) * words;
  for (int r = 0; r < 4; ++r) rows[r] = a.act + (n0 + r < a.images ? n0 + r : a.images - 1) * stride;
  const std::uint64_t* W = a.weights + j0;
  for (int b = 0; b < (kPlanes ? kBnnPlanes : 1); ++b) {
    const __m128i shift = _mm_cvtsi32_si128(b);
    for (int w = 0; w < words; ++w) {
      const std::uint64_t* wr = W + static_cast<std::int64_t>(w) * cols;
      const __m512i w0 = _mm512_loadu_si512(wr), w1 = _mm512_loadu_si512(wr + 8), w2 = _mm512_loadu_si512(wr + 16),
                    w3 = _mm512_loadu_si512(wr + 24);
      for (int r = 0; r < 4; ++r) {
        const __m512i x = _mm512_set1_epi64(static_cast<long long>(rows[r][b * words + w]));
        if constexpr (kPlanes) {
          acc[r][0] = _mm512_add_epi64(acc[r][0], _mm512_sll_epi64(_mm512_popcnt_epi64(_mm512_and_si512(x, w0)), shift));
          acc[r][1] = _mm512_add_epi64(acc[r][1], _mm512_sll_epi64(_mm512_popcnt_epi64(_mm512_and_si512(x, w1)), shift));
          acc[r][2] = _mm512_add_epi64(acc[r][2], _mm512_sll_epi64(_mm512_popcnt_epi64(_mm512_and_si512(x, w2)), shift));
          acc[r][3] = _mm512_add_epi64(acc[r][3], _mm512_sll_epi64(_mm512_popcnt_epi64(_mm512_and_si512(x, w3)), shift));
        } else {
          acc[r][0] = _mm512_add_epi64(acc[r][0], _mm512_popcnt_epi64(_mm512_xor_si512(x, w0)));
          acc[r][1] = _mm512_add_epi64(acc[r][1], _mm512_popcnt_epi64(_mm512_xor_si512(x, w1)));
          acc[r][2] = _mm512_add_epi64(acc[r][2], _mm512_popcnt_epi64(_mm512_xor_si512(x, w2)));
          acc[r][3] = _mm512_add_epi64(acc[r][3], _mm512_popcnt_epi64(_mm512_xor_si512(x, w3)));
        }
      }
    }
  }
  alignas(64) std::int64_t lane[32];
  for (int r = 0; r < 4 && n0 + r < a.images; ++r) {
    for (int c = 0; c < 4; ++c) _mm512_store_si512(lane + 8 * c, acc[r][c]);
    std::int32_t* out = a.out + (n0 + r) * a.out_stride;
    for (int j = 0; j < 32 && j0 + j < a.n_out; ++j) out[j0 + j] = bnn_preactivation(a, lane[j], n0 + r);
  }
}
#else
template <bool kPlanes>
void tile(const BnnDotArgs& a, int words, int cols, std::int64_t n0, int j0) {
  std::int64_t acc[kBnnRowBlock][kBnnColumnBlock];
  std::memset(acc, 0, sizeof acc);
  const int stride = (kPlanes ? kBnnPlanes : 1) * words;
  for (int r = 0; r < kBnnRowBlock && n0 + r < a.images; ++r) {
    const std::uint64_t* row = a.act + (n0 + r) * stride;
    for (int b = 0; b < (kPlanes ? kBnnPlanes : 1); ++b)
      for (int w = 0; w < words; ++w) {
        const std::uint64_t x = row[b * words + w];
        const std::uint64_t* wr = a.weights + static_cast<std::int64_t>(w) * cols + j0;
        for (int j = 0; j < kBnnColumnBlock; ++j)
          acc[r][j] += static_cast<std::int64_t>(__builtin_popcountll(kPlanes ? (x & wr[j]) : (x ^ wr[j]))) << b;
      }
  }
  for (int r = 0; r < kBnnRowBlock && n0 + r < a.images; ++r) {
    std::int32_t* out = a.out + (n0 + r) * a.out_stride;
    for (int j = 0; j < kBnnColumnBlock && j0 + j < a.n_out; ++j) out[j0 + j] = bnn_preactivation(a, acc[r][j], n0 + r);
  }
}
#endif

}  // namespace

void bnn_dot_cpu(const BnnDotArgs& a) {
  const int words = bnn_words(a.n_in), cols = bnn_columns(a.n_out);
  for (std::int64_t n0 = 0; n0 < a.images; n0 += kBnnRowBlock)
    for (int j0 = 0; j0 < a.n_out; j0 += kBnnColumnBlock) {
      if (a.planes) tile<true>(a, words, cols, n0, j0);
      else tile<false>(a, words, cols, n0, j0);
    }
}

}  // namespace mc

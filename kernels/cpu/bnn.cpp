// CPU backend of the bnn workload: one layer's packed dot products for a block of images (kernels/bnn/bnn.hpp).
// Register tiles of 6 images (4 without AVX-512) × kBnnColumnBlock neurons: each weight word is loaded once per tile and
// XORed (binary activations) or ANDed (byte-input bit-planes) with every image's word, then counted — with
// AVX-512 VPOPCNTDQ eight 64-bit words per instruction when the build targets it (MC_NATIVE on a CPU that has it),
// else the scalar hardware popcount. Single-threaded: the workload runs blocks of images and chips in parallel.
#include <cstring>

#include "bnn/driver.hpp"

#if defined(__AVX512F__) && defined(__AVX512VPOPCNTDQ__)
#include <immintrin.h>
#define MC_BNN_AVX512 1
#endif

// The fused output writes a tile's 32 bits as one 32-bit half of a 64-bit word, by byte offset.
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the fused bnn output assumes a little-endian host");

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
constexpr int kRows = 6;  // images per register tile: 6 x 4 accumulators, 4 weights, 1 image word

template <bool kPlanes>
void tile(const BnnDotArgs& a, int words, int cols, std::int64_t n0, int j0) {
  static_assert(kBnnColumnBlock == 32, "the tile holds kRows x 4 registers of 8 words");
  __m512i acc[kRows][4];
  for (auto& row : acc)
    for (auto& v : row) v = _mm512_setzero_si512();
  const std::uint64_t* rows[kRows];
  const int stride = (kPlanes ? kBnnPlanes : 1) * words;
  for (int r = 0; r < kRows; ++r) rows[r] = a.act + (n0 + r < a.images ? n0 + r : a.images - 1) * stride;
  const std::uint64_t* W = a.weights + j0;
  // Planes by Horner's rule, the most significant first: the sums double before each plane's counts are added.
  for (int b = kPlanes ? kBnnPlanes - 1 : 0; b >= 0; --b) {
    if (kPlanes && b < kBnnPlanes - 1)
      for (auto& row : acc)
        for (auto& v : row) v = _mm512_slli_epi64(v, 1);
    for (int w = 0; w < words; ++w) {
      const std::uint64_t* wr = W + static_cast<std::int64_t>(w) * cols;
      __m512i w0 = _mm512_loadu_si512(wr), w1 = _mm512_loadu_si512(wr + 8), w2 = _mm512_loadu_si512(wr + 16),
              w3 = _mm512_loadu_si512(wr + 24);
      // Held in registers: without this the compiler folds a reload into every image's XOR, and 512-bit loads,
      // not the ALU, then bound the loop.
      __asm__("" : "+v"(w0), "+v"(w1), "+v"(w2), "+v"(w3));
      for (int r = 0; r < kRows; ++r) {
        const __m512i x = _mm512_set1_epi64(static_cast<long long>(rows[r][b * words + w]));
        if constexpr (kPlanes) {
          acc[r][0] = _mm512_add_epi64(acc[r][0], _mm512_popcnt_epi64(_mm512_and_si512(x, w0)));
          acc[r][1] = _mm512_add_epi64(acc[r][1], _mm512_popcnt_epi64(_mm512_and_si512(x, w1)));
          acc[r][2] = _mm512_add_epi64(acc[r][2], _mm512_popcnt_epi64(_mm512_and_si512(x, w2)));
          acc[r][3] = _mm512_add_epi64(acc[r][3], _mm512_popcnt_epi64(_mm512_and_si512(x, w3)));
        } else {
          acc[r][0] = _mm512_add_epi64(acc[r][0], _mm512_popcnt_epi64(_mm512_xor_si512(x, w0)));
          acc[r][1] = _mm512_add_epi64(acc[r][1], _mm512_popcnt_epi64(_mm512_xor_si512(x, w1)));
          acc[r][2] = _mm512_add_epi64(acc[r][2], _mm512_popcnt_epi64(_mm512_xor_si512(x, w2)));
          acc[r][3] = _mm512_add_epi64(acc[r][3], _mm512_popcnt_epi64(_mm512_xor_si512(x, w3)));
        }
      }
    }
  }
  // Epilogue, eight neurons a register: the pre-activation (bnn_preactivation), then either the int32 stores or,
  // fused, the folded thresholds' compare masks packed straight into the next layer's words.
  __mmask8 valid[4], negate[4];
  __m512i bound[4];
  for (int c = 0; c < 4; ++c) {
    const int left = a.n_out - (j0 + 8 * c);
    valid[c] = left >= 8 ? __mmask8(0xff) : (left <= 0 ? __mmask8(0) : __mmask8((1u << left) - 1));
    if (a.bits) {
      const __mmask16 k16 = valid[c];
      const __m512i sg = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(_mm512_maskz_loadu_epi32(k16, a.fire_sign + j0 + 8 * c)));
      bound[c] = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(_mm512_maskz_loadu_epi32(k16, a.fire_bound + j0 + 8 * c)));
      negate[c] = _mm512_cmplt_epi64_mask(sg, _mm512_setzero_si512());
    }
  }
  const __m512i zero = _mm512_setzero_si512();
  for (int r = 0; r < kRows && n0 + r < a.images; ++r) {
    const __m512i base = _mm512_set1_epi64(kPlanes ? -static_cast<long long>(a.act_sum[n0 + r]) : a.n_in);
    std::uint32_t fired = 0;
    for (int c = 0; c < 4; ++c) {
      const __m512i twice = _mm512_slli_epi64(acc[r][c], 1);
      const __m512i x = kPlanes ? _mm512_add_epi64(base, twice) : _mm512_sub_epi64(base, twice);
      if (a.bits) {
        const __m512i signed_x = _mm512_mask_sub_epi64(x, negate[c], zero, x);
        fired |= static_cast<std::uint32_t>(_mm512_mask_cmpge_epi64_mask(valid[c], signed_x, bound[c])) << (8 * c);
      } else {
        _mm512_mask_cvtepi64_storeu_epi32(a.out + (n0 + r) * a.out_stride + j0 + 8 * c, valid[c], x);
      }
    }
    if (a.bits) std::memcpy(reinterpret_cast<char*>(a.bits + (n0 + r) * a.bits_stride) + j0 / 8, &fired, sizeof fired);
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
    std::uint32_t fired = 0;
    for (int j = 0; j < kBnnColumnBlock && j0 + j < a.n_out; ++j) {
      const std::int32_t x = bnn_preactivation(a, acc[r][j], n0 + r);
      if (a.bits) fired |= static_cast<std::uint32_t>(bnn_fused_fire(a, j0 + j, x)) << j;
      else a.out[(n0 + r) * a.out_stride + j0 + j] = x;
    }
    if (a.bits) std::memcpy(reinterpret_cast<char*>(a.bits + (n0 + r) * a.bits_stride) + j0 / 8, &fired, sizeof fired);
  }
}
#endif

}  // namespace

void bnn_dot_cpu(const BnnDotArgs& a) {
#if defined(MC_BNN_AVX512)
  constexpr int kTileRows = kRows;
#else
  constexpr int kTileRows = kBnnRowBlock;
#endif
  const int words = bnn_words(a.n_in), cols = bnn_columns(a.n_out);
  // Fused output: each tile writes its 32 neurons' bits as one 32-bit half of a word (a little-endian host's byte
  // order); a last word that no tile reaches in full (outputs % 64 in 1..32) is zeroed first.
  if (a.bits && cols % 64 != 0)
    for (std::int64_t n = 0; n < a.images; ++n) a.bits[n * a.bits_stride + bnn_words(a.n_out) - 1] = 0;
  // Neurons outside, images inside: a column block's weights (words x 32 words) stay in L1 while every image of
  // the block passes them.
  for (int j0 = 0; j0 < a.n_out; j0 += kBnnColumnBlock)
    for (std::int64_t n0 = 0; n0 < a.images; n0 += kTileRows) {
      if (a.planes) tile<true>(a, words, cols, n0, j0);
      else tile<false>(a, words, cols, n0, j0);
    }
}

}  // namespace mc

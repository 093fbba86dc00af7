// Counter-based random numbers (DESIGN.md decision 2): Random123 Philox4x32-10.
// Key = {32-bit seed of the point, stream id (common/streams.hpp)};
// counter = {entity low, entity high, step low, step bits 32..47 | draw << 16}.
// Nothing here depends on threads or launch shape, so every backend draws the same integers.
#pragma once
#include <Random123/philox.h>

#include "common/fastmath.hpp"

namespace mc {

struct RngKey {
  std::uint32_t seed;
  std::uint32_t stream;
};

struct U32x4 {
  std::uint32_t v[4];
};

struct F32x4 {
  float v[4];
};

/// Four raw 32-bit integers for the counter words {entity low, entity high, step low, step high | draw << 16}.
/// Hot loops call this form with 32-bit words so that SIMD lanes stay 32 bits wide.
MC_HD U32x4 philox_words(RngKey key, std::uint32_t entity_lo, std::uint32_t entity_hi, std::uint32_t step_lo,
                         std::uint32_t step_hi_draw) {
  r123::Philox4x32_R<10> gen;
  const r123::Philox4x32::ctr_type ctr = {{entity_lo, entity_hi, step_lo, step_hi_draw}};
  const r123::Philox4x32::key_type k = {{key.seed, key.stream}};
  const r123::Philox4x32::ctr_type r = gen(ctr, k);
  return U32x4{{r[0], r[1], r[2], r[3]}};
}

/// The last counter word: bits 32..47 of the step, and the draw index in the top 16 bits.
MC_HD std::uint32_t step_hi_draw(std::uint64_t step, std::uint32_t draw) {
  return static_cast<std::uint32_t>((step >> 32) & 0xffffu) | (draw << 16);
}

/// Four raw 32-bit integers for (entity, step, draw); step < 2^48, draw < 2^16.
MC_HD U32x4 philox(RngKey key, std::uint64_t entity, std::uint64_t step, std::uint32_t draw) {
  return philox_words(key, static_cast<std::uint32_t>(entity), static_cast<std::uint32_t>(entity >> 32),
                      static_cast<std::uint32_t>(step), step_hi_draw(step, draw));
}

/// Uniform on the open interval (0, 1) from the top 23 bits: (k + ½)·2^−23 is exact in float for every k, so
/// the range is [2^−24, 1 − 2^−24], symmetric, and identical on every backend. (24 bits would round k + ½ to
/// an even integer above 2^23 and reach 1.0 exactly.)
MC_HD float u01(std::uint32_t x) { return (static_cast<float>(x >> 9) + 0.5f) * (1.0f / 8388608.0f); }

/// Uniform on the open interval (0, 1) in double from 53 bits of two words: (k + ½)·2^−53.
MC_HD double u01_53(std::uint32_t hi, std::uint32_t lo) {
  return (static_cast<double>((static_cast<std::uint64_t>(hi) << 21) | (lo >> 11)) + 0.5) * (1.0 / 9007199254740992.0);
}

MC_HD F32x4 uniforms(const U32x4& r) { return F32x4{{u01(r.v[0]), u01(r.v[1]), u01(r.v[2]), u01(r.v[3])}}; }

/// Bits of a Box-Muller pair's two 32-bit words: 47 for the radius uniform, 17 for the angle.
constexpr int kRadiusBits = 47;
constexpr int kAngleBits = 17;

/// The radius uniform of box_muller, (k + ½)·2^−47 with k = a·2^15 + (b mod 2^15), in [2^−48, 1]: fine near 0,
/// where the normal's tail lives (−2 ln 2^−48 = 8.16², so |z| reaches 8.16; 23 bits stopped at 5.8). Two
/// exact float terms (integers below 2^24 times powers of 2) added once, so it is monotone in k, within 2^−24
/// relative of the exact lattice value, and the same float on every backend.
MC_HD float u01_radius(std::uint32_t a, std::uint32_t b) {
  const float hi = static_cast<float>(static_cast<std::int32_t>(a >> 8)) * (1.0f / 16777216.0f);
  const float lo = (static_cast<float>(static_cast<std::int32_t>(((a & 0xffu) << 15) | (b & 0x7fffu))) + 0.5f) *
                   (1.0f / 140737488355328.0f);
  return hi + lo;
}

/// The angle uniform of box_muller, (k + ½)·2^−17 from the top 17 bits of b: exact in float. A periodic
/// integrand averaged over 2^17 equally spaced angles is the midpoint rule, exact to far below float precision
/// for the smooth functions of z that Monte Carlo estimates (and the radius stays continuous).
MC_HD float u01_angle(std::uint32_t b) { return (static_cast<float>(static_cast<std::int32_t>(b >> 15)) + 0.5f) * (1.0f / 131072.0f); }

/// Two independent standard normals from two raw words (Box & Muller 1958): radius from u01_radius(a, b),
/// angle from u01_angle(b). The 64 bits are split 47/17 so the tail reaches |z| = 8.16 (P(|z| > 8) = 1.2e-15).
MC_HD void box_muller(std::uint32_t a, std::uint32_t b, float* z1, float* z2) {
  const float r = fast_sqrt(-2.0f * fast_log(u01_radius(a, b)));
  float s, c;
  sincos_2pi(u01_angle(b), &s, &c);
  *z1 = r * c;
  *z2 = r * s;
}

/// Four standard normals from one Philox draw.
MC_HD F32x4 normals(const U32x4& r) {
  F32x4 z;
  box_muller(r.v[0], r.v[1], &z.v[0], &z.v[1]);
  box_muller(r.v[2], r.v[3], &z.v[2], &z.v[3]);
  return z;
}

/// A uniform v in (0, 1) fine near 0 (u01_radius of two words), as the Weibull inversion's failure fraction.
MC_HD float u01_fine(std::uint32_t a, std::uint32_t b) { return u01_radius(a, b); }

/// Laplace(0, b) from a uniform u in (0, 1) by inversion.
MC_HD float laplace_from_uniform(float u, float b) {
  const float d = u - 0.5f;
  const float ad = d < 0.0f ? -d : d;
  const float mag = -b * fast_log(1.0f - 2.0f * ad + 1e-30f);
  return d < 0.0f ? -mag : mag;
}

}  // namespace mc

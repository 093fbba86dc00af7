// Branch-free float math shared by both backends, so the CPU loops vectorize (no scalar libm call in a hot
// loop, DESIGN.md decision 5) and CPU and GPU evaluate the same polynomial. Accuracy: relative error below
// 3e-7 on the stated domains, far below Monte Carlo error at any sample size memcarlo runs.
#pragma once
#include <cmath>
#include <cstring>

#include "common/mc_hd.hpp"

namespace mc {

MC_HD std::uint32_t float_bits(float x) {
#if defined(__CUDA_ARCH__)
  return __float_as_uint(x);
#else
  std::uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
#endif
}

MC_HD float bits_float(std::uint32_t u) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(u);
#else
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
#endif
}

MC_HD float fast_sqrt(float x) {
#if defined(__CUDA_ARCH__)
  return sqrtf(x);
#else
  return std::sqrt(x);  // a single instruction with -fno-math-errno
#endif
}

/// Nearest integer (ties to even) of |x| < 2^22, by the 1.5·2^23 trick: branch-free and vectorizable, where
/// std::floor and std::nearbyint are library calls to g++ 12 with trapping math on. Needs IEEE float adds
/// (no -ffast-math reassociation), which both backends keep.
MC_HD float fast_round(float x) {
  const float magic = 12582912.0f;
  return (x + magic) - magic;
}

/// Natural log for normal positive floats (x in [1.2e-38, 3.4e38]); 2·atanh series on [√½, √2].
MC_HD float fast_log(float x) {
  const std::uint32_t b = float_bits(x);
  int e = static_cast<int>((b >> 23) & 0xffu) - 127;
  float m = bits_float((b & 0x7fffffu) | 0x3f800000u);  // [1, 2)
  const bool big = m > 1.41421356f;
  m = big ? 0.5f * m : m;
  e = big ? e + 1 : e;
  const float f = m - 1.0f;
  const float s = f / (2.0f + f);
  const float s2 = s * s;
  const float poly = 1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9))));
  return static_cast<float>(e) * 0.693147180559945f + 2.0f * s * poly;
}

/// −ln(1 − v) for v in (0, 1], accurate to ~3e-7 relative also for tiny v where 1 − v rounds to 1: below
/// v = ¼ the series 2·atanh(s), s = v/(2 − v) ≤ 1/7; above, fast_log(1 − v) (v = 1 gives 88, finite).
MC_HD float fast_neg_log1m(float v) {
  const float s = v / (2.0f - v);
  const float s2 = s * s;
  const float small = 2.0f * s * (1.0f + s2 * (1.0f / 3 + s2 * (1.0f / 5 + s2 * (1.0f / 7 + s2 * (1.0f / 9)))));
  const float big = -fast_log(1.0f - v);
  return v < 0.25f ? small : big;
}

/// e^x for x in [-87, 88]; results saturate outside.
MC_HD float fast_exp(float x) {
  x = x < -87.0f ? -87.0f : (x > 88.0f ? 88.0f : x);
  const float n = fast_round(x * 1.44269504088896f);
  const float r = (x - n * 0.693145751953125f) - n * 1.428606765330187e-06f;  // Cody-Waite split of ln 2
  const float p =
      1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 + r * (1.0f / 120 + r * (1.0f / 720 + r * (1.0f / 5040)))))));
  const int ni = static_cast<int>(n);
  return p * bits_float(static_cast<std::uint32_t>(ni + 127) << 23);
}

/// x^p for x > 0.
MC_HD float fast_pow(float x, float p) { return fast_exp(p * fast_log(x)); }

/// sin and cos of 2π·u for |u| < 2^21 (reduced to an octant, then Taylor polynomials on [−π/4, π/4]).
MC_HD void sincos_2pi(float u, float* s_out, float* c_out) {
  float t = u - fast_round(u);           // [−½, ½]
  const float qf = fast_round(4.0f * t);  // quadrant −2..2
  const float a = 6.28318530717959f * (t - 0.25f * qf);  // [−π/4, π/4]
  const float a2 = a * a;
  const float s = a * (1.0f - a2 * (1.0f / 6 - a2 * (1.0f / 120 - a2 * (1.0f / 5040 - a2 * (1.0f / 362880)))));
  const float c = 1.0f - a2 * (0.5f - a2 * (1.0f / 24 - a2 * (1.0f / 720 - a2 * (1.0f / 40320))));
  const int q = static_cast<int>(qf) & 3;  // −2 & 3 == 2, −1 & 3 == 3
  const float sn = q == 0 ? s : (q == 1 ? c : (q == 2 ? -s : -c));
  const float cs = q == 0 ? c : (q == 1 ? -s : (q == 2 ? -c : s));
  *s_out = sn;
  *c_out = cs;
}

MC_HD float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

}  // namespace mc

// Tails of the generated normals and Weibull lifetimes (kernels/common/rng.hpp, kernels/device/rram.hpp).
// 1e10 draws would take minutes on 2 cores, so the tails are checked on the construction itself:
//  - the smallest reachable radius uniform and the largest |z| (>= 8);
//  - the exact distribution of the generator in the tail, by enumeration: for each of the 2^17 angles, the
//    radius is monotone in its 47-bit integer k, so a binary search over k counts exactly how many of the 2^64
//    word pairs give z1 > t; the count / 2^64 is the generator's P(z1 > t), compared with the normal's Q(t);
//  - a chi-square on the tail from real Philox draws conditioned on the tail (the radius word forced below
//    2^8, so r > 5.77): given that, P(|z| in a bin beyond 5.77) = 2 (Q(lo) - Q(hi)) · 2^24 exactly;
//  - the Weibull failure fraction down to 1e-13 (was 2^-24 = 6e-8), by the same enumeration over the 47-bit v.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>

#include "common/rng.hpp"
#include "common/streams.hpp"
#include "device/rram.hpp"

namespace {

double normal_q(double t) { return 0.5 * std::erfc(t / std::sqrt(2.0)); }

/// z1 of box_muller for radius integer k (47 bits) and angle index j (17 bits).
float z1_of(std::uint64_t k, std::uint32_t j) {
  const std::uint32_t a = static_cast<std::uint32_t>(k >> 15);
  const std::uint32_t b = (j << 15) | static_cast<std::uint32_t>(k & 0x7fffu);
  float z1, z2;
  mc::box_muller(a, b, &z1, &z2);
  return z1;
}

/// Number of radius integers k in [0, 2^47) with z1_of(k, j) > t (z1 falls as k grows when cos > 0).
std::uint64_t count_beyond(std::uint32_t j, float t) {
  if (!(z1_of(0, j) > t)) return 0;
  std::uint64_t lo = 0, hi = std::uint64_t{1} << 47;  // z1(lo) > t; hi: past the end
  while (hi - lo > 1) {
    const std::uint64_t mid = lo + (hi - lo) / 2;
    (z1_of(mid, j) > t ? lo : hi) = mid;
  }
  return lo + 1;
}

TEST(NormalTail, SmallestRadiusUniformReachesEightSigma) {
  EXPECT_EQ(mc::u01_radius(0u, 0u), std::ldexp(1.0f, -48));
  EXPECT_EQ(mc::u01_radius(0u, 1u), 3 * std::ldexp(1.0f, -48));
  EXPECT_LE(mc::u01_radius(0xffffffffu, 0xffffffffu), 1.0f);
  EXPECT_EQ(mc::u01_angle(0u), std::ldexp(1.0f, -18));
  float z1, z2;
  mc::box_muller(0u, 0u, &z1, &z2);
  EXPECT_GE(z1, 8.0f) << "the largest normal is " << z1;
  EXPECT_NEAR(z1, std::sqrt(96 * std::log(2.0)), 1e-4);
  // The radius uniform is monotone in its 47-bit integer (spot check across the hi/lo boundary).
  float prev = 0.0f;
  for (std::uint64_t k = 0; k < (std::uint64_t{1} << 47); k = k * 3 + 1) {
    const float u = mc::u01_radius(static_cast<std::uint32_t>(k >> 15), static_cast<std::uint32_t>(k & 0x7fffu));
    EXPECT_GE(u, prev) << k;
    prev = u;
  }
}

TEST(NormalTail, ExactTailProbabilityByEnumeration) {
  // Tolerances: the radius lattice rounds each angle's count by at most 1 (relative 1/count summed over
  // ~1e4 angles), fast_log's 3e-7 relative error moves ln u by < 1e-5, i.e. P by < 1e-5 relative; so 1e-3
  // relative up to t = 7 (>= 3000 counts per central angle), 1 % at t = 7.5 (~90 counts per central angle,
  // rounding errors averaged over ~5000 angles) and 10 % at t = 8 (1-2 counts per angle: the lattice's last
  // values). Measured: ratios 0.999999, 0.999999, 0.99998, 0.9994, 0.982.
  const struct {
    float t;
    double rel;
  } cases[] = {{4.0f, 1e-3}, {6.0f, 1e-3}, {7.0f, 1e-3}, {7.5f, 0.01}, {8.0f, 0.1}};
  for (const auto& c : cases) {
    long double total = 0;
    for (std::uint32_t j = 0; j < (1u << 17); ++j) total += static_cast<long double>(count_beyond(j, c.t));
    const double p = static_cast<double>(total / std::ldexp(1.0L, 64));
    const double q = normal_q(c.t);
    std::printf("P(z1 > %.1f): generator %.6e, normal %.6e, ratio %.6f\n", c.t, p, q, p / q);
    EXPECT_NEAR(p / q, 1.0, c.rel) << "P(z > " << c.t << ") = " << p << " vs Q = " << q;
  }
}

TEST(NormalTail, ChiSquareOfTheTailGivenAFarRadius) {
  // Two independent pairs per Philox call; the radius word a is forced below 2^8 (the pair's u < 2^-24, so
  // r > R0 = sqrt(48 ln 2)); z0 and z2 come from different words, so they are independent.
  const double r0 = std::sqrt(48 * std::log(2.0)), scale = std::ldexp(1.0, 24);
  const double edges[] = {r0, 6.0, 6.25, 6.5, 7.0, INFINITY};
  constexpr int kBins = 5;
  double expect_p[kBins + 1];
  double rest = 1.0;
  for (int i = 0; i < kBins; ++i) {
    expect_p[i] = 2 * (normal_q(edges[i]) - (std::isinf(edges[i + 1]) ? 0.0 : normal_q(edges[i + 1]))) * scale;
    rest -= expect_p[i];
  }
  expect_p[kBins] = rest;  // |z| below R0 (the angle keeps most of a far radius off the axis)
  double count[kBins + 1] = {};
  const int calls = 2000000;
  const mc::RngKey key{31337u, mc::stream::kTest};
  for (int i = 0; i < calls; ++i) {
    mc::U32x4 r = mc::philox(key, static_cast<std::uint64_t>(i), 0, 0);
    r.v[0] >>= 24, r.v[2] >>= 24;
    const mc::F32x4 z = mc::normals(r);
    for (float x : {z.v[0], z.v[2]}) {
      const double a = std::fabs(x);
      int bin = kBins;
      for (int b = 0; b < kBins; ++b)
        if (a >= edges[b] && a < edges[b + 1]) bin = b;
      count[bin] += 1;
    }
  }
  const double n = 2.0 * calls;
  double chi2 = 0;
  for (int b = 0; b <= kBins; ++b) {
    const double e = n * expect_p[b];
    ASSERT_GT(e, 20.0) << b;
    chi2 += (count[b] - e) * (count[b] - e) / e;
  }
  // 5 degrees of freedom: P(chi2 > 25.74) = 1e-4 (DESIGN.md: chi-square p > 1e-4).
  EXPECT_LT(chi2, 25.74) << "counts beyond 7: " << count[kBins - 1] << " of " << n * expect_p[kBins - 1] << " expected";
}

TEST(WeibullTail, FailureFractionsDownTo1e13) {
  mc::DeviceModel m{};
  m.weibull_shape = 1.5f;
  m.weibull_scale = 1e10f;
  auto lifetime = [&](std::uint64_t k) {
    return mc::weibull_lifetime(m, mc::u01_fine(static_cast<std::uint32_t>(k >> 15), static_cast<std::uint32_t>(k & 0x7fffu)));
  };
  // Relative tolerance: fast_log/fast_exp/fast_pow ~1e-6 on L, i.e. 1.5e-6 on F; the lattice 0.5 / (F 2^47).
  for (double f : {1e-4, 1e-7, 1e-10, 1e-13}) {
    const float c = static_cast<float>(1e10 * std::pow(-std::log1p(-f), 1 / 1.5));  // L at fraction f
    std::uint64_t lo = 0, hi = std::uint64_t{1} << 47;
    ASSERT_LT(lifetime(0), c);
    while (hi - lo > 1) {
      const std::uint64_t mid = lo + (hi - lo) / 2;
      (lifetime(mid) < c ? lo : hi) = mid;
    }
    const double frac = static_cast<double>(lo + 1) / std::ldexp(1.0, 47);
    EXPECT_NEAR(frac / f, 1.0, 1e-5 + 1.0 / (f * std::ldexp(1.0, 47))) << "F = " << f;
  }
}

}  // namespace

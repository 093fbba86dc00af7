// Branch-free float math of kernels/common/fastmath.hpp against libm (double) over dense grids, and the
// distributions that kernels/common/rng.hpp builds on it (Box–Muller normals, Laplace by inversion).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "common/fastmath.hpp"
#include "common/rng.hpp"
#include "common/streams.hpp"

namespace {

// fastmath.hpp promises relative error below 3e-7 on its stated domains.
constexpr double kRel = 3e-7;

TEST(FastMath, LogRelativeErrorOn1em30To1e30) {
  double worst = 0.0, worst_x = 0.0;
  // Log-spaced grid, 2e6 points over 60 decades, plus every float in [0.5, 2) where log crosses zero.
  const double l0 = std::log(1e-30), l1 = std::log(1e30);
  const int n = 2000000;
  for (int i = 0; i <= n; ++i) {
    const float x = static_cast<float>(std::exp(l0 + (l1 - l0) * i / n));
    const double ref = std::log(static_cast<double>(x));
    if (ref == 0.0) continue;
    const double e = std::fabs(mc::fast_log(x) - ref) / std::fabs(ref);
    if (e > worst) worst = e, worst_x = x;
  }
  for (float x = 0.5f; x < 2.0f; x = std::nextafter(x, 3.0f)) {
    const double ref = std::log(static_cast<double>(x));
    if (ref == 0.0) {
      EXPECT_EQ(mc::fast_log(x), 0.0f);
      continue;
    }
    const double e = std::fabs(mc::fast_log(x) - ref) / std::fabs(ref);
    if (e > worst) worst = e, worst_x = x;
  }
  EXPECT_LT(worst, kRel) << "fast_log worst relative error at x = " << worst_x;
}

TEST(FastMath, ExpRelativeErrorOnMinus80To80) {
  double worst = 0.0, worst_x = 0.0;
  const int n = 4000000;
  for (int i = 0; i <= n; ++i) {
    const float x = static_cast<float>(-80.0 + 160.0 * i / n);
    const double ref = std::exp(static_cast<double>(x));
    const double e = std::fabs(mc::fast_exp(x) - ref) / ref;
    if (e > worst) worst = e, worst_x = x;
  }
  EXPECT_LT(worst, kRel) << "fast_exp worst relative error at x = " << worst_x;
  EXPECT_EQ(mc::fast_exp(0.0f), 1.0f);
  // Saturation outside [-87, 88] instead of inf/0/NaN.
  EXPECT_TRUE(std::isfinite(mc::fast_exp(1000.0f)));
  EXPECT_GT(mc::fast_exp(-1000.0f), 0.0f);
}

TEST(FastMath, PowRelativeErrorGrowsOnlyWithExponentTimesLog) {
  // pow = exp(p·log x): the log's relative error is multiplied by |p ln x|, so the bound is kRel·(1 + |p ln x|).
  double worst = 0.0, worst_x = 0.0, worst_p = 0.0;
  for (int i = 0; i <= 1400; ++i) {
    const float x = static_cast<float>(std::exp(-7.0 + 14.0 * i / 1400));  // ~1e-3 .. 1e3
    for (int j = 0; j <= 600; ++j) {
      const float p = static_cast<float>(-3.0 + 6.0 * j / 600);
      const double ref = std::pow(static_cast<double>(x), static_cast<double>(p));
      const double e = std::fabs(mc::fast_pow(x, p) - ref) / ref /
                       (1.0 + std::fabs(static_cast<double>(p) * std::log(static_cast<double>(x))));
      if (e > worst) worst = e, worst_x = x, worst_p = p;
    }
  }
  EXPECT_LT(worst, kRel) << "fast_pow worst scaled relative error at x = " << worst_x << ", p = " << worst_p;
  EXPECT_NEAR(mc::fast_pow(100.0f, 0.5f), 10.0f, 10.0f * 1e-6f);
  EXPECT_NEAR(mc::fast_pow(8.0f, 1.0f / 3.0f), 2.0f, 2.0f * 1e-6f);
}

TEST(FastMath, SinCos2PiAbsoluteErrorOn0To1) {
  double worst = 0.0, worst_u = 0.0;
  const int n = 2000000;
  for (int i = 0; i <= n; ++i) {
    const float u = static_cast<float>(static_cast<double>(i) / n);
    float s, c;
    mc::sincos_2pi(u, &s, &c);
    const double a = 2.0 * M_PI * static_cast<double>(u);
    const double e = std::max(std::fabs(s - std::sin(a)), std::fabs(c - std::cos(a)));
    if (e > worst) worst = e, worst_u = u;
  }
  EXPECT_LT(worst, kRel) << "sincos_2pi worst absolute error at u = " << worst_u;
  // Quadrant boundaries exactly.
  float s, c;
  mc::sincos_2pi(0.25f, &s, &c);
  EXPECT_NEAR(s, 1.0f, 1e-7f);
  EXPECT_NEAR(c, 0.0f, 1e-7f);
  mc::sincos_2pi(0.5f, &s, &c);
  EXPECT_NEAR(s, 0.0f, 1e-7f);
  EXPECT_NEAR(c, -1.0f, 1e-7f);
  mc::sincos_2pi(-0.25f, &s, &c);  // negative arguments reduce too
  EXPECT_NEAR(s, -1.0f, 1e-7f);
  EXPECT_NEAR(c, 0.0f, 1e-7f);
}

TEST(FastMath, RoundIsNearbyintTiesToEven) {
  std::uint64_t bad = 0;
  float first_bad = 0.0f;
  // Quarter steps over ±4096 (ties included) and a coarse sweep up to 2^22.
  for (int i = -16384; i <= 16384; ++i) {
    const float x = 0.25f * static_cast<float>(i);
    if (mc::fast_round(x) != std::nearbyint(x) && bad++ == 0) first_bad = x;
  }
  for (float x = -4194303.5f; x < 4194304.0f; x += 1023.75f)
    if (mc::fast_round(x) != std::nearbyint(x) && bad++ == 0) first_bad = x;
  EXPECT_EQ(bad, 0u) << "first mismatch at x = " << first_bad;
  EXPECT_EQ(mc::fast_round(0.5f), 0.0f);
  EXPECT_EQ(mc::fast_round(1.5f), 2.0f);
  EXPECT_EQ(mc::fast_round(2.5f), 2.0f);
  EXPECT_EQ(mc::fast_round(-2.5f), -2.0f);
  EXPECT_EQ(mc::fast_round(2.49f), 2.0f);
}

TEST(FastMath, ClampAndBits) {
  EXPECT_EQ(mc::clampf(-1.0f, 0.0f, 1.0f), 0.0f);
  EXPECT_EQ(mc::clampf(2.0f, 0.0f, 1.0f), 1.0f);
  EXPECT_EQ(mc::clampf(0.25f, 0.0f, 1.0f), 0.25f);
  EXPECT_EQ(mc::float_bits(1.0f), 0x3f800000u);
  EXPECT_EQ(mc::bits_float(0xbf800000u), -1.0f);
  EXPECT_EQ(mc::fast_sqrt(2.25f), 1.5f);
}

// Box–Muller: 1e6 normals (250 000 Philox calls on the test stream). Tolerances are 4 standard errors of the
// sample statistic: mean 1/√n, variance √(2/n), skewness √(6/n), excess kurtosis √(24/n), correlation 1/√n.
TEST(BoxMuller, MomentsOfOneMillionNormalsWithin4SE) {
  const int calls = 250000;
  const double n = 4.0 * calls;
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0, pair = 0;
  const mc::RngKey key{20240611u, mc::stream::kTest};
  for (int i = 0; i < calls; ++i) {
    const mc::F32x4 z = mc::normals(mc::philox(key, static_cast<std::uint64_t>(i), 0, 0));
    for (int k = 0; k < 4; ++k) {
      const double x = z.v[k];
      s1 += x, s2 += x * x, s3 += x * x * x, s4 += x * x * x * x;
    }
    pair += static_cast<double>(z.v[0]) * z.v[1] + static_cast<double>(z.v[2]) * z.v[3];
  }
  const double mean = s1 / n;
  const double var = s2 / n - mean * mean;
  const double m3 = s3 / n - 3 * mean * s2 / n + 2 * mean * mean * mean;
  const double m4 = s4 / n - 4 * mean * s3 / n + 6 * mean * mean * s2 / n - 3 * mean * mean * mean * mean;
  const double skew = m3 / std::pow(var, 1.5);
  const double kurt = m4 / (var * var) - 3.0;
  const double corr = pair / (n / 2);
  EXPECT_LT(std::fabs(mean), 4 / std::sqrt(n)) << "mean " << mean << " beyond 4 SE";
  EXPECT_LT(std::fabs(var - 1), 4 * std::sqrt(2 / n)) << "variance " << var << " beyond 4 SE";
  EXPECT_LT(std::fabs(skew), 4 * std::sqrt(6 / n)) << "skewness " << skew << " beyond 4 SE";
  EXPECT_LT(std::fabs(kurt), 4 * std::sqrt(24 / n)) << "excess kurtosis " << kurt << " beyond 4 SE";
  EXPECT_LT(std::fabs(corr), 4 / std::sqrt(n / 2)) << "z1·z2 correlation " << corr << " beyond 4 SE";
}

TEST(BoxMuller, TailFractionWithin4SE) {
  // P(|Z| > 3) = 0.0026998; binomial SE √(p(1−p)/n).
  const int calls = 250000;
  const double n = 4.0 * calls, p = 0.00269979606326019;
  double tail = 0;
  const mc::RngKey key{77u, mc::stream::kTest};
  for (int i = 0; i < calls; ++i) {
    const mc::F32x4 z = mc::normals(mc::philox(key, static_cast<std::uint64_t>(i), 1, 0));
    for (int k = 0; k < 4; ++k) tail += std::fabs(z.v[k]) > 3.0f;
  }
  const double se = std::sqrt(p * (1 - p) / n);
  EXPECT_LT(std::fabs(tail / n - p), 4 * se) << "P(|Z|>3) = " << tail / n << " vs " << p << " beyond 4 SE";
}

// Laplace(0, b) by inversion: mean 0 with SE b·√2/√n; E|X| = b with SE b/√n (|X| is exponential).
TEST(Laplace, MeanAndMeanAbsoluteWithin4SE) {
  const float b = 0.7f;
  const int calls = 250000;
  const double n = 4.0 * calls;
  double s = 0, sa = 0;
  const mc::RngKey key{31337u, mc::stream::kTest};
  for (int i = 0; i < calls; ++i) {
    const mc::F32x4 u = mc::uniforms(mc::philox(key, static_cast<std::uint64_t>(i), 2, 0));
    for (int k = 0; k < 4; ++k) {
      const double x = mc::laplace_from_uniform(u.v[k], b);
      s += x, sa += std::fabs(x);
    }
  }
  EXPECT_LT(std::fabs(s / n), 4 * b * std::sqrt(2.0 / n)) << "Laplace mean " << s / n << " beyond 4 SE";
  EXPECT_LT(std::fabs(sa / n - b), 4 * b / std::sqrt(n)) << "Laplace E|x| " << sa / n << " vs b = " << b << " beyond 4 SE";
}

TEST(Laplace, InversionByHand) {
  // u = ¾ → d = ¼, |x| = −b·ln(½) = b·ln 2; u = ¼ gives the negative of it; u = ½ gives 0.
  const float b = 2.0f;
  EXPECT_NEAR(mc::laplace_from_uniform(0.75f, b), b * std::log(2.0f), 1e-6);
  EXPECT_NEAR(mc::laplace_from_uniform(0.25f, b), -b * std::log(2.0f), 1e-6);
  EXPECT_EQ(mc::laplace_from_uniform(0.5f, b), 0.0f);
  EXPECT_TRUE(std::isfinite(mc::laplace_from_uniform(mc::u01(0u), b)));
  EXPECT_TRUE(std::isfinite(mc::laplace_from_uniform(mc::u01(0xffffffffu), b)));
}

}  // namespace

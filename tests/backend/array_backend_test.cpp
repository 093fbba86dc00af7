// Arrays on the CPU backend: programming many chips gives the same chips on 1 and 2 threads, and chip c is the
// chip program_array makes alone (keyed draws), up to float contraction between two compilations.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "array/driver.hpp"
#include "support/array_fixtures.hpp"

namespace mc {
namespace {

TEST(ArrayBackend, ChipsDoNotDependOnTheThreadCount) {
  ArrayParams p = test::tio2_params();
  p.disturb_fraction = 0.05f;
  const int rows = 17, cols = 20, chips = 64;
  const size_t n = static_cast<size_t>(rows) * cols;
  std::vector<float> target(n);
  for (size_t k = 0; k < n; ++k) target[k] = 10.0f + 90.0f * ((k * 37) % 101) / 100.0f;
  std::vector<float> g1(chips * n), g2(chips * n), alone(n);
  std::vector<std::uint8_t> s1(chips * n), s2(chips * n), sa(n);
  std::vector<ArrayCounts> c1(chips), c2(chips);
  program_chips_cpu(p, target.data(), rows, cols, 5, chips, g1.data(), s1.data(), c1.data(), 1);
  program_chips_cpu(p, target.data(), rows, cols, 5, chips, g2.data(), s2.data(), c2.data(), 2);
  EXPECT_EQ(g1, g2);
  EXPECT_EQ(s1, s2);
  for (int c = 0; c < chips; ++c) EXPECT_EQ(c1[c].set_pulses, c2[c].set_pulses);
  ArrayCounts ca{};
  program_array(p, target.data(), rows, cols, (5 + 7) * n, alone.data(), sa.data(), &ca);
  // The same chip, up to the float contraction of the two compilations (mc_cpu builds with -march=native).
  size_t differ = 0;
  for (size_t k = 0; k < n; ++k) differ += std::fabs(g1[7 * n + k] - alone[k]) > 1e-4f * alone[k];
  EXPECT_LE(differ, 2u);
  EXPECT_EQ(std::vector<std::uint8_t>(s1.begin() + 7 * n, s1.begin() + 8 * n), sa);
}

}  // namespace
}  // namespace mc

// Philox4x32-10 known answers, the counter layout of mc::philox, and the u01 mapping (kernels/common/rng.hpp).
#include <gtest/gtest.h>

#include <Random123/philox.h>

#include <cmath>
#include <cstdint>

#include "common/rng.hpp"
#include "common/streams.hpp"

namespace {

struct Kat {
  std::uint32_t ctr[4];
  std::uint32_t key[2];
  std::uint32_t expect[4];
};

// Random123 1.14 examples/kat_vectors, the three "philox4x32 10" lines (CTR, KEY, EXPECTED).
const Kat kKat[] = {
    {{0x00000000u, 0x00000000u, 0x00000000u, 0x00000000u},
     {0x00000000u, 0x00000000u},
     {0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u}},
    {{0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
     {0xffffffffu, 0xffffffffu},
     {0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu}},
    {{0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
     {0xa4093822u, 0x299f31d0u},
     {0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u}},
};

TEST(Philox, KnownAnswerVectors) {
  for (const Kat& k : kKat) {
    const mc::U32x4 r = mc::philox_words(mc::RngKey{k.key[0], k.key[1]}, k.ctr[0], k.ctr[1], k.ctr[2], k.ctr[3]);
    for (int i = 0; i < 4; ++i)
      EXPECT_EQ(r.v[i], k.expect[i]) << "word " << i << " for ctr " << std::hex << k.ctr[0] << " key " << k.key[0];
  }
}

TEST(Philox, KeyIsSeedThenStream) {
  // RngKey{seed, stream} is the Philox key {k0, k1} in that order.
  r123::Philox4x32_R<10> gen;
  const r123::Philox4x32::ctr_type ctr = {{1u, 2u, 3u, 4u}};
  const r123::Philox4x32::key_type key = {{0xdeadbeefu, mc::stream::kCycle}};
  const r123::Philox4x32::ctr_type ref = gen(ctr, key);
  const mc::U32x4 r = mc::philox_words(mc::RngKey{0xdeadbeefu, mc::stream::kCycle}, 1u, 2u, 3u, 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(r.v[i], ref[i]) << "word " << i;
}

TEST(Philox, CounterLayoutEntityStepDraw) {
  // counter = {entity low, entity high, step low, step bits 32..47 | draw << 16}.
  const mc::RngKey key{12345u, mc::stream::kTest};
  const std::uint64_t entity = 0x123456789abcdef0ull;
  const std::uint64_t step = 0x0000abcd87654321ull;  // < 2^48
  const std::uint32_t draw = 0x7u;
  EXPECT_EQ(mc::step_hi_draw(step, draw), 0x0007abcdu);
  EXPECT_EQ(mc::step_hi_draw(0xffffffffffffull, 0xffffu), 0xffffffffu);
  EXPECT_EQ(mc::step_hi_draw(41, 0), 0u);
  const mc::U32x4 a = mc::philox(key, entity, step, draw);
  const mc::U32x4 b = mc::philox_words(key, 0x9abcdef0u, 0x12345678u, 0x87654321u, 0x0007abcdu);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.v[i], b.v[i]) << "word " << i;

  // Each coordinate changes the output.
  const mc::U32x4 base = mc::philox(key, 5, 9, 0);
  const mc::U32x4 others[] = {mc::philox(key, 6, 9, 0), mc::philox(key, 5, 10, 0), mc::philox(key, 5, 9, 1),
                              mc::philox(key, 5 + (1ull << 32), 9, 0), mc::philox(key, 5, 9 + (1ull << 32), 0),
                              mc::philox(mc::RngKey{12346u, mc::stream::kTest}, 5, 9, 0),
                              mc::philox(mc::RngKey{12345u, mc::stream::kCycle}, 5, 9, 0)};
  for (const mc::U32x4& o : others) {
    bool differs = false;
    for (int i = 0; i < 4; ++i) differs |= o.v[i] != base.v[i];
    EXPECT_TRUE(differs);
  }
}

TEST(Philox, SameDrawTwiceIsEqual) {
  const mc::RngKey key{2024u, mc::stream::kDeviceToDevice};
  for (std::uint64_t e = 0; e < 1000; e += 7) {
    const mc::U32x4 a = mc::philox(key, e, e * 3, 2);
    const mc::U32x4 b = mc::philox(key, e, e * 3, 2);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(a.v[i], b.v[i]);
    const mc::F32x4 za = mc::normals(a), zb = mc::normals(b);
    for (int i = 0; i < 4; ++i) ASSERT_EQ(za.v[i], zb.v[i]);  // bitwise: same integers, same float ops
  }
}

// Resolution of u01 as documented in rng.hpp: the top 23 bits, u = (k + ½)·2^-23, every value an exact float.
// (With 24 bits a midpoint above ½ is not a float, and u01 reached 1.0 exactly: this test caught that.)
constexpr int kU01Bits = 23;

TEST(U01, EndpointsAreExact) {
  // The smallest value is ½·2^-bits and the largest must be its mirror 1 − u01(0), strictly below 1. Compared
  // in double: 1 − 2^-25 is not a float (it rounds to 1.0f), so comparing with the float 1.0f − 0x1p-25f would
  // hide a u01 that returns exactly 1.
  const float half_step = std::ldexp(1.0f, -(kU01Bits + 1));
  EXPECT_EQ(mc::u01(0u), half_step);
  EXPECT_EQ(mc::u01((1u << (32 - kU01Bits)) - 1u), half_step);  // low bits ignored
  EXPECT_EQ(mc::u01(1u << (32 - kU01Bits)), 3 * half_step);
  EXPECT_LT(mc::u01(0xffffffffu), 1.0f) << "u01(0xffffffff) must lie in the open interval (0, 1)";
  EXPECT_EQ(static_cast<double>(mc::u01(0xffffffffu)), 1.0 - static_cast<double>(half_step))
      << "u01(0xffffffff) = " << static_cast<double>(mc::u01(0xffffffffu)) << " is not 1 - u01(0)";
}

TEST(U01, OpenIntervalSymmetricAndMonotoneOverAllTop24BitPatterns) {
  // Every one of the 2^24 patterns must map strictly inside (0, 1); the mapping must be nondecreasing and
  // mirror-symmetric, u01(~x) = 1 − u01(x) exactly (true when every value is an exact lattice midpoint, as the
  // header promises: "exact in float, identical on every backend"). Symmetry keeps inversion samplers such as
  // laplace_from_uniform unbiased.
  std::uint64_t outside = 0, asym = 0, descending = 0;
  std::uint32_t first_outside = 0, first_asym = 0;
  double sum = 0.0;
  float prev = 0.0f;
  for (std::uint32_t k = 0; k < (1u << 24); ++k) {
    const std::uint32_t x = k << 8 | 0x5au;
    const float u = mc::u01(x);
    sum += u;
    if (!(u > 0.0f && u < 1.0f) && outside++ == 0) first_outside = k;
    if (static_cast<double>(mc::u01(~x)) != 1.0 - static_cast<double>(u) && asym++ == 0) first_asym = k;
    descending += u < prev;
    prev = u;
  }
  EXPECT_EQ(outside, 0u) << "first top-24-bit pattern mapped outside (0,1): 0x" << std::hex << first_outside;
  EXPECT_EQ(asym, 0u) << "u01(~x) != 1 - u01(x) for " << asym << " patterns, first 0x" << std::hex << first_asym;
  EXPECT_EQ(descending, 0u);
  EXPECT_NEAR(sum / 16777216.0, 0.5, 1e-9);
}

TEST(U01, UniformsMapsEachWord) {
  const mc::U32x4 r{{0u, 0x80000000u, 0x40000000u, 0x00000100u}};
  const mc::F32x4 u = mc::uniforms(r);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(u.v[i], mc::u01(r.v[i]));
}

}  // namespace

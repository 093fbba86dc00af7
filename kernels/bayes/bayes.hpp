// The stochastic-bitstream Bayesian machine (docs/physics.md §3; Harabi et al., Nature Electronics 2023), written
// once for every backend. A grid of blocks, one row per class y and one column per observation i; block (y, i)
// holds the B-bit likelihood word W of the observed value. Each clock cycle every block compares W with a
// B-bit random number R, giving a bit that is 1 with probability ~W/2^B; the bits of a row are ANDed (a
// product of likelihoods) and counted per class; the decision is the largest count after T cycles, or the
// first count to reach K (early stop).
//
// Bit-parallel: 64 consecutive cycles of a block are one 64-bit word. The comparison R < W is done on the
// B bit-planes of R (plane j, bit t = bit j of R at cycle t), most significant first.
//
// Generators. lfsr: a B-bit Fibonacci LFSR shifting right, s' = (s >> 1) | (parity(s & taps) << (B−1));
// R at cycle t is its state s_t, so bit j of s_t is output bit o_{t+j} (o_k = bit 0 of s_k), and plane j over
// cycles t..t+63 is output bits t+j..t+j+63: two 64-bit words of a precomputed table. R takes the values
// 1..2^B−1, and the LFSR bit is (R ≤ W): probability W/(2^B−1) over a period. philox: R uniform on 0..2^B−1
// from Philox, bit (R < W): probability W/2^B. Either way the probability is W times a constant shared by all
// blocks, so count ratios estimate likelihood-product ratios.
//
// Faults: single-event upsets (SEU) hit the volatile registers at a rate per bit per cycle: LFSR states (a
// phase jump, or a lock at zero when the state becomes 0), counters (a flipped bit of the count, which wraps
// at the counter's width), and the latched copies of the stored words (until the next power-on, or the next
// cycle's read when words are reread every cycle; the memristors themselves keep the word). Every inference
// starts from power-on: words read from the devices, LFSRs at their seeds, counters at 0. Inferences without
// an upset take the bit-parallel path; those with one, and every inference that rereads its words each cycle,
// take an exact cycle-by-cycle path that gives the same bits when nothing happens (tested).
//
// Units: cycles counted; no physical units here. No CUDA API, exceptions, std::vector or I/O.
#pragma once
#include <cmath>

#include "bayes/storage.hpp"
#include "common/rng.hpp"
#include "common/streams.hpp"

namespace mc {

constexpr int kBayesMaxBits = 16;
constexpr int kBayesMaxClasses = 32;
constexpr int kBayesMaxObservations = 128;
constexpr int kBayesMaxBlocks = 2048;       ///< classes × observations
constexpr int kBayesMaxCheckpoints = 32;    ///< cycle counts where decisions are taken
constexpr std::uint64_t kBayesMaxCycles = std::uint64_t{1} << 32;

enum class BayesGenerator : int { kLfsr = 0, kPhilox = 1 };
/// Which blocks share one LFSR: each its own, one per class row, one per observation column, one for all.
enum class LfsrSharing : int { kPerBlock = 0, kPerRow = 1, kPerColumn = 2, kGlobal = 3 };
/// LFSR start states: random phases per inference (Philox), or fixed: LFSR k starts k·spacing steps after `seed`.
enum class LfsrSeeding : int { kRandom = 0, kFixed = 1 };

/// SEU targets (bit mask).
constexpr std::uint32_t kSeuLfsr = 1, kSeuCounters = 2, kSeuWords = 4;

/// Everything an inference needs, as plain data. Tables are owned by the caller (host or GPU memory).
struct BayesMachineParams {
  int classes, observations, bits;
  BayesGenerator generator;
  LfsrSharing sharing;
  LfsrSeeding seeding;
  std::uint32_t taps;        ///< LFSR feedback mask (bit k set: state bit k feeds back)
  std::uint32_t lfsr_seed;   ///< fixed seeding: nonzero start state of LFSR 0
  std::uint32_t lfsr_spacing;  ///< fixed seeding: steps between the start states of consecutive LFSRs
  std::uint64_t cycles;      ///< T
  std::uint32_t early_stop;  ///< K: first count to reach K decides (0: off)
  int counter_bits;          ///< width of each class counter (counts wrap there)
  int checkpoints;           ///< number of entries of checkpoint[]
  std::uint64_t checkpoint[kBayesMaxCheckpoints];  ///< increasing, the last equal to cycles
  double seu_rate;           ///< upsets per bit per cycle, [0, 1)
  std::uint32_t seu_targets; ///< kSeu* mask
  std::uint32_t seed;        ///< point seed (first Philox key word)
  const std::uint64_t* next64;  ///< lfsr: [2^B] the next 64 output bits from a state
  const std::uint16_t* jump64;  ///< lfsr: [2^B] the state 64 steps later
  // Reads of the stored words by the kernel. kChip: the words given are the words read, latched for the whole
  // inference. kInference: the words given are those written; each inference reads them once at power-on
  // (stored_word_read, read 1 + inference). kCycle: every bit is read again each clock cycle
  // (stored_bit_cycle_read), and every inference takes the cycle-by-cycle path.
  StorageReread reread;
  StorageParams storage;        ///< reread: the storage model
  const StoredCell* cells;      ///< reread, errors device: programmed cells of every stored bit (global bit index), or null
  const std::uint32_t* word_ids;  ///< reread: per inference, the global stored-word index of each block (same
                                  ///< layout and stride as the words); bit j of block b is stored bit word_ids[b]·B + j
};

/// What one inference produced.
struct BayesOutcome {
  std::int16_t decision[kBayesMaxCheckpoints];  ///< class decided at each checkpoint (ties broken at random)
  std::uint8_t tied[kBayesMaxCheckpoints];      ///< 1 when the largest count was shared
  std::int16_t early_decision;                  ///< first to K (or the decision at T when none reached K)
  std::uint8_t early_tied;
  std::uint8_t slow_path;                       ///< 1: an upset happened (cycle-by-cycle path)
  std::uint64_t cycles_to_decision;             ///< early stop: the cycle count when a class reached K (else T)
  std::uint32_t counts[kBayesMaxClasses];       ///< counter values at T
  std::uint32_t upsets;                         ///< upsets injected
  std::uint64_t read_errors;                    ///< reread: stored bits read wrong, summed over the reads
};

// ------------------------------------------------------------------------------------------------ LFSR

MC_HD std::uint32_t parity32(std::uint32_t x) {
#if defined(__CUDA_ARCH__)
  return static_cast<std::uint32_t>(__popc(x) & 1);
#else
  return static_cast<std::uint32_t>(__builtin_parity(x));
#endif
}

MC_HD int popcount64(std::uint64_t x) {
#if defined(__CUDA_ARCH__)
  return __popcll(x);
#else
  return __builtin_popcountll(x);
#endif
}

/// One step of a right-shifting Fibonacci LFSR of `bits` bits (state 0 stays 0).
MC_HD std::uint32_t lfsr_step(std::uint32_t s, std::uint32_t taps, int bits) {
  return (s >> 1) | (parity32(s & taps) << (bits - 1));
}

/// Period of the LFSR from state 1 (0 when it never returns to 1 within 2^bits steps, i.e. 1 is on a tail).
/// Maximal length: period 2^bits − 1. Cheap for bits ≤ 16.
MC_HD std::uint32_t lfsr_period(std::uint32_t taps, int bits) {
  std::uint32_t s = 1;
  const std::uint32_t limit = 1u << bits;
  for (std::uint32_t n = 1; n <= limit; ++n) {
    s = lfsr_step(s, taps, bits);
    if (s == 1) return n;
  }
  return 0;
}

/// A maximal-length tap mask for 1 ≤ bits ≤ 16 (right-shift Fibonacci form; Xilinx XAPP052 polynomials).
MC_HD std::uint32_t default_taps(int bits) {
  // Bit k of the mask is the coefficient of x^k after mirroring the polynomial into the right-shift form.
  const std::uint32_t t[17] = {0, 0x1, 0x3, 0x3, 0x3, 0x5, 0x3, 0x3, 0x1d, 0x11, 0x9, 0x5, 0x53, 0x1b, 0x2b, 0x3, 0x2d};
  return t[bits];
}

/// The table entries of one state: the next 64 output bits, and the state 64 steps later.
MC_HD void lfsr_table_entry(std::uint32_t s, std::uint32_t taps, int bits, std::uint64_t* next, std::uint16_t* jump) {
  std::uint64_t w = 0;
  for (int k = 0; k < 64; ++k) {
    w |= static_cast<std::uint64_t>(s & 1u) << k;
    s = lfsr_step(s, taps, bits);
  }
  *next = w;
  *jump = static_cast<std::uint16_t>(s);
}

/// Number of LFSRs under a sharing mode, and the LFSR of block (y, i).
MC_HD int lfsr_count(const BayesMachineParams& p) {
  switch (p.sharing) {
    case LfsrSharing::kPerBlock: return p.classes * p.observations;
    case LfsrSharing::kPerRow: return p.classes;
    case LfsrSharing::kPerColumn: return p.observations;
    default: return 1;
  }
}
MC_HD int lfsr_of(const BayesMachineParams& p, int y, int i) {
  switch (p.sharing) {
    case LfsrSharing::kPerBlock: return y * p.observations + i;
    case LfsrSharing::kPerRow: return y;
    case LfsrSharing::kPerColumn: return i;
    default: return 0;
  }
}

/// Random start state from a 32-bit word: uniform on 1..2^B−1 up to a relative bias below 2^B/2^32.
MC_HD std::uint32_t lfsr_random_state(std::uint32_t x, int bits) {
  const std::uint32_t mask = (1u << bits) - 1u;
  return 1u + static_cast<std::uint32_t>((static_cast<std::uint64_t>(x) * mask) >> 32);
}

/// Start state of LFSR k at power-on for an inference: random (a uniform nonzero state, i.e. a uniform phase of
/// a maximal LFSR, from word k mod 4 of philox({seed, kBayesLfsrSeed}, inference, k / 4, 0)), or fixed
/// (k·spacing steps after lfsr_seed).
MC_HD std::uint32_t lfsr_start(const BayesMachineParams& p, std::uint64_t inference, int k) {
  const std::uint32_t mask = (1u << p.bits) - 1u;
  if (p.seeding == LfsrSeeding::kRandom) {
    const U32x4 r = philox(RngKey{p.seed, stream::kBayesLfsrSeed}, inference, static_cast<std::uint64_t>(k >> 2), 0);
    return lfsr_random_state(r.v[k & 3], p.bits);
  }
  std::uint32_t s = p.lfsr_seed & mask;
  std::uint64_t steps = static_cast<std::uint64_t>(k) * p.lfsr_spacing;
  while (steps >= 64) {
    s = p.jump64[s];
    steps -= 64;
  }
  for (; steps > 0; --steps) s = lfsr_step(s, p.taps, p.bits);
  return s;
}

/// Start states of LFSRs 0..count−1 (as lfsr_start), four per Philox call in a loop the compiler vectorizes.
MC_HD void lfsr_starts(const BayesMachineParams& p, std::uint64_t inference, int count, std::uint16_t* out) {
  if (p.seeding != LfsrSeeding::kRandom) {
    for (int k = 0; k < count; ++k) out[k] = static_cast<std::uint16_t>(lfsr_start(p, inference, k));
    return;
  }
  const RngKey key{p.seed, stream::kBayesLfsrSeed};
  const std::uint32_t lo = static_cast<std::uint32_t>(inference), hi = static_cast<std::uint32_t>(inference >> 32);
  const int quads = (count + 3) / 4;
  std::uint16_t tmp[kBayesMaxBlocks + 4];
  for (int q = 0; q < quads; ++q) {
    const U32x4 r = philox_words(key, lo, hi, static_cast<std::uint32_t>(q), step_hi_draw(static_cast<std::uint64_t>(q), 0));
    for (int h = 0; h < 4; ++h) tmp[4 * q + h] = static_cast<std::uint16_t>(lfsr_random_state(r.v[h], p.bits));
  }
  for (int k = 0; k < count; ++k) out[k] = tmp[k];
}

// ------------------------------------------------------------------------------------ bit-sliced compare

/// Bit-plane j over 64 cycles from the output words o[t..t+63] (w0) and o[t+64..t+127] (w1).
MC_HD std::uint64_t lfsr_plane(std::uint64_t w0, std::uint64_t w1, int j) {
  return j == 0 ? w0 : (w0 >> j) | (w1 << (64 - j));
}

/// 64 cycles of an LFSR block: bit t = (s_t ≤ W), s_t the state at cycle t (w0, w1 as for lfsr_plane).
MC_HD std::uint64_t lfsr_block_bits(std::uint64_t w0, std::uint64_t w1, std::uint32_t word, int bits) {
  std::uint64_t gt = 0, eq = ~std::uint64_t{0};
  for (int j = bits - 1; j >= 0; --j) {
    const std::uint64_t r = lfsr_plane(w0, w1, j);
    const std::uint64_t m = std::uint64_t{0} - ((word >> j) & 1u);
    gt |= eq & r & ~m;
    eq &= ~(r ^ m);
  }
  return ~gt;
}

/// 64 cycles of a Philox block: bit t = (R_t < W) with R_t uniform on 0..2^B−1; planes from
/// philox({seed, kBayesPhilox}, inference, word_index, block·8 + j/2), two planes per call.
MC_HD std::uint64_t philox_block_bits(const BayesMachineParams& p, std::uint64_t inference, std::uint64_t word_index,
                                      int block, std::uint32_t word) {
  std::uint64_t lt = 0, eq = ~std::uint64_t{0};
  const RngKey key{p.seed, stream::kBayesPhilox};
  for (int j2 = (p.bits - 1) / 2; j2 >= 0; --j2) {
    const U32x4 r4 = philox(key, inference, word_index, static_cast<std::uint32_t>(block * 8 + j2));
    const std::uint64_t planes[2] = {(static_cast<std::uint64_t>(r4.v[1]) << 32) | r4.v[0],
                                     (static_cast<std::uint64_t>(r4.v[3]) << 32) | r4.v[2]};
    for (int h = 1; h >= 0; --h) {
      const int j = 2 * j2 + h;
      if (j >= p.bits) continue;
      const std::uint64_t r = planes[h];
      const std::uint64_t m = std::uint64_t{0} - ((word >> j) & 1u);
      lt |= eq & ~r & m;
      eq &= ~(r ^ m);
    }
  }
  return lt;
}

/// Bit j of the Philox number of block `block` at cycle t (the cycle-by-cycle path's view of the same draws).
MC_HD std::uint32_t philox_number(const BayesMachineParams& p, std::uint64_t inference, std::uint64_t t, int block) {
  const RngKey key{p.seed, stream::kBayesPhilox};
  const std::uint64_t w = t >> 6;
  const int b = static_cast<int>(t & 63);
  std::uint32_t r = 0;
  for (int j2 = 0; 2 * j2 < p.bits; ++j2) {
    const U32x4 r4 = philox(key, inference, w, static_cast<std::uint32_t>(block * 8 + j2));
    const std::uint64_t planes[2] = {(static_cast<std::uint64_t>(r4.v[1]) << 32) | r4.v[0],
                                     (static_cast<std::uint64_t>(r4.v[3]) << 32) | r4.v[2]};
    r |= static_cast<std::uint32_t>((planes[0] >> b) & 1u) << (2 * j2);
    if (2 * j2 + 1 < p.bits) r |= static_cast<std::uint32_t>((planes[1] >> b) & 1u) << (2 * j2 + 1);
  }
  return r;
}

// ------------------------------------------------------------------------------------------ decisions

/// Largest of counts[0..classes) with ties broken uniformly by philox({seed, kBayesTie}, inference, k, 0).
MC_HD int decide(const std::uint32_t* counts, int classes, std::uint32_t seed, std::uint64_t inference, int k, bool* tied) {
  std::uint32_t best = 0;
  int n_best = 0;
  for (int y = 0; y < classes; ++y) {
    if (counts[y] > best || n_best == 0) best = counts[y], n_best = 1;
    else if (counts[y] == best) ++n_best;
  }
  *tied = n_best > 1;
  int pick = 0;
  if (n_best > 1) {
    const U32x4 r = philox(RngKey{seed, stream::kBayesTie}, inference, static_cast<std::uint64_t>(k), 0);
    pick = static_cast<int>((static_cast<std::uint64_t>(r.v[0]) * static_cast<std::uint32_t>(n_best)) >> 32);
  }
  for (int y = 0; y < classes; ++y)
    if (counts[y] == best && pick-- == 0) return y;
  return 0;
}

/// Position (0-based) of the n-th set bit (0-based n) of x; x has more than n set bits.
MC_HD int select_bit(std::uint64_t x, int n) {
  for (; n > 0; --n) x &= x - 1;
  int pos = 0;
  while (!(x & 1u)) x >>= 1, ++pos;
  return pos;
}

/// Early-stop decision from the cycle count at which each class reached K (0 = never).
MC_HD void decide_early(const BayesMachineParams& p, const std::uint64_t* reach, std::uint64_t inference, BayesOutcome& o) {
  std::uint64_t first = 0;
  for (int y = 0; y < p.classes; ++y)
    if (reach[y] && (first == 0 || reach[y] < first)) first = reach[y];
  if (first == 0) {
    o.early_decision = o.decision[p.checkpoints - 1];
    o.early_tied = o.tied[p.checkpoints - 1];
    o.cycles_to_decision = p.cycles;
    return;
  }
  std::uint32_t at_first[kBayesMaxClasses];
  for (int y = 0; y < p.classes; ++y) at_first[y] = reach[y] == first ? 1u : 0u;
  bool tied = false;
  o.early_decision = static_cast<std::int16_t>(decide(at_first, p.classes, p.seed, inference, kBayesMaxCheckpoints, &tied));
  o.early_tied = tied;
  o.cycles_to_decision = first;
}

// ------------------------------------------------------------------------------------------------ SEU

/// Bits exposed to upsets each cycle: LFSR states, counters, latched words (those targeted).
MC_HD std::uint64_t seu_bits_per_cycle(const BayesMachineParams& p) {
  std::uint64_t n = 0;
  if (p.seu_targets & kSeuLfsr) n += static_cast<std::uint64_t>(lfsr_count(p)) * p.bits;
  if (p.seu_targets & kSeuCounters) n += static_cast<std::uint64_t>(p.classes) * p.counter_bits;
  if (p.seu_targets & kSeuWords) n += static_cast<std::uint64_t>(p.classes) * p.observations * p.bits;
  return n;
}

/// Upsets as positions in cycle-major order (position = cycle·bits_per_cycle + bit), by geometric gaps drawn
/// from philox({seed, kBayesSeu}, inference, event, 0). next() returns the next position, or `end` when none.
struct SeuStream {
  double log1m_rate;
  std::uint64_t pos, end, event;
  std::uint32_t seed, stream_id;
  std::uint64_t inference;

  MC_HD std::uint64_t next() {
    if (!(log1m_rate < 0.0)) return pos = end;
    const U32x4 r = philox(RngKey{seed, stream_id}, inference, event++, 0);
    const double u = u01_53(r.v[0], r.v[1]);
    const double gap = floor(log(u) / log1m_rate);
    const double room = static_cast<double>(end - pos);
    pos = gap >= room ? end : pos + static_cast<std::uint64_t>(gap);
    return pos;
  }
};

/// Upsets at `rate` over positions [0, end) of one inference, drawn on stream `stream_id`.
MC_HD SeuStream make_seu_stream(double rate, std::uint64_t end, std::uint32_t seed, std::uint32_t stream_id, std::uint64_t inference) {
  SeuStream s;
  s.log1m_rate = rate > 0.0 ? log1p(-rate) : 0.0;
  s.pos = 0;
  s.end = end;
  s.event = 0;
  s.seed = seed;
  s.stream_id = stream_id;
  s.inference = inference;
  return s;
}

MC_HD SeuStream seu_stream(const BayesMachineParams& p, std::uint64_t inference) {
  return make_seu_stream(p.seu_rate, p.cycles * seu_bits_per_cycle(p), p.seed, stream::kBayesSeu, inference);
}

// --------------------------------------------------------------------------------------------- inference

/// The mask of bit j of a word: all ones where the bit is 1.
MC_HD std::uint64_t bit_mask(std::uint32_t word, int j) { return std::uint64_t{0} - ((word >> j) & 1u); }

/// The AND over a row's observations of 64 LFSR cycles, for B fixed at compile time. cur[i]: the output bits
/// of observation i's LFSR for this word's 64 cycles; st[i]: its state at the start of the next word. The table
/// lookups come first, then the compares in a loop that the compiler vectorizes across observations. Lean (the
/// GPU's choice): the masks of the words' bits are formed in the loop from row_words; otherwise they come from
/// m[j][i], a 16 KB table the host builds once per row (faster on a CPU's stack, too large for a GPU thread's
/// local memory). Both give the same bits.
template <int B, bool Lean>
MC_HD std::uint64_t lfsr_row_word(const BayesMachineParams& p, std::uint16_t* st, std::uint64_t* cur,
                                  const std::uint16_t* row_words, const std::uint64_t (*m)[kBayesMaxObservations]) {
  std::uint64_t nxt[kBayesMaxObservations];
  const int n = p.observations;
  for (int i = 0; i < n; ++i) {
    nxt[i] = p.next64[st[i]];
    st[i] = p.jump64[st[i]];
  }
  std::uint64_t row = ~std::uint64_t{0};
  for (int i = 0; i < n; ++i) {
    const std::uint64_t w0 = cur[i], w1 = nxt[i];
    std::uint64_t gt = 0, eq = ~std::uint64_t{0};
    for (int j = B - 1; j >= 0; --j) {
      const std::uint64_t r = lfsr_plane(w0, w1, j);
      const std::uint64_t mj = Lean ? bit_mask(row_words[i], j) : m[j][i];
      gt |= eq & r & ~mj;
      eq &= ~(r ^ mj);
    }
    row &= ~gt;
    cur[i] = w1;
  }
  return row;
}

/// One class row of an LFSR machine over n_words 64-cycle words (row_out[w]: the AND bits of word w), from the
/// states row_state[i] of observation i's LFSR at the first word.
template <int B, bool Lean>
MC_HD void lfsr_row(const BayesMachineParams& p, const std::uint16_t* row_state, const std::uint16_t* row_words,
                    std::uint64_t* row_out, std::uint64_t n_words) {
  std::uint16_t st[kBayesMaxObservations];
  std::uint64_t cur[kBayesMaxObservations];
  std::uint64_t m[Lean ? 1 : B][kBayesMaxObservations];
  for (int i = 0; i < p.observations; ++i) {
    const std::uint16_t s0 = row_state[i];
    cur[i] = p.next64[s0];
    st[i] = p.jump64[s0];
    if (!Lean)
      for (int j = 0; j < B; ++j) m[j][i] = bit_mask(row_words[i], j);
  }
  for (std::uint64_t w = 0; w < n_words; ++w) row_out[w] = lfsr_row_word<B, Lean>(p, st, cur, row_words, m);
}

template <bool Lean>
MC_HD void lfsr_row_any(const BayesMachineParams& p, const std::uint16_t* row_state, const std::uint16_t* row_words,
                        std::uint64_t* row_out, std::uint64_t n_words) {
  switch (p.bits) {
    case 1: return lfsr_row<1, Lean>(p, row_state, row_words, row_out, n_words);
    case 2: return lfsr_row<2, Lean>(p, row_state, row_words, row_out, n_words);
    case 3: return lfsr_row<3, Lean>(p, row_state, row_words, row_out, n_words);
    case 4: return lfsr_row<4, Lean>(p, row_state, row_words, row_out, n_words);
    case 5: return lfsr_row<5, Lean>(p, row_state, row_words, row_out, n_words);
    case 6: return lfsr_row<6, Lean>(p, row_state, row_words, row_out, n_words);
    case 7: return lfsr_row<7, Lean>(p, row_state, row_words, row_out, n_words);
    case 8: return lfsr_row<8, Lean>(p, row_state, row_words, row_out, n_words);
    case 9: return lfsr_row<9, Lean>(p, row_state, row_words, row_out, n_words);
    case 10: return lfsr_row<10, Lean>(p, row_state, row_words, row_out, n_words);
    case 11: return lfsr_row<11, Lean>(p, row_state, row_words, row_out, n_words);
    case 12: return lfsr_row<12, Lean>(p, row_state, row_words, row_out, n_words);
    case 13: return lfsr_row<13, Lean>(p, row_state, row_words, row_out, n_words);
    case 14: return lfsr_row<14, Lean>(p, row_state, row_words, row_out, n_words);
    case 15: return lfsr_row<15, Lean>(p, row_state, row_words, row_out, n_words);
    default: return lfsr_row<16, Lean>(p, row_state, row_words, row_out, n_words);
  }
}

constexpr std::uint64_t kBayesChunkWords = 64;  ///< 64-cycle words of a row computed per pass (4096 cycles)

/// Bit-parallel inference without upsets. words: [classes × observations] the latched words of this inference.
/// Lean (the GPU's choice, 12 KB less local memory per thread): the LFSR start states are drawn per row as they
/// are needed instead of once into a table of every LFSR, and the word masks formed on the fly; same bits.
template <bool Lean>
MC_HD void infer_fast(const BayesMachineParams& p, const std::uint16_t* words, std::uint64_t inference, BayesOutcome& o) {
  const std::uint64_t n_words = (p.cycles + 63) / 64;
  std::uint64_t reach[kBayesMaxClasses];
  std::uint32_t at_k[kBayesMaxCheckpoints][kBayesMaxClasses];
  std::uint16_t start[Lean ? 1 : kBayesMaxBlocks];
  if (!Lean && p.generator == BayesGenerator::kLfsr) lfsr_starts(p, inference, lfsr_count(p), start);
  for (int y = 0; y < p.classes; ++y) {
    const std::uint16_t* row_words = words + y * p.observations;
    std::uint64_t count = 0;
    reach[y] = 0;
    int next_k = 0;
    // LFSR rows are computed in chunks of words (the states of the row's LFSRs carried in `row_state`), then counted.
    std::uint16_t row_state[kBayesMaxObservations];
    if (p.generator == BayesGenerator::kLfsr)
      for (int i = 0; i < p.observations; ++i) {
        const int k = lfsr_of(p, y, i);
        row_state[i] = static_cast<std::uint16_t>(Lean ? lfsr_start(p, inference, k) : start[k]);
      }
    std::uint64_t chunk[kBayesChunkWords];
    for (std::uint64_t c0 = 0; c0 < n_words; c0 += kBayesChunkWords) {
      const std::uint64_t c1 = n_words - c0 < kBayesChunkWords ? n_words : c0 + kBayesChunkWords;
      if (p.generator == BayesGenerator::kLfsr) {
        lfsr_row_any<Lean>(p, row_state, row_words, chunk, c1 - c0);
        if (c1 < n_words)  // advance this row's LFSRs to the next chunk (64·(c1 − c0) steps)
          for (int i = 0; i < p.observations; ++i) {
            std::uint32_t st = row_state[i];
            for (std::uint64_t w = c0; w < c1; ++w) st = p.jump64[st];
            row_state[i] = static_cast<std::uint16_t>(st);
          }
      } else {
        for (std::uint64_t w = c0; w < c1; ++w) {
          std::uint64_t row = ~std::uint64_t{0};
          for (int i = 0; i < p.observations; ++i) row &= philox_block_bits(p, inference, w, y * p.observations + i, row_words[i]);
          chunk[w - c0] = row;
        }
      }
      for (std::uint64_t w = c0; w < c1; ++w) {
        const std::uint64_t t0 = 64 * w;
        const std::uint64_t valid = p.cycles - t0 >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << (p.cycles - t0)) - 1;
        const std::uint64_t row = chunk[w - c0] & valid;
        const int ones = popcount64(row);
        while (next_k < p.checkpoints && p.checkpoint[next_k] <= t0 + 64) {
          const std::uint64_t upto = p.checkpoint[next_k] - t0;  // 1..64 cycles of this word
          const std::uint64_t m = upto >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << upto) - 1;
          at_k[next_k][y] = static_cast<std::uint32_t>(count + popcount64(row & m));
          ++next_k;
        }
        if (p.early_stop && reach[y] == 0 && count + ones >= p.early_stop)
          reach[y] = t0 + select_bit(row, static_cast<int>(p.early_stop - count - 1)) + 1;
        count += ones;
      }
    }
    o.counts[y] = static_cast<std::uint32_t>(count);
  }
  for (int k = 0; k < p.checkpoints; ++k) {
    bool tied = false;
    o.decision[k] = static_cast<std::int16_t>(decide(at_k[k], p.classes, p.seed, inference, k, &tied));
    o.tied[k] = tied;
  }
  decide_early(p, reach, inference, o);
}

/// Exact cycle-by-cycle inference with upsets from `seu` (the same bits as infer_fast when none happen) and,
/// with reread kCycle, the stored words read again every cycle (word_ids: this inference's stored-word indices).
MC_HD void infer_slow(const BayesMachineParams& p, const std::uint16_t* words_in, const std::uint32_t* word_ids,
                      std::uint64_t inference, SeuStream seu, BayesOutcome& o) {
  const int L = lfsr_count(p);
  const int blocks = p.classes * p.observations;
  std::uint16_t st[kBayesMaxBlocks];
  std::uint16_t words[kBayesMaxBlocks];
  std::uint32_t counter[kBayesMaxClasses];
  std::uint64_t reach[kBayesMaxClasses];
  const std::uint32_t cmask = p.counter_bits >= 32 ? 0xffffffffu : (1u << p.counter_bits) - 1u;
  for (int b = 0; b < blocks; ++b) words[b] = words_in[b];
  if (p.generator == BayesGenerator::kLfsr) lfsr_starts(p, inference, L, st);
  for (int y = 0; y < p.classes; ++y) counter[y] = 0, reach[y] = 0;
  const std::uint64_t per_cycle = seu_bits_per_cycle(p);
  const std::uint64_t lfsr_bits = (p.seu_targets & kSeuLfsr) ? static_cast<std::uint64_t>(L) * p.bits : 0;
  const std::uint64_t counter_bits = (p.seu_targets & kSeuCounters) ? static_cast<std::uint64_t>(p.classes) * p.counter_bits : 0;
  std::uint64_t ev = seu.pos < seu.end ? seu.pos : seu.next();
  std::uint32_t upsets = 0;
  std::uint64_t read_errors = 0;
  int next_k = 0;
  for (std::uint64_t t = 0; t < p.cycles; ++t) {
    // Every cycle latches the words read anew (then this cycle's upsets may hit the latched copies).
    if (p.reread == StorageReread::kCycle)
      for (int b = 0; b < blocks; ++b) {
        std::uint32_t got = 0;
        for (int j = 0; j < p.bits; ++j) {
          const std::uint64_t bit = static_cast<std::uint64_t>(word_ids[b]) * p.bits + j;
          const StoredCell g = p.cells ? p.cells[bit] : StoredCell{0.0f, 0.0f};
          got |= static_cast<std::uint32_t>(stored_bit_cycle_read(p.storage, g, bit, (words_in[b] >> j) & 1u, inference, t)) << j;
        }
        read_errors += static_cast<std::uint64_t>(popcount64(got ^ words_in[b]));
        words[b] = static_cast<std::uint16_t>(got);
      }
    // Upsets of this cycle land before its compare.
    while (ev < seu.end && ev / per_cycle == t) {
      std::uint64_t bit = ev % per_cycle;
      if (bit < lfsr_bits) {
        st[bit / p.bits] ^= static_cast<std::uint16_t>(1u << (bit % p.bits));
      } else if ((bit -= lfsr_bits) < counter_bits) {
        counter[bit / p.counter_bits] ^= 1u << (bit % p.counter_bits);
      } else {
        bit -= counter_bits;
        words[bit / p.bits] ^= static_cast<std::uint16_t>(1u << (bit % p.bits));
      }
      ++upsets;
      ev = seu.pos + 1 < seu.end ? (++seu.pos, seu.next()) : seu.end;
    }
    for (int y = 0; y < p.classes; ++y) {
      std::uint32_t bit = 1;
      for (int i = 0; i < p.observations; ++i) {
        const int b = y * p.observations + i;
        if (p.generator == BayesGenerator::kLfsr) bit &= st[lfsr_of(p, y, i)] <= words[b] ? 1u : 0u;
        else bit &= philox_number(p, inference, t, b) < words[b] ? 1u : 0u;
      }
      counter[y] = (counter[y] + bit) & cmask;
      if (p.early_stop && reach[y] == 0 && counter[y] >= p.early_stop) reach[y] = t + 1;
    }
    if (p.generator == BayesGenerator::kLfsr)
      for (int k = 0; k < L; ++k) st[k] = static_cast<std::uint16_t>(lfsr_step(st[k], p.taps, p.bits));
    while (next_k < p.checkpoints && p.checkpoint[next_k] == t + 1) {
      bool tied = false;
      o.decision[next_k] = static_cast<std::int16_t>(decide(counter, p.classes, p.seed, inference, next_k, &tied));
      o.tied[next_k] = tied;
      ++next_k;
    }
  }
  for (int y = 0; y < p.classes; ++y) o.counts[y] = counter[y];
  o.upsets = upsets;
  o.read_errors = read_errors;
  decide_early(p, reach, inference, o);
}

/// One inference: the bit-parallel path unless an upset happens or words are reread every cycle (or force_slow,
/// for tests). word_ids: this inference's stored-word indices (reread kInference and kCycle; may be null otherwise).
/// Every field of the outcome is written (counts and decisions beyond `classes` and `checkpoints` are zero).
/// Lean: the variant with less local memory per thread that the CUDA kernel runs (infer_fast); same outcome.
template <bool Lean>
MC_HD void bayes_infer_latched(const BayesMachineParams& p, const std::uint16_t* words, const std::uint32_t* word_ids,
                               std::uint64_t inference, BayesOutcome& o, bool force_slow) {
  SeuStream seu = seu_stream(p, inference);
  seu.next();
  o.slow_path = (seu.pos < seu.end || force_slow || p.reread == StorageReread::kCycle) ? 1 : 0;
  if (o.slow_path) infer_slow(p, words, word_ids, inference, seu, o);
  else infer_fast<Lean>(p, words, inference, o);
}

/// Power-on reads of every word from the devices (reread kInference), then the inference on the words read.
template <bool Lean>
MC_HD void bayes_infer_read(const BayesMachineParams& p, const std::uint16_t* words, const std::uint32_t* word_ids,
                                  std::uint64_t inference, BayesOutcome& o, bool force_slow) {
  std::uint64_t read_errors = 0;
  std::uint16_t read[kBayesMaxBlocks];
  const int blocks = p.classes * p.observations;
  for (int b = 0; b < blocks; ++b) {
    const std::uint32_t got = stored_word_read(p.storage, static_cast<std::uint64_t>(word_ids[b]) * p.bits, words[b], p.bits, 1 + inference, p.cells);
    read_errors += static_cast<std::uint64_t>(popcount64(got ^ words[b]));
    read[b] = static_cast<std::uint16_t>(got);
  }
  bayes_infer_latched<Lean>(p, read, word_ids, inference, o, force_slow);
  o.read_errors = read_errors;
}

/// One inference: the bit-parallel path unless an upset happens or words are reread every cycle (or force_slow,
/// for tests). word_ids: this inference's stored-word indices (reread kInference and kCycle; may be null otherwise).
/// Every field of the outcome is written (counts and decisions beyond `classes` and `checkpoints` are zero).
/// Lean: the variant with less local memory per thread that the CUDA kernel runs (infer_fast); same outcome.
template <bool Lean = false>
MC_HD void bayes_infer(const BayesMachineParams& p, const std::uint16_t* words, const std::uint32_t* word_ids, std::uint64_t inference,
                       BayesOutcome& o, bool force_slow = false) {
  o = BayesOutcome{};
  if (p.reread == StorageReread::kInference) bayes_infer_read<Lean>(p, words, word_ids, inference, o, force_slow);
  else bayes_infer_latched<Lean>(p, words, word_ids, inference, o, force_slow);
}

/// One inference of a machine whose words are latched for the whole inference (no per-cycle reads).
MC_HD void bayes_infer(const BayesMachineParams& p, const std::uint16_t* words, std::uint64_t inference, BayesOutcome& o,
                       bool force_slow = false) {
  bayes_infer<false>(p, words, nullptr, inference, o, force_slow);
}

// --------------------------------------------------------------------------- conventional fixed-point NB

/// A conventional fixed-point naive Bayes [the comparison of Harabi 2023]: B-bit negative log-likelihood words
/// summed into one accumulator per class of `acc_bits` bits, one word per cycle (classes × observations cycles),
/// the smallest sum wins. Upsets at `rate` per bit per cycle hit the accumulators (with kSeuCounters; all live
/// for the whole run) and, with kSeuWords, the word being added, drawn on stream `stream_id` (kBayesFixedPointSeu
/// or kBayesLogSeu). Ties broken as in decide(). Returns the class.
MC_HD int fixed_point_nb(const std::uint16_t* logwords, int classes, int observations, int bits, int acc_bits,
                         double rate, std::uint32_t targets, std::uint32_t seed, std::uint32_t stream_id, std::uint64_t inference,
                         bool* tied, std::uint32_t* upsets) {
  std::uint32_t acc[kBayesMaxClasses];
  for (int y = 0; y < classes; ++y) acc[y] = 0;
  const std::uint32_t amask = acc_bits >= 32 ? 0xffffffffu : (1u << acc_bits) - 1u;
  const std::uint64_t cycles = static_cast<std::uint64_t>(classes) * observations;
  const std::uint64_t acc_exposed = (targets & kSeuCounters) ? static_cast<std::uint64_t>(classes) * acc_bits : 0;
  const std::uint64_t per_cycle = acc_exposed + ((targets & kSeuWords) ? static_cast<std::uint64_t>(bits) : 0);
  SeuStream seu = make_seu_stream(rate, cycles * per_cycle, seed, stream_id, inference);
  std::uint64_t ev = seu.next();
  *upsets = 0;
  for (std::uint64_t t = 0; t < cycles; ++t) {
    const int y = static_cast<int>(t / observations), i = static_cast<int>(t % observations);
    std::uint32_t word = logwords[y * observations + i];
    while (ev < seu.end && ev / per_cycle == t) {
      const std::uint64_t bit = ev % per_cycle;
      if (bit < acc_exposed) acc[bit / acc_bits] ^= 1u << (bit % acc_bits);
      else word ^= 1u << (bit - acc_exposed);
      ++*upsets;
      ev = seu.pos + 1 < seu.end ? (++seu.pos, seu.next()) : seu.end;
    }
    acc[y] = (acc[y] + word) & amask;
  }
  // Smallest negative log-likelihood: decide on the complement.
  std::uint32_t score[kBayesMaxClasses];
  for (int y = 0; y < classes; ++y) score[y] = amask - acc[y];
  return decide(score, classes, seed, inference, kBayesMaxCheckpoints + 1, tied);
}

}  // namespace mc

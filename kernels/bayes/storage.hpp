// Storage of the Bayesian machine's likelihood words in memristors (docs/physics.md §1, §3): each bit in a 2T2R
// pair read by a sense amplifier (an error only when the two conductances cross), or in one 1T1R device read
// against a threshold; devices aged to a cycle count before programming (window closure, stuck devices).
// Or an explicit bit error rate. Units as in device/rram.hpp (µS, µA, cycles).
#pragma once
#include "device/rram.hpp"

namespace mc {

enum class StorageCell : int { k2T2R = 0, k1T1R = 1 };
enum class StorageErrors : int { kNone = 0, kDevice = 1, kBer = 2 };
/// When the stored words are read: once per simulated chip (after programming), again for every inference, or
/// every clock cycle (each read with fresh read noise or BER draw).
enum class StorageReread : int { kChip = 0, kInference = 1, kCycle = 2 };

struct StorageParams {
  DeviceModel model;
  StorageCell cell;
  StorageErrors errors;
  float compliance;      ///< µA, SET compliance of programming
  float read_threshold;  ///< µS, 1T1R: a read at or above it is a 1
  double aging_cycles;   ///< SET/RESET cycles each device went through before this programming
  double ber;            ///< kBer: probability that a stored bit reads flipped
  std::uint32_t seed;
};

/// One device programmed to `lrs` after aging (its conductance before any read noise).
MC_HD float stored_device_program(const StorageParams& s, std::uint64_t device, bool lrs, float z_prog) {
  const DeviceModel& m = s.model;
  const DeviceDraw d = draw_device(m, s.seed, device, s.compliance);
  const float age = static_cast<float>(s.aging_cycles);
  if (stuck_at(d, age)) return d.stuck_g;
  const float a = wear_at(m, age, d.lifetime);
  return lrs ? program_set(m, d, s.compliance, a, z_prog) : program_reset(m, d, a, z_prog);
}

/// The programmed conductances (µS) of stored bit `bit` written as `value`: devices 2·bit (a) and 2·bit + 1
/// (b, the complement; unused in 1T1R), d2d on stream kDeviceToDevice, programming noise on kBayesStorage
/// counter {bit, 0, 0}. Device a in LRS stores a 1.
struct StoredCell {
  float a, b;
};
MC_HD StoredCell stored_bit_program(const StorageParams& s, std::uint64_t bit, bool value) {
  const F32x4 prog = normals(philox(RngKey{s.seed, stream::kBayesStorage}, bit, 0, 0));
  return StoredCell{stored_device_program(s, 2 * bit, value, prog.v[0]),
                    s.cell == StorageCell::k2T2R ? stored_device_program(s, 2 * bit + 1, !value, prog.v[1]) : 0.0f};
}

/// One read of a programmed cell, read noise from the four words r: 1T1R compares device a with the threshold,
/// 2T2R's sense amplifier compares a with b.
MC_HD bool stored_cell_sense(const StorageParams& s, StoredCell g, const U32x4& r) {
  const F32x4 z = normals(r);
  const float ga = read_conductance(s.model, g.a, z.v[0], u01(r.v[0]));
  if (s.cell == StorageCell::k1T1R) return ga >= s.read_threshold;
  return ga > read_conductance(s.model, g.b, z.v[1], u01(r.v[1]));
}

/// The value read back from stored bit `bit` (a global index: chip·bits_per_chip + bit of the chip) written
/// as `value`; `read` numbers the read (0: the read after programming; 1 + inference when words are reread per
/// inference). Read noise on kBayesStorage counter {bit, 1 + read, 0}; explicit errors on kBayesBer counter
/// {bit, read, 0}. cell: the bit's programmed cell when the caller holds it (errors: device), else null.
MC_HD bool stored_bit_read(const StorageParams& s, std::uint64_t bit, bool value, std::uint64_t read, const StoredCell* cell = nullptr) {
  if (s.errors == StorageErrors::kNone) return value;
  if (s.errors == StorageErrors::kBer) {
    const U32x4 r = philox(RngKey{s.seed, stream::kBayesBer}, bit, read, 0);
    return u01_53(r.v[0], r.v[1]) < s.ber ? !value : value;
  }
  return stored_cell_sense(s, cell ? *cell : stored_bit_program(s, bit, value), philox(RngKey{s.seed, stream::kBayesStorage}, bit, 1 + read, 0));
}

/// The read of stored bit `bit` at clock cycle `cycle` of inference `inference` when words are reread every
/// cycle: `g` its programmed cell (errors: device), `value` what was written (errors: ber). Draws on
/// kBayesCycleRead, counter words {bit mod 2^32, inference mod 2^32, cycle, bit / 2^32 + 2^16·(inference / 2^32)}:
/// distinct for bit and inference indices below 2^48 and cycles below 2^32 (kBayesMaxCycles).
MC_HD bool stored_bit_cycle_read(const StorageParams& s, StoredCell g, std::uint64_t bit, bool value, std::uint64_t inference,
                                 std::uint64_t cycle) {
  if (s.errors == StorageErrors::kNone) return value;
  const U32x4 r = philox_words(RngKey{s.seed, stream::kBayesCycleRead}, static_cast<std::uint32_t>(bit), static_cast<std::uint32_t>(inference),
                               static_cast<std::uint32_t>(cycle),
                               static_cast<std::uint32_t>((bit >> 32) & 0xffffu) | (static_cast<std::uint32_t>((inference >> 32) & 0xffffu) << 16));
  if (s.errors == StorageErrors::kBer) return u01_53(r.v[0], r.v[1]) < s.ber ? !value : value;
  return stored_cell_sense(s, g, r);
}

/// A B-bit word written at bit index first_bit .. first_bit + bits − 1, read back. cells: the programmed cells
/// of every stored bit (global index), or null to program them here (the same conductances either way).
MC_HD std::uint32_t stored_word_read(const StorageParams& s, std::uint64_t first_bit, std::uint32_t word, int bits, std::uint64_t read,
                                     const StoredCell* cells = nullptr) {
  std::uint32_t out = 0;
  for (int j = 0; j < bits; ++j)
    out |= static_cast<std::uint32_t>(stored_bit_read(s, first_bit + j, (word >> j) & 1u, read, cells ? cells + first_bit + j : nullptr)) << j;
  return out;
}

/// Likelihood word of a probability normalized per observation (p_norm in [0, 1], the largest over classes 1):
/// round(p_norm·(2^B − 1)), at least 1 so that quantization alone never rules a class out.
MC_HD std::uint32_t quantize_likelihood(double p_norm, int bits) {
  const double top = static_cast<double>((1u << bits) - 1u);
  const double w = floor(p_norm * top + 0.5);
  return static_cast<std::uint32_t>(w < 1.0 ? 1.0 : (w > top ? top : w));
}

/// Log-domain word (Turck 2025): −log2(p_norm) in units of `scale` bits per unit, rounded, saturated at 2^B − 1.
MC_HD std::uint32_t quantize_log_likelihood(double p_norm, int bits, double scale) {
  const double top = static_cast<double>((1u << bits) - 1u);
  const double w = floor(-log2(p_norm) * scale + 0.5);
  return static_cast<std::uint32_t>(w < 0.0 ? 0.0 : (w > top ? top : w));
}

}  // namespace mc

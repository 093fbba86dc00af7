// Storage of the Bayesian machine's likelihood words in memristors (SCIENCE.md §1, §3): each bit in a 2T2R
// pair read by a sense amplifier (an error only when the two conductances cross), or in one 1T1R device read
// against a threshold; devices aged to a cycle count before programming (window closure, stuck devices).
// Or an explicit bit error rate. Units as in device/rram.hpp (µS, µA, cycles).
#pragma once
#include "device/rram.hpp"

namespace mc {

enum class StorageCell : int { k2T2R = 0, k1T1R = 1 };
enum class StorageErrors : int { kNone = 0, kDevice = 1, kBer = 2 };

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

/// One device programmed to `lrs` after aging, then read (read noise from the uniforms u, v).
MC_HD float stored_device_read(const StorageParams& s, std::uint64_t device, bool lrs, float z_prog, float z_read, float u_read) {
  const DeviceModel& m = s.model;
  const DeviceDraw d = draw_device(m, s.seed, device, s.compliance);
  const float age = static_cast<float>(s.aging_cycles);
  const float a = clampf((age / d.lifetime - m.closure_onset) / (1.0f - m.closure_onset), 0.0f, 1.0f);
  const bool stuck = !d.formed || age > d.lifetime;
  const float g = stuck ? d.stuck_g : (lrs ? program_set(m, d, s.compliance, a, z_prog) : program_reset(m, d, a, z_prog));
  return read_conductance(m, g, z_read, u_read);
}

/// The value read back from stored bit `bit` (a global index: chip·bits_per_chip + bit of the chip) written
/// as `value`; `read` numbers the read (0: the read after programming; 1 + inference when words are reread).
/// Devices 2·bit and 2·bit + 1 (d2d on stream kDeviceToDevice), programming and read noise on kBayesStorage
/// counter {bit, 0 | 1 + read, 0}; explicit errors on kBayesBer counter {bit, read, 0}.
MC_HD bool stored_bit_read(const StorageParams& s, std::uint64_t bit, bool value, std::uint64_t read) {
  if (s.errors == StorageErrors::kNone) return value;
  if (s.errors == StorageErrors::kBer) {
    const U32x4 r = philox(RngKey{s.seed, stream::kBayesBer}, bit, read, 0);
    const double u = (static_cast<double>((static_cast<std::uint64_t>(r.v[0]) << 21) ^ (r.v[1] >> 11)) + 0.5) * (1.0 / 9007199254740992.0);
    return u < s.ber ? !value : value;
  }
  const RngKey key{s.seed, stream::kBayesStorage};
  const F32x4 prog = normals(philox(key, bit, 0, 0));
  const U32x4 rr = philox(key, bit, 1 + read, 0);
  const F32x4 zr = normals(rr);
  if (s.cell == StorageCell::k1T1R) {
    const float g = stored_device_read(s, 2 * bit, value, prog.v[0], zr.v[0], u01(rr.v[0]));
    return g >= s.read_threshold;
  }
  const float ga = stored_device_read(s, 2 * bit, value, prog.v[0], zr.v[0], u01(rr.v[0]));
  const float gb = stored_device_read(s, 2 * bit + 1, !value, prog.v[1], zr.v[1], u01(rr.v[1]));
  return ga > gb;  // the sense amplifier: device a in LRS stores a 1
}

/// A B-bit word written at bit index first_bit .. first_bit + bits − 1, read back.
MC_HD std::uint32_t stored_word_read(const StorageParams& s, std::uint64_t first_bit, std::uint32_t word, int bits, std::uint64_t read) {
  std::uint32_t out = 0;
  for (int j = 0; j < bits; ++j)
    out |= static_cast<std::uint32_t>(stored_bit_read(s, first_bit + j, (word >> j) & 1u, read)) << j;
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

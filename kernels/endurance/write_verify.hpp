// Write-and-verify programming of one device to a target conductance (docs/physics.md §5, Merrikh-Bayat 2018):
// pulse, read, compare with the tolerance band, and pulse again until inside it or out of pulses.
#pragma once
#include "device/rram.hpp"

namespace mc {

enum class PulseLaw : int {
  kRetry = 0,        ///< RESET + SET at the target's compliance until the read lands in the band
  kIncremental = 1,  ///< SET with a compliance stepped up from a start value; RESET and restart when above
};

struct WriteVerifyParams {
  DeviceModel model;
  float target;           ///< µS
  float tolerance;        ///< relative half-width of the acceptance band
  std::uint32_t max_pulses;
  PulseLaw law;
  float start_fraction;   ///< incremental: first compliance as a fraction of the target's compliance
  float step;             ///< incremental: compliance step per pulse, µA
  std::uint32_t seed;
};

struct WriteVerifyOutcome {
  std::uint32_t set_pulses;
  std::uint32_t reset_pulses;
  std::uint32_t reads;
  float g_final;     ///< µS, the device's conductance after the last pulse
  float energy;      ///< pJ, pulses and reads
  bool converged;
};

/// Program one fresh device (d2d from draw_device; no wear). One Philox call per pulse on stream
/// kWriteVerify, counter {device, pulse index, 0}. The last pulse is never a RESET: a device that does not
/// converge ends at its last (read) SET.
MC_HD WriteVerifyOutcome write_verify(const WriteVerifyParams& p, std::uint64_t device) {
  const DeviceModel& m = p.model;
  const float i_target = compliance_for(m, p.target);
  const DeviceDraw d = draw_device(m, p.seed, device, i_target);
  const RngKey key{p.seed, stream::kWriteVerify};
  const float lo = p.target * (1.0f - p.tolerance);
  const float hi = p.target * (1.0f + p.tolerance);
  WriteVerifyOutcome o{0, 0, 0, d.formed ? 0.0f : d.stuck_g, 0.0f, false};
  float i_c = p.law == PulseLaw::kRetry ? i_target : p.start_fraction * i_target;
  bool set_state = false;  // the device starts RESET (or unformed)
  float g_read = 0.0f;     // the controller knows only what it read, never the true conductance
  for (std::uint32_t pulse = 0; pulse < p.max_pulses; ++pulse) {
    const U32x4 r = philox(key, device, pulse, 0);
    const F32x4 z = normals(r);
    const bool need_reset = set_state && (p.law == PulseLaw::kRetry || g_read > hi);
    if (need_reset) {
      // A RESET is only worth a pulse if a SET can follow it: with the budget spent the device is left at its last
      // SET, the state that was read, rather than at an unverified HRS far below any target.
      if (pulse + 1 >= p.max_pulses) break;
      o.g_final = d.formed ? program_reset(m, d, 0.0f, z.v[1]) : d.stuck_g;
      o.energy += reset_energy(m);
      ++o.reset_pulses;
      set_state = false;
      if (p.law == PulseLaw::kIncremental) i_c = p.start_fraction * i_target;
      continue;  // a RESET is not verified; the next pulse SETs
    }
    o.g_final = d.formed ? program_set(m, d, i_c, 0.0f, z.v[0]) : d.stuck_g;
    o.energy += set_energy(m, i_c);
    ++o.set_pulses;
    set_state = true;
    g_read = read_conductance(m, o.g_final, z.v[2], u01(r.v[2]));
    o.energy += read_energy(m, o.g_final);
    ++o.reads;
    if (g_read >= lo && g_read <= hi) {
      o.converged = true;
      break;
    }
    if (p.law == PulseLaw::kIncremental && g_read < lo) i_c += p.step;
  }
  return o;
}

}  // namespace mc

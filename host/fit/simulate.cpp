#include "fit/simulate.hpp"

#include <fmt/format.h>

#include <cmath>
#include <stdexcept>

#include "common/rng.hpp"
#include "common/streams.hpp"

namespace mc {

std::string simulate_measurements(const DeviceModel& m, const MeasurementPlan& plan) {
  if (plan.compliances.empty()) throw std::invalid_argument("simulate_measurements: no compliance");
  if (plan.repeats < 1) throw std::invalid_argument("simulate_measurements: repeats must be >= 1");
  const bool lifetimes = plan.lifetime_test > 0;
  std::string out = "device,cycle,compliance_uA,state,read,conductance_uS";
  out += lifetimes ? ",cycles_to_failure,censored\n" : "\n";
  const std::size_t nc = plan.compliances.size();
  std::uint64_t measured = 0;
  for (std::uint64_t device = 0; measured < plan.devices; ++device) {
    const double ic0 = plan.compliances[plan.rotate ? 0 : measured % nc];
    const DeviceDraw d = draw_device(m, plan.seed, device, static_cast<float>(ic0));
    if (!d.formed) continue;  // a lab measures formed devices
    const std::string name = fmt::format("D{:05d}", measured + 1);
    std::string life;
    if (lifetimes) {
      const bool censored = !(d.lifetime < plan.lifetime_test);
      life = censored ? fmt::format(",{},true", plan.lifetime_test) : fmt::format(",{},false", std::floor(d.lifetime) + 1);
    }
    const RngKey cycle_key{plan.seed, stream::kCycle}, repeat_key{plan.seed, stream::kFitRepeatRead};
    for (std::uint64_t c = 0; c < plan.cycles; ++c) {
      const double ic = plan.compliances[plan.rotate ? c % nc : measured % nc];
      const float icf = static_cast<float>(ic);
      // The endurance kernel's cycle (device_cycle): one Philox call, SET, RESET, one read of each.
      const U32x4 r = philox_words(cycle_key, static_cast<std::uint32_t>(device), static_cast<std::uint32_t>(device >> 32),
                                   static_cast<std::uint32_t>(c), step_hi_draw(c, 0));
      const F32x4 z = normals(r);
      const float t = static_cast<float>(c + 1);
      const float a = wear_at(m, t, d.lifetime);
      const bool stuck = stuck_at(d, t);
      const float g_set = stuck ? d.stuck_g : program_set(m, d, icf, a, z.v[0]);
      const float g_reset = stuck ? d.stuck_g : program_reset(m, d, a, z.v[1]);
      const int reads = c < plan.repeat_cycles ? plan.repeats : 1;
      for (int state = 0; state < 2; ++state) {
        const float g = state == 0 ? g_set : g_reset;
        for (int k = 1; k <= reads; ++k) {
          float value;
          if (k == 1) {
            value = read_conductance(m, g, z.v[2 + state], u01(r.v[2 + state]));
          } else {
            const U32x4 q = philox(repeat_key, device, c, static_cast<std::uint32_t>(k));
            const F32x4 zq = normals(q);
            value = read_conductance(m, g, zq.v[state], u01(q.v[2 + state]));
          }
          out += fmt::format("{},{},{},{},{},{:.7g}", name, c + 1, ic, state == 0 ? "LRS" : "HRS", k, value);
          out += c == 0 && state == 0 && k == 1 ? life + "\n" : (lifetimes ? ",,\n" : "\n");
        }
      }
    }
    ++measured;
  }
  return out;
}

}  // namespace mc

// Compare rules of the endurance workload: conductance means, per-device fractions, bit error rates and
// read-conductance distributions at every checkpoint (tests and thresholds: host/compare/compare.hpp).
#include <cmath>
#include <fmt/format.h>

#include "compare/rules.hpp"
#include "workloads/endurance/endurance.hpp"

namespace mc {

namespace {


using EnduranceHists = std::map<std::pair<long long, std::string>, Hist<double>>;  // (cycle, state) -> bin_lo -> n

EnduranceHists read_endurance_hists(const std::string& dir) {
  const CsvFile h = read_csv(dir + "/histograms.csv");
  const std::size_t cc = h.require_column("cycle"), cs = h.require_column("state"), cl = h.require_column("bin_lo_uS"), cn = h.require_column("devices");
  EnduranceHists out;
  for (std::size_t r = 0; r < h.rows.size(); ++r)
    out[{static_cast<long long>(h.number(r, cc)), h.rows[r][cs]}][h.number(r, cl)] += h.number(r, cn);
  return out;
}

}  // namespace

void compare_endurance(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  require_equal(ma, mb, "endurance.devices", "devices");
  require_equal(ma, mb, "endurance.cycles", "cycles");
  const double devices = scenario_number(ma, "endurance.devices", "devices");
  const CsvFile ca = read_csv(ma.dir + "/checkpoints.csv"), cb = read_csv(mb.dir + "/checkpoints.csv");
  std::vector<long long> cycles;
  for (std::size_t r = 0; r < ca.rows.size(); ++r) cycles.push_back(static_cast<long long>(ca.number(r, "cycle")));
  bool same = ca.rows.size() == cb.rows.size();
  for (std::size_t r = 0; same && r < cb.rows.size(); ++r) same = static_cast<long long>(cb.number(r, "cycle")) == cycles[r];
  if (!same)
    compare_fail("the runs are not comparable: " + ca.path + " and " + cb.path + " have different checkpoint cycles");
  const EnduranceHists ha = read_endurance_hists(ma.dir), hb = read_endurance_hists(mb.dir);
  const Hist<double> empty;
  auto find = [&](const EnduranceHists& h, long long c, const char* state) -> const Hist<double>& {
    const auto it = h.find({c, state});
    return it == h.end() ? empty : it->second;
  };

  for (std::size_t r = 0; r < cycles.size(); ++r) {
    const long long c = cycles[r];
    const std::string where = fmt::format("cycle {}", c);

    // Conductance means: every device is read once per state at a checkpoint; n is the histogram's total
    // (devices when the histogram is absent). The reads of different devices are independent.
    for (const auto& [state, name] : {std::pair{"lrs", "LRS"}, std::pair{"hrs", "HRS"}}) {
      const Hist<double>&a = find(ha, c, name), &b = find(hb, c, name);
      const double na = a.empty() ? devices : hist_total(a), nb = b.empty() ? devices : hist_total(b);
      const std::string mean = std::string(state) + "_mean_uS", sd = std::string(state) + "_std_uS";
      const double m1 = ca.number(r, mean), m2 = cb.number(r, mean);
      rows.push_back(z_row(mean, where, m1, m2, two_mean_z(m1, ca.number(r, sd), na, m2, cb.number(r, sd), nb), "z mean"));
    }

    // Per-device states: one Bernoulli trial per device, devices independent -> binomial, pooled two-proportion z.
    for (const char* f : {"failed_fraction", "stuck_lrs_fraction", "stuck_hrs_fraction", "unformed_fraction"}) {
      const double p1 = ca.number(r, f), p2 = cb.number(r, f);
      rows.push_back(z_row(f, where, p1, p2, two_proportion_z(p1, devices, p2, devices), "z proportion"));
    }

    // Bit error rates over the interval (prev, c]: 1T1R counts 2·devices·interval bits, 2T2R 2·pairs·interval.
    // The bits are NOT independent: one device's errors across cycles are correlated (a stuck device errs on
    // every cycle; device-to-device spread makes some devices error-prone), and a device's LRS and HRS reads
    // share its state. A binomial SE over all bits would understate the variance by up to a factor of
    // 2·interval and make `compare` raise false alarms. Instead the independent units are devices (1T1R) and
    // pairs (2T2R): the BER is the mean over units of each unit's own error rate r_i ∈ [0, 1], so
    // Var(BER) = Var(r_i)/N ≤ p(1 − p)/N. The pooled two-proportion z with n = N therefore uses an upper bound
    // of the true SE whatever the correlation — conservative (less power when the errors are in fact
    // independent, at most a factor sqrt(2·interval) in z), never anti-conservative. Used at every interval,
    // including interval 1, where the two reads of one device are still one unit.
    const double pairs = std::max(1.0, std::floor(devices / 2));
    {
      const double p1 = ca.number(r, "ber_1t1r"), p2 = cb.number(r, "ber_1t1r");
      rows.push_back(z_row("ber_1t1r", where, p1, p2, two_proportion_z(p1, devices, p2, devices), "z BER/device"));
    }
    {
      const double p1 = ca.number(r, "ber_2t2r"), p2 = cb.number(r, "ber_2t2r");
      rows.push_back(z_row("ber_2t2r", where, p1, p2, two_proportion_z(p1, pairs, p2, pairs), "z BER/pair"));
    }

    // Read-conductance distributions.
    for (const char* state : {"LRS", "HRS"}) {
      std::vector<double> va, vb;
      hist_vectors(find(ha, c, state), find(hb, c, state), va, vb);
      rows.push_back(chi_row(std::string(state) + " histogram", where, va, vb));
    }
  }
}


}  // namespace mc

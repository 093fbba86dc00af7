// Compare rules of the write_verify workload: converged fraction, mean SET pulses and the pulse-count
// distribution (tests and thresholds: host/compare/compare.hpp).
#include <cmath>
#include <limits>

#include "compare/rules.hpp"
#include "workloads/write_verify/write_verify.hpp"

namespace mc {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct PulseHists {
  Hist<long long> converged, all;
};

PulseHists read_pulse_hists(const std::string& dir) {
  const CsvFile h = read_csv(dir + "/pulses_histogram.csv");
  const std::size_t cp = h.require_column("set_pulses"), cc = h.require_column("converged_devices"), cu = h.require_column("unconverged_devices");
  PulseHists out;
  for (std::size_t r = 0; r < h.rows.size(); ++r) {
    const long long k = static_cast<long long>(h.number(r, cp));
    const double conv = h.number(r, cc), unconv = h.number(r, cu);
    out.converged[k] += conv;
    out.all[k] += conv + unconv;
  }
  return out;
}

void moments(const Hist<long long>& h, double& n, double& mean, double& sd) {
  n = 0;
  double s = 0;
  for (const auto& [k, v] : h) n += v, s += v * static_cast<double>(k);
  mean = n > 0 ? s / n : kNaN;
  double ss = 0;
  for (const auto& [k, v] : h) ss += v * (static_cast<double>(k) - mean) * (static_cast<double>(k) - mean);
  sd = n > 1 ? std::sqrt(ss / (n - 1)) : kNaN;
}

}  // namespace

void compare_write_verify(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  require_equal(ma, mb, "write_verify.devices", "devices");
  const PulseHists ha = read_pulse_hists(ma.dir), hb = read_pulse_hists(mb.dir);
  double na, m1, s1, nb, m2, s2;
  moments(ha.all, na, m1, s1);
  moments(hb.all, nb, m2, s2);
  const double c1 = na > 0 ? hist_total(ha.converged) / na : kNaN, c2 = nb > 0 ? hist_total(hb.converged) / nb : kNaN;
  // Devices are programmed independently: converged is one Bernoulli trial per device.
  rows.push_back(z_row("converged_fraction", "all devices", c1, c2, two_proportion_z(c1, na, c2, nb), "z proportion"));
  // Mean SET pulses over all devices (converged or not), SE from the pulse histogram's sample variance.
  rows.push_back(z_row("mean_set_pulses", "all devices", m1, m2, two_mean_z(m1, s1, na, m2, s2, nb), "z mean"));
  std::vector<double> va, vb;
  hist_vectors(ha.converged, hb.converged, va, vb);
  rows.push_back(chi_row("SET pulses histogram", "converged devices", va, vb));
}


}  // namespace mc

// Compare rules of the crossbar_mlp workload (tests and thresholds: host/compare/compare.hpp).
#include <cmath>
#include <map>

#include "compare/rules.hpp"
#include "workloads/crossbar_mlp/crossbar_mlp.hpp"

namespace mc {

namespace {

struct ModeStats {
  double n = 0, mean = 0, sd = 0, stuck = 0, devices_seen = 0;
};

std::map<std::string, ModeStats> read_chips(const std::string& dir) {
  std::map<std::string, std::vector<double>> acc;
  std::map<std::string, double> stuck;
  const CsvFile c = read_csv(dir + "/chips.csv");
  const std::size_t cm = c.require_column("mode"), ct = c.require_column("test_accuracy"), cs = c.require_column("stuck_devices");
  for (std::size_t r = 0; r < c.rows.size(); ++r) {
    acc[c.rows[r][cm]].push_back(c.number(r, ct));
    stuck[c.rows[r][cm]] += c.number(r, cs);
  }
  std::map<std::string, ModeStats> out;
  for (const auto& [mode, v] : acc) {
    ModeStats s;
    s.n = static_cast<double>(v.size());
    for (double x : v) s.mean += x;
    s.mean /= s.n;
    for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
    s.sd = s.n > 1 ? std::sqrt(s.sd / (s.n - 1)) : 0.0;
    s.stuck = stuck[mode];
    out[mode] = s;
  }
  return out;
}

}  // namespace

void compare_crossbar_mlp(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  const CsvFile ra = read_csv(ma.dir + "/results.csv"), rb = read_csv(mb.dir + "/results.csv");
  if (ra.rows.size() != 1 || rb.rows.size() != 1) compare_fail("compare the folders of one crossbar_mlp point (results.csv with one row)");
  if (ra.rows[0][ra.require_column("layers")] != rb.rows[0][rb.require_column("layers")])
    compare_fail("the runs are not comparable: " + ma.dir + " and " + mb.dir + " simulate different networks");
  // The software network is deterministic for the data and train_seed: it must agree exactly.
  require_equal(ma, mb, "crossbar_mlp.train_seed", "train_seed");
  const std::map<std::string, ModeStats> a = read_chips(ma.dir), b = read_chips(mb.dir);
  for (const auto& [mode, sa] : a) {
    const auto it = b.find(mode);
    if (it == b.end()) continue;
    const ModeStats& sb = it->second;
    // Chips are independent Monte Carlo trials: the mean test accuracy over chips has SE sd/√chips; the
    // two-mean z uses each run's own sample sd (a chip's accuracy is a bounded, near-normal average).
    rows.push_back(z_row("test_accuracy_mean", mode, sa.mean, sb.mean, two_mean_z(sa.mean, sa.sd, sa.n, sb.mean, sb.sd, sb.n), "z mean/chip"));
  }
  // Stuck devices: one Bernoulli trial per device (forming failures are independent across devices), so the
  // two-proportion z over devices is exact. The devices per chip come from the network's size.
  const auto first = a.begin();
  if (first != a.end() && b.count(first->first)) {
    const CsvFile ma_map = read_csv(ma.dir + "/conductance_map.csv");
    const double per_chip = static_cast<double>(ma_map.rows.size());
    const ModeStats& sa = first->second;
    const ModeStats& sb = b.at(first->first);
    const double na = per_chip * sa.n, nb = per_chip * sb.n;
    const double pa = sa.stuck / na, pb = sb.stuck / nb;
    rows.push_back(z_row("stuck_fraction", first->first, pa, pb, two_proportion_z(pa, na, pb, nb), "z proportion"));
  }
}

}  // namespace mc

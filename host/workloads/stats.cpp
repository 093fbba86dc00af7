#include "workloads/stats.hpp"

#include <cmath>

#include "endurance/endurance.hpp"

namespace mc {

double conductance_bin_edge(int b) {
  return static_cast<double>(kHistLo) * std::pow(static_cast<double>(kHistHi) / kHistLo, static_cast<double>(b) / kHistBins);
}

double histogram_quantile(const std::vector<std::uint64_t>& hist, double q) {
  std::uint64_t total = 0;
  for (auto c : hist) total += c;
  if (total == 0) return std::nan("");
  const double target = q * static_cast<double>(total);
  double cum = 0;
  for (std::size_t b = 0; b < hist.size(); ++b) {
    if (hist[b] && cum + hist[b] >= target) {
      const double f = (target - cum) / hist[b];
      const double lo = conductance_bin_edge(static_cast<int>(b)), hi = conductance_bin_edge(static_cast<int>(b) + 1);
      return lo * std::pow(hi / lo, f);
    }
    cum += hist[b];
  }
  return conductance_bin_edge(static_cast<int>(hist.size()));
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

}  // namespace mc

// Summaries of integer histograms (host side): quantiles, probit CDF points.
#pragma once
#include <cstdint>
#include <vector>

namespace mc {

/// Lower edge (µS) of bin b of the conductance histogram (kernels/endurance/endurance.hpp).
double conductance_bin_edge(int b);
/// The q-quantile (0 < q < 1) of a conductance histogram, interpolated geometrically inside its bin.
double histogram_quantile(const std::vector<std::uint64_t>& hist, double q);
/// Standard normal CDF.
double normal_cdf(double z);

}  // namespace mc

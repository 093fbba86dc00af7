// Likelihood tables for the bayes_machine workload: P(observation i = level v | class y), from a CSV file.
//
// File format: the header `class,observation,level,probability`, then one row per entry with integer class,
// observation and level (0-based) and a probability in [0, 1]. Every (class, observation, level) must appear
// exactly once, and the probabilities of each (class, observation) must sum to 1 (within 1e-6). Cells may be
// padded with spaces; CRLF and a trailing blank line are accepted. The file is untrusted input: every defect
// is one mc::InputError `file:line:column: error: <what>` (column = 1-based cell index).
#pragma once
#include <string>
#include <vector>

namespace mc {

struct LikelihoodTable {
  int classes = 0, observations = 0, levels = 0;
  std::vector<double> p;  ///< [class][observation][level], row-major
  double at(int y, int i, int v) const { return p[(static_cast<std::size_t>(y) * observations + i) * levels + v]; }
};

/// Loads and validates a table; max_classes / max_observations / max_levels bound its shape.
LikelihoodTable load_likelihood_table(const std::string& path, int max_classes, int max_observations, int max_levels);

}  // namespace mc

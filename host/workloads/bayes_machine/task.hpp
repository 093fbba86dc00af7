// The bayes_machine workload's task: a likelihood table, the test samples, the exact float64 naive Bayes,
// and the machine's quantized words (issue 4). Built from a synthetic table, a table file, or a data set.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "bayes/bayes.hpp"
#include "bayes/storage.hpp"

namespace mc {

struct BayesMachineSpec;

struct BayesTask {
  int classes = 0, observations = 0, levels = 0;  ///< levels: the largest of any observation (table stride)
  std::vector<double> p;       ///< [class][observation][level] P(o_i = v | y) (unused levels 0)
  std::vector<int> x;          ///< [sample][observation] observed levels
  std::vector<int> label;      ///< [sample] true class
  std::vector<int> exact;      ///< [sample] float64 naive-Bayes decision (argmax of the summed log-likelihoods)
  std::size_t samples = 0;
  std::vector<std::uint16_t> words;     ///< [class][observation][level] B-bit likelihood words
  std::vector<std::uint16_t> logwords;  ///< [class][observation][level] B-bit −log2 words (log machine, fixed-point NB)
  int bits = 8;
  int acc_bits = 16;          ///< accumulator width of the fixed-point NB: B + ceil(log2(observations))
  std::string description;    ///< for the terminal

  double prob(int y, int i, int v) const { return p[(static_cast<std::size_t>(y) * observations + i) * levels + v]; }
  std::size_t index(int y, int i, int v) const { return (static_cast<std::size_t>(y) * observations + i) * levels + v; }
};

/// A random likelihood table: P(v | y, i) ∝ exp(sharpness·z), z standard normal from
/// philox({seed, kBayesSynthetic}, (y·O + i)·V + v, 0, 0).
std::vector<double> synthetic_table(int classes, int observations, int levels, double sharpness, std::uint32_t seed);

/// Samples drawn from a table with a uniform class prior (philox({seed, kBayesSynthetic}, n, 1 + step, 0)).
void sample_from_table(BayesTask& t, std::size_t samples, std::uint32_t seed);

/// Per-observation normalization and B-bit quantization of the task's table into words and logwords, and the
/// exact decisions of every sample.
void finish_task(BayesTask& t, int bits);

/// The whole task of a scenario (loads its files, splits, discretizes, trains).
BayesTask build_bayes_task(const BayesMachineSpec& spec, std::uint32_t seed);

}  // namespace mc

// The building blocks a workload's compare rules use (host/workloads/<name>/compare.cpp): reading the two
// folders' tables and scenario numbers, and one CompareRow per statistical check (see compare.hpp for the tests
// and thresholds).
#pragma once
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "compare/compare.hpp"
#include "io/csv.hpp"
#include "io/manifest.hpp"

namespace mc {

/// Throws InputError("compare: " + message).
[[noreturn]] void compare_fail(const std::string& message);

/// A number with 9 significant digits, for messages.
std::string num_text(double v);

/// A number from the manifest's resolved scenario ("endurance.devices"), else from results.csv's `column`.
double scenario_number(const Manifest& m, const std::string& key, const std::string& column);

/// A text value of the manifest's resolved scenario ("" when absent).
std::string scenario_text(const Manifest& m, const std::string& key);

/// Refuses (compare_fail) two runs whose scenario number `key` differs.
void require_equal(const Manifest& a, const Manifest& b, const std::string& key, const std::string& column);

/// A z-test row (agrees when |z| ≤ kCompareMaxZ) and a two-sample χ² row over the same bins.
CompareRow z_row(std::string metric, std::string where, double ref, double test, double z, std::string kind);
CompareRow chi_row(std::string metric, std::string where, const std::vector<double>& a, const std::vector<double>& b);

/// Histogram counts keyed by bin (any ordered key).
template <class Key>
using Hist = std::map<Key, double>;

/// The two histograms as count vectors over the union of their bins.
template <class Key>
void hist_vectors(const Hist<Key>& a, const Hist<Key>& b, std::vector<double>& va, std::vector<double>& vb) {
  std::map<Key, std::pair<double, double>> all;
  for (const auto& [k, v] : a) all[k].first += v;
  for (const auto& [k, v] : b) all[k].second += v;
  va.clear();
  vb.clear();
  for (const auto& [k, v] : all) va.push_back(v.first), vb.push_back(v.second);
}

template <class Key>
double hist_total(const Hist<Key>& h) {
  double t = 0;
  for (const auto& [k, v] : h) t += v;
  return t;
}

}  // namespace mc

#include "compare/compare.hpp"
#include "io/csv.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "compare/rules.hpp"
#include "io/manifest.hpp"
#include "scenario/error.hpp"
#include "workloads/workload.hpp"

namespace mc {

// ---------------------------------------------------------------------------------------------------------------
// Statistics
// ---------------------------------------------------------------------------------------------------------------

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = 1e-15;
constexpr double kTiny = 1e-300;
constexpr int kMaxIter = 1000000;  // both expansions need O(sqrt(a)) terms; a is df/2, at most a few thousand here

// P(a, x) by its series, for x < a + 1.
double gamma_p_series(double a, double x) {
  double ap = a, term = 1.0 / a, sum = term;
  for (int n = 0; n < kMaxIter; ++n) {
    ap += 1.0;
    term *= x / ap;
    sum += term;
    if (std::fabs(term) < std::fabs(sum) * kEps) break;
  }
  return sum * std::exp(-x + a * std::log(x) - std::lgamma(a));
}

// Q(a, x) by its continued fraction (modified Lentz), for x ≥ a + 1.
double gamma_q_fraction(double a, double x) {
  double b = x + 1.0 - a, c = 1.0 / kTiny, d = 1.0 / b, h = d;
  for (int i = 1; i < kMaxIter; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1.0) < kEps) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}
}  // namespace

double regularized_gamma_q(double a, double x) {
  if (!(a > 0) || !(x >= 0)) return kNaN;
  if (x == 0) return 1.0;
  if (std::isinf(x)) return 0.0;
  if (x < a + 1.0) return std::clamp(1.0 - gamma_p_series(a, x), 0.0, 1.0);
  return std::clamp(gamma_q_fraction(a, x), 0.0, 1.0);
}

double chi_square_p(double x, int df) {
  if (df <= 0) return 1.0;
  return regularized_gamma_q(0.5 * df, 0.5 * x);
}

double two_mean_z(double m1, double s1, double n1, double m2, double s2, double n2) {
  if (m1 == m2 || (std::isnan(m1) && std::isnan(m2))) return 0.0;
  if (std::isnan(m1) || std::isnan(m2)) return kNaN;
  const double se = std::sqrt(s1 * s1 / n1 + s2 * s2 / n2);
  if (std::isnan(se)) return kNaN;
  if (!(se > 0)) return std::copysign(kInf, m2 - m1);
  return (m2 - m1) / se;
}

double two_proportion_z(double p1, double n1, double p2, double n2) {
  if (p1 == p2 || (std::isnan(p1) && std::isnan(p2))) return 0.0;
  if (std::isnan(p1) || std::isnan(p2) || !(n1 > 0) || !(n2 > 0)) return kNaN;
  const double pooled = std::clamp((p1 * n1 + p2 * n2) / (n1 + n2), 0.0, 1.0);
  const double se = std::sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2));
  if (!(se > 0)) return std::copysign(kInf, p2 - p1);
  return (p2 - p1) / se;
}

ChiSquare two_sample_chi_square(const std::vector<double>& a, const std::vector<double>& b) {
  ChiSquare r;
  const std::size_t nb = std::max(a.size(), b.size());
  double n1 = 0, n2 = 0;
  for (std::size_t i = 0; i < nb; ++i) {
    n1 += i < a.size() ? a[i] : 0.0;
    n2 += i < b.size() ? b[i] : 0.0;
  }
  if (n1 == 0 && n2 == 0) return r;
  if (n1 == 0 || n2 == 0) {
    r.statistic = kInf;
    r.p = 0;
    return r;
  }
  // Merge left to right until the smaller sample expects ≥ 5 devices in the merged bin.
  const double share = std::min(n1, n2) / (n1 + n2);
  std::vector<std::pair<double, double>> merged;
  double ca = 0, cb = 0;
  for (std::size_t i = 0; i < nb; ++i) {
    ca += i < a.size() ? a[i] : 0.0;
    cb += i < b.size() ? b[i] : 0.0;
    if ((ca + cb) * share >= 5.0) {
      merged.emplace_back(ca, cb);
      ca = cb = 0;
    }
  }
  if (ca + cb > 0) {
    if (merged.empty()) merged.emplace_back(ca, cb);
    else merged.back().first += ca, merged.back().second += cb;
  }
  if (merged.size() < 2) return r;
  const double k1 = std::sqrt(n2 / n1), k2 = std::sqrt(n1 / n2);
  double x = 0;
  for (const auto& [ma, mb] : merged) {
    const double d = k1 * ma - k2 * mb;
    x += d * d / (ma + mb);
  }
  r.statistic = x;
  r.df = static_cast<int>(merged.size()) - 1;
  r.p = chi_square_p(x, r.df);
  return r;
}

bool z_agrees(double z) { return std::fabs(z) <= kCompareMaxZ; }  // NaN compares false
bool p_agrees(double p) { return p >= kCompareMinP; }

// ---------------------------------------------------------------------------------------------------------------
// Reading an output folder
// ---------------------------------------------------------------------------------------------------------------

void compare_fail(const std::string& message) { throw InputError("compare: " + message); }

std::string num_text(double v) { return fmt::format("{:.9g}", v); }

double scenario_number(const Manifest& m, const std::string& key, const std::string& column) {
  if (m.json.contains("scenario") && m.json["scenario"].is_object()) {
    const auto& s = m.json["scenario"];
    if (s.contains(key) && s[key].is_number()) return s[key].get<double>();
  }
  const CsvFile results = read_csv(m.dir + "/results.csv");
  if (results.rows.empty()) compare_fail(results.path + ": no rows");
  if (results.rows.size() > 1) compare_fail(results.path + ": holds several points; compare the folders of one point");
  return results.number(0, column);
}

std::string scenario_text(const Manifest& m, const std::string& key) {
  if (m.json.contains("scenario") && m.json["scenario"].is_object()) {
    const auto& s = m.json["scenario"];
    if (s.contains(key) && s[key].is_string()) return s[key].get<std::string>();
  }
  return "";
}

void require_equal(const Manifest& a, const Manifest& b, const std::string& key, const std::string& column) {
  const double va = scenario_number(a, key, column), vb = scenario_number(b, key, column);
  if (va != vb)
    compare_fail(fmt::format("the runs are not comparable: {} is {} in {} but {} in {}", key, num_text(va), a.dir, num_text(vb),
                             b.dir));
}

CompareRow z_row(std::string metric, std::string where, double ref, double test, double z, std::string kind) {
  return CompareRow{std::move(metric), std::move(where), ref, test, z, std::move(kind), z_agrees(z)};
}

CompareRow chi_row(std::string metric, std::string where, const std::vector<double>& a, const std::vector<double>& b) {
  const ChiSquare c = two_sample_chi_square(a, b);
  double na = 0, nb = 0;
  for (double v : a) na += v;
  for (double v : b) nb += v;
  return CompareRow{std::move(metric), std::move(where), na, nb, c.p, fmt::format("chi2 df={}", c.df), p_agrees(c.p)};
}

namespace {

/// A finished run's manifest, or the reason it cannot be compared.
Manifest finished_manifest(const std::string& dir) {
  Manifest m = read_manifest(dir);
  if (m.state == Manifest::State::kAbsent) compare_fail(m.path + ": cannot open (is this a memcarlo output folder of a finished run?)");
  if (!m.ok()) compare_fail(m.path + ": not valid JSON (" + m.error + ")");
  if (m.workload().empty()) compare_fail(m.path + ": no \"workload\"");
  if (m.json.contains("complete") && m.json["complete"].is_boolean() && !m.json["complete"].get<bool>())
    compare_fail(m.path + ": the run did not finish (\"complete\": false)");
  return m;
}

}  // namespace

CompareReport compare_folders(const std::string& ref_dir, const std::string& test_dir) {
  const Manifest ma = finished_manifest(ref_dir), mb = finished_manifest(test_dir);
  if (ma.workload() != mb.workload())
    compare_fail("the runs are not comparable: " + ref_dir + " is a " + ma.workload() + " run but " + test_dir + " is a " +
                 mb.workload() + " run");
  const Workload* w = find_workload(ma.workload());
  if (!w) compare_fail(ma.path + ": unknown workload '" + ma.workload() + "' (not a workload this memcarlo knows)");
  CompareReport report;
  try {
    w->compare(ma, mb, report.rows);
  } catch (const InputError& e) {
    const std::string what = e.what();
    if (what.rfind("compare: ", 0) == 0) throw;
    compare_fail(what);  // a table that is missing, malformed or lacks a column
  }
  report.all_agree = std::all_of(report.rows.begin(), report.rows.end(), [](const CompareRow& r) { return r.agree; });
  return report;
}

// ---------------------------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------------------------

std::string format_report(const CompareReport& report) {
  std::vector<std::array<std::string, 6>> table;
  table.push_back({"metric", "where", "reference", "test", "statistic", "verdict"});
  std::size_t bad = 0;
  for (const CompareRow& r : report.rows) {
    std::string stat;
    if (r.test_kind.rfind("chi2", 0) == 0) stat = fmt::format("p = {:.3g} ({})", r.z_or_p, r.test_kind);
    else stat = fmt::format("z = {:+.2f} ({})", r.z_or_p, r.test_kind);
    if (!r.agree) ++bad;
    table.push_back({r.metric, r.where, fmt::format("{:.6g}", r.ref), fmt::format("{:.6g}", r.test), stat,
                     r.agree ? "agree" : "DISAGREE"});
  }
  std::array<std::size_t, 6> w{};
  for (const auto& row : table)
    for (std::size_t i = 0; i < row.size(); ++i) w[i] = std::max(w[i], row[i].size());
  std::string out;
  for (const auto& row : table) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool right = i == 2 || i == 3;  // numbers right-aligned
      const std::size_t pad = w[i] - row[i].size();
      if (i) line += "  ";
      if (right) line += std::string(pad, ' ') + row[i];
      else line += row[i] + (i + 1 < row.size() ? std::string(pad, ' ') : std::string());
    }
    out += line + "\n";
  }
  const std::size_t n = report.rows.size();
  if (bad == 0) out += fmt::format("all {} checks agree\n", n);
  else out += fmt::format("{} of {} checks disagree\n", bad, n);
  return out;
}

}  // namespace mc

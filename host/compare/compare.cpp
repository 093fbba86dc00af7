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

#include "scenario/error.hpp"

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

namespace {

[[noreturn]] void fail(const std::string& message) { throw InputError("compare: " + message); }

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path + ": cannot open (is this a memcarlo output folder of a finished run?)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// A table of an output folder (read by io/csv) with the lookups the tests need.
class Csv {
 public:
  explicit Csv(std::string path) {
    CsvFile f = read_csv(path);
    path_ = std::move(f.path);
    header_ = std::move(f.header);
    rows_ = std::move(f.rows);
    lines_ = std::move(f.lines);
  }

  std::size_t size() const { return rows_.size(); }
  const std::string& path() const { return path_; }
  bool has(const std::string& name) const { return std::find(header_.begin(), header_.end(), name) != header_.end(); }
  std::size_t col(const std::string& name) const {
    const auto it = std::find(header_.begin(), header_.end(), name);
    if (it == header_.end()) fail(path_ + ": no column '" + name + "'");
    return static_cast<std::size_t>(it - header_.begin());
  }
  const std::string& text(std::size_t r, std::size_t c) const { return rows_[r][c]; }
  double num(std::size_t r, std::size_t c) const {
    const std::string& s = rows_[r][c];
    const char* begin = s.c_str();
    char* end = nullptr;
    errno = 0;
    const double v = std::strtod(begin, &end);
    if (s.empty() || end != begin + s.size())
      fail(fmt::format("{}:{}: column '{}': '{}' is not a number", path_, lines_[r], header_[c], s));
    return v;
  }
  double num(std::size_t r, const std::string& name) const { return num(r, col(name)); }

 private:
  std::string path_;
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<int> lines_;
};

struct Manifest {
  std::string dir;
  nlohmann::json json;
  std::string workload;
  std::string fingerprint;
};

Manifest read_manifest(const std::string& dir) {
  Manifest m;
  m.dir = dir;
  const std::string path = dir + "/manifest.json";
  try {
    m.json = nlohmann::json::parse(read_text(path));
  } catch (const nlohmann::json::exception& e) {
    fail(path + ": not valid JSON (" + e.what() + ")");
  }
  if (!m.json.is_object() || !m.json.contains("workload") || !m.json["workload"].is_string())
    fail(path + ": no \"workload\"");
  m.workload = m.json["workload"].get<std::string>();
  if (m.json.contains("fingerprint") && m.json["fingerprint"].is_string()) m.fingerprint = m.json["fingerprint"];
  if (m.json.contains("complete") && m.json["complete"].is_boolean() && !m.json["complete"].get<bool>())
    fail(path + ": the run did not finish (\"complete\": false)");
  return m;
}

/// A number from the manifest's resolved scenario ("endurance.devices"), else from results.csv's `column`.
double scenario_number(const Manifest& m, const std::string& key, const std::string& column) {
  if (m.json.contains("scenario") && m.json["scenario"].is_object()) {
    const auto& s = m.json["scenario"];
    if (s.contains(key) && s[key].is_number()) return s[key].get<double>();
  }
  const Csv results(m.dir + "/results.csv");
  if (results.size() == 0) fail(results.path() + ": no rows");
  if (results.size() > 1) fail(results.path() + ": holds several points; compare the folders of one point");
  return results.num(0, column);
}

std::string num_text(double v) { return fmt::format("{:.9g}", v); }

void require_equal(const Manifest& a, const Manifest& b, const std::string& key, const std::string& column) {
  const double va = scenario_number(a, key, column), vb = scenario_number(b, key, column);
  if (va != vb)
    fail(fmt::format("the runs are not comparable: {} is {} in {} but {} in {}", key, num_text(va), a.dir, num_text(vb),
                     b.dir));
}

/// Histogram counts keyed by bin (any ordered key), per group (e.g. checkpoint×state).
template <class Key>
using Hist = std::map<Key, double>;

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

// ---- endurance ----

using EnduranceHists = std::map<std::pair<long long, std::string>, Hist<double>>;  // (cycle, state) -> bin_lo -> n

EnduranceHists read_endurance_hists(const std::string& dir) {
  const Csv h(dir + "/histograms.csv");
  const std::size_t cc = h.col("cycle"), cs = h.col("state"), cl = h.col("bin_lo_uS"), cn = h.col("devices");
  EnduranceHists out;
  for (std::size_t r = 0; r < h.size(); ++r)
    out[{static_cast<long long>(h.num(r, cc)), h.text(r, cs)}][h.num(r, cl)] += h.num(r, cn);
  return out;
}

void compare_endurance(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  require_equal(ma, mb, "endurance.devices", "devices");
  require_equal(ma, mb, "endurance.cycles", "cycles");
  const double devices = scenario_number(ma, "endurance.devices", "devices");
  const Csv ca(ma.dir + "/checkpoints.csv"), cb(mb.dir + "/checkpoints.csv");
  std::vector<long long> cycles;
  for (std::size_t r = 0; r < ca.size(); ++r) cycles.push_back(static_cast<long long>(ca.num(r, "cycle")));
  bool same = ca.size() == cb.size();
  for (std::size_t r = 0; same && r < cb.size(); ++r) same = static_cast<long long>(cb.num(r, "cycle")) == cycles[r];
  if (!same)
    fail("the runs are not comparable: " + ca.path() + " and " + cb.path() + " have different checkpoint cycles");
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
      const double m1 = ca.num(r, mean), m2 = cb.num(r, mean);
      rows.push_back(z_row(mean, where, m1, m2, two_mean_z(m1, ca.num(r, sd), na, m2, cb.num(r, sd), nb), "z mean"));
    }

    // Per-device states: one Bernoulli trial per device, devices independent -> binomial, pooled two-proportion z.
    for (const char* f : {"failed_fraction", "stuck_lrs_fraction", "stuck_hrs_fraction", "unformed_fraction"}) {
      const double p1 = ca.num(r, f), p2 = cb.num(r, f);
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
      const double p1 = ca.num(r, "ber_1t1r"), p2 = cb.num(r, "ber_1t1r");
      rows.push_back(z_row("ber_1t1r", where, p1, p2, two_proportion_z(p1, devices, p2, devices), "z BER/device"));
    }
    {
      const double p1 = ca.num(r, "ber_2t2r"), p2 = cb.num(r, "ber_2t2r");
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

// ---- write_verify ----

struct PulseHists {
  Hist<long long> converged, all;
};

PulseHists read_pulse_hists(const std::string& dir) {
  const Csv h(dir + "/pulses_histogram.csv");
  const std::size_t cp = h.col("set_pulses"), cc = h.col("converged_devices"), cu = h.col("unconverged_devices");
  PulseHists out;
  for (std::size_t r = 0; r < h.size(); ++r) {
    const long long k = static_cast<long long>(h.num(r, cp));
    const double conv = h.num(r, cc), unconv = h.num(r, cu);
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

// ---- bayes_machine ----

void compare_bayes_machine(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  require_equal(ma, mb, "bayes_machine.cycles", "cycles");
  const std::string ta = ma.json.value("task", std::string()), tb = mb.json.value("task", std::string());
  if (ta != tb) fail("the runs are not comparable: the task of " + ma.dir + " is '" + ta + "' but that of " + mb.dir + " is '" + tb + "'");
  const Csv ra(ma.dir + "/results.csv"), rb(mb.dir + "/results.csv");
  if (ra.size() != 1 || rb.size() != 1) fail("compare the folders of one bayes_machine point (results.csv with one row)");
  const double na = ra.num(0, "inferences"), nb = rb.num(0, "inferences");
  // Both runs classify the same test samples (the task is equal); given the samples, each inference's outcome is
  // an independent Bernoulli trial with its own p_i, so the variance of a fraction is mean p_i(1 − p_i)/N ≤
  // p(1 − p)/N: the pooled two-proportion z over inferences is conservative, also with repeats of a sample.
  const Csv ca(ma.dir + "/accuracy_vs_cycles.csv"), cb(mb.dir + "/accuracy_vs_cycles.csv");
  bool same = ca.size() == cb.size();
  for (std::size_t r = 0; same && r < ca.size(); ++r) same = ca.num(r, "cycles") == cb.num(r, "cycles");
  if (!same) fail("the runs are not comparable: " + ca.path() + " and " + cb.path() + " have different checkpoint cycles");
  for (std::size_t r = 0; r < ca.size(); ++r) {
    const std::string where = fmt::format("T = {}", num_text(ca.num(r, "cycles")));
    for (const char* f : {"accuracy", "agreement_with_exact", "ties"}) {
      const double p1 = ca.num(r, f), p2 = cb.num(r, f);
      rows.push_back(z_row(f, where, p1, p2, two_proportion_z(p1, na, p2, nb), "z proportion"));
    }
  }
  for (const char* f : {"early_accuracy", "fixed_point_accuracy"}) {
    const double p1 = ra.num(0, f), p2 = rb.num(0, f);
    rows.push_back(z_row(f, "all inferences", p1, p2, two_proportion_z(p1, na, p2, nb), "z proportion"));
  }
  // Upsets per inference: a sum of independent Bernoulli trials with tiny p, Poisson: Var(mean) = mean/N.
  for (const char* f : {"upsets_per_inference", "fixed_point_upsets_per_inference"}) {
    const double m1 = ra.num(0, f), m2 = rb.num(0, f);
    const double se = std::sqrt(m1 / na + m2 / nb);
    rows.push_back(z_row(f, "all inferences", m1, m2, se > 0 ? (m1 - m2) / se : (m1 == m2 ? 0.0 : kNaN), "z Poisson mean"));
  }
  // Decided classes per true class: the confusion matrix as one contingency table.
  const Csv fa(ma.dir + "/confusion.csv"), fb(mb.dir + "/confusion.csv");
  Hist<std::pair<long long, long long>> ha, hb;
  for (std::size_t r = 0; r < fa.size(); ++r)
    ha[{static_cast<long long>(fa.num(r, "true_class")), static_cast<long long>(fa.num(r, "decided_class"))}] += fa.num(r, "count");
  for (std::size_t r = 0; r < fb.size(); ++r)
    hb[{static_cast<long long>(fb.num(r, "true_class")), static_cast<long long>(fb.num(r, "decided_class"))}] += fb.num(r, "count");
  std::vector<double> va, vb;
  hist_vectors(ha, hb, va, vb);
  rows.push_back(chi_row("confusion matrix", "at T", va, vb));
}

}  // namespace

CompareReport compare_folders(const std::string& ref_dir, const std::string& test_dir) {
  const Manifest ma = read_manifest(ref_dir), mb = read_manifest(test_dir);
  if (ma.workload != mb.workload)
    fail("the runs are not comparable: " + ref_dir + " is a " + ma.workload + " run but " + test_dir + " is a " +
         mb.workload + " run");
  CompareReport report;
  if (ma.workload == "endurance") compare_endurance(ma, mb, report.rows);
  else if (ma.workload == "write_verify") compare_write_verify(ma, mb, report.rows);
  else if (ma.workload == "bayes_machine") compare_bayes_machine(ma, mb, report.rows);
  else fail("workload '" + ma.workload + "' has no comparison yet (endurance, write_verify and bayes_machine have)");
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

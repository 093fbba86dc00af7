#include "fit/fit.hpp"

#include <fmt/format.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "fit/optimize.hpp"
#include "scenario/error.hpp"
#include "build_info.h"

namespace mc {

namespace {

using Eigen::VectorXd;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kLn2Pi = std::log(2 * M_PI);
/// A d2d sigma of ln G below this is reported as zero (not detectable; no standard error).
constexpr double kTinySigma = 1e-4;
/// Data quantiles are reported where at least this many reads lie beyond them (the extreme few are noise).
constexpr double kTailReads = 5;

double norm_cdf(double z) { return 0.5 * std::erfc(-z / std::sqrt(2.0)); }

/// Inverse of the standard normal CDF (Acklam's rational approximation, refined by one Halley step).
double norm_quantile(double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00};
  if (p <= 0) return -std::numeric_limits<double>::infinity();
  if (p >= 1) return std::numeric_limits<double>::infinity();
  double x;
  if (p < 0.02425) {
    const double q = std::sqrt(-2 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p > 1 - 0.02425) {
    const double q = std::sqrt(-2 * std::log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else {
    const double q = p - 0.5, r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const double e = norm_cdf(x) - p;
  const double u = e * std::sqrt(2 * M_PI) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

/// Piecewise-linear through (x, y), constant beyond the ends: what the kernels' table_eval computes.
double table_at(const std::vector<double>& x, const std::vector<double>& y, double v) {
  if (v <= x.front()) return y.front();
  for (std::size_t i = 1; i < x.size(); ++i)
    if (v <= x[i]) return y[i - 1] + (v - x[i - 1]) / (x[i] - x[i - 1]) * (y[i] - y[i - 1]);
  return y.back();
}

double sigma_of(const LawFit& law, double g) {
  if (law.law == "sqrt") return law.coef[0].value * std::sqrt(g);
  if (law.law == "relative") return law.coef[0].value * g;
  if (law.law == "power") return law.coef[0].value * std::pow(g, law.coef[1].value);
  std::vector<double> y;
  for (const Estimate& e : law.coef) y.push_back(e.value);
  return table_at(law.knots, y, g);
}

double median_of(const LawFit& law, double i_c) {
  if (law.law == "linear") return law.coef[0].value * i_c;
  if (law.law == "power") return law.coef[0].value * std::pow(i_c, law.coef[1].value);
  std::vector<double> y;
  for (const Estimate& e : law.coef) y.push_back(e.value);
  return table_at(law.knots, y, i_c);
}

/// Variance of one read around a programmed state of median g with c2c sigma s, relative read noise r2 = sigma_rel^2:
/// Var(G(1 + sigma_rel*e)) = s^2(1 + r2) + g^2 r2.
double read_variance(double s, double g, double r2) { return s * s * (1 + r2) + g * g * r2; }

double se_of(const fit::Optimum& o, Eigen::Index i) {
  const double v = o.cov(i, i);
  return v >= 0 ? std::sqrt(v) : kNaN;
}

/// A parameter fitted as its logarithm: value e^x, standard error e^x * se(x).
Estimate exp_estimate(const fit::Optimum& o, Eigen::Index i) { return {std::exp(o.x[i]), std::exp(o.x[i]) * se_of(o, i)}; }

/// k * x0^p = b where the law was fitted as b * (x/x0)^p with ln b = o.x[ib], p = o.x[ip]: k = b * x0^-p.
Estimate power_coefficient(const fit::Optimum& o, Eigen::Index ib, Eigen::Index ip, double ln_x0) {
  const double p = o.x[ip];
  const double ln_k = o.x[ib] - p * ln_x0;
  const double var = o.cov(ib, ib) + ln_x0 * ln_x0 * o.cov(ip, ip) - 2 * ln_x0 * o.cov(ib, ip);
  return {std::exp(ln_k), std::exp(ln_k) * (var >= 0 ? std::sqrt(var) : kNaN)};
}

std::string num(double v, int digits = 6) {
  if (!std::isfinite(v)) return "nan";
  return fmt::format("{:.{}g}", v, digits);
}

/// "± 0.0021" with two significant digits, or "± n/a".
std::string pm(double se) { return std::isfinite(se) ? "± " + num(se, 2) : "± n/a"; }

void choose(std::vector<LawFit>& laws, const std::string& forced, const std::string& option, std::size_t& choice, std::string& why,
            const std::string& nested_note) {
  std::size_t best = laws.size();
  for (std::size_t i = 0; i < laws.size(); ++i)
    if (laws[i].available && laws[i].converged && (best == laws.size() || laws[i].aic < laws[best].aic)) best = i;
  if (best == laws.size()) throw std::runtime_error("fit: no " + option.substr(2) + " candidate converged");
  choice = best;
  if (forced != "auto") {
    for (std::size_t i = 0; i < laws.size(); ++i)
      if (laws[i].law == forced) {
        if (!laws[i].available) throw InputError("fit: " + option + " " + forced + ": " + laws[i].why_not);
        if (!laws[i].converged) throw InputError("fit: " + option + " " + forced + ": the fit did not converge");
        choice = i;
      }
  }
  const LawFit& c = laws[choice];
  why = forced != "auto" ? c.law + " as asked (" + option + "); the lowest AIC is " + laws[best].law + "'s"
                         : c.law + " has the lowest AIC";
  for (const LawFit& l : laws) {
    if (&l == &c) continue;
    if (!l.available) {
      why += "; " + l.law + " not tried (" + l.why_not + ")";
      continue;
    }
    why += fmt::format("; {} {:+.1f}", l.law, l.aic - c.aic);
    if (l.law == "power" && l.coef.size() == 2) why += fmt::format(" (exponent {} {})", num(l.coef[1].value, 4), pm(l.coef[1].se));
  }
  if (!nested_note.empty() && forced == "auto") why += ". " + nested_note;
}

}  // namespace

FitResult fit_device_model(const Measurements& data, const FitOptions& options) {
  FitResult r;
  r.devices = data.devices.size();

  // First read of each programmed state (c2c, d2d and laws), and repeated reads (read noise).
  struct Group {
    double compliance = kNaN;
    double first = 0;
    int first_repeat = std::numeric_limits<int>::max();
    std::vector<double> all;
  };
  std::map<std::tuple<int, std::int64_t, bool>, Group> groups;
  double g_lo = std::numeric_limits<double>::infinity(), g_hi = 0;
  for (const MeasuredRead& m : data.reads) {
    Group& g = groups[{m.device, m.cycle, m.lrs}];
    if (m.repeat < g.first_repeat) g.first_repeat = m.repeat, g.first = m.g;
    if (m.lrs) g.compliance = m.compliance;
    g.all.push_back(m.g);
    g_lo = std::min(g_lo, m.g), g_hi = std::max(g_hi, m.g);
  }
  r.g_min = std::min(0.01, 0.5 * g_lo);
  r.g_max = std::max(1000.0, 2 * g_hi);

  // Read noise: the relative spread of repeats around their mean.
  double ss_l = 0, ss_h = 0;
  std::size_t df_l = 0, df_h = 0;
  for (const auto& [key, g] : groups) {
    if (g.all.size() < 2) continue;
    const double mean = std::accumulate(g.all.begin(), g.all.end(), 0.0) / static_cast<double>(g.all.size());
    double ss = 0;
    for (double v : g.all) ss += (v - mean) * (v - mean) / (mean * mean);
    (std::get<2>(key) ? ss_l : ss_h) += ss;
    (std::get<2>(key) ? df_l : df_h) += g.all.size() - 1;
    r.repeated_reads += g.all.size() - 1;
  }
  r.read_df = df_l + df_h;
  if (r.read_df > 0) {
    r.read_fitted = true;
    const auto est = [](double ss, std::size_t df) {
      if (df == 0) return Estimate{kNaN, kNaN};
      const double s = std::sqrt(ss / static_cast<double>(df));
      return Estimate{s, s / std::sqrt(2.0 * static_cast<double>(df))};
    };
    r.read_sigma_rel = est(ss_l + ss_h, r.read_df);
    r.read_sigma_rel_lrs = est(ss_l, df_l);
    r.read_sigma_rel_hrs = est(ss_h, df_h);
  }
  const double r2 = r.read_fitted ? r.read_sigma_rel.value * r.read_sigma_rel.value : 0.0;

  // LRS cells: one device at one compliance.
  struct CellAcc {
    std::vector<double> v;
  };
  std::map<std::pair<int, double>, CellAcc> cell_acc;
  std::map<int, std::vector<double>> hrs_by_device;
  std::set<double> compliance_set;
  std::map<int, std::set<std::int64_t>> cycles_of_device;
  for (const auto& [key, g] : groups) {
    const int dev = std::get<0>(key);
    cycles_of_device[dev].insert(std::get<1>(key));
    if (std::get<2>(key)) {
      cell_acc[{dev, g.compliance}].v.push_back(g.first);
      compliance_set.insert(g.compliance);
      ++r.lrs_reads;
    } else {
      hrs_by_device[dev].push_back(g.first);
      r.hrs_reads_all.push_back(g.first);
      ++r.hrs_reads;
    }
  }
  for (const auto& [dev, cycles] : cycles_of_device) r.max_cycles_per_device = std::max<std::int64_t>(r.max_cycles_per_device, static_cast<std::int64_t>(cycles.size()));
  r.compliances.assign(compliance_set.begin(), compliance_set.end());
  const std::size_t nc = r.compliances.size();
  const auto compliance_index = [&](double ic) {
    return static_cast<std::size_t>(std::lower_bound(r.compliances.begin(), r.compliances.end(), ic) - r.compliances.begin());
  };
  struct CellStat {
    int device;
    std::size_t ci;
    std::size_t n;
    double mean, ss;
  };
  std::vector<CellStat> cells;
  std::set<int> lrs_devs;
  r.lrs_by_compliance.assign(nc, {});
  for (const auto& [key, acc] : cell_acc) {
    const std::size_t n = acc.v.size();
    const double mean = std::accumulate(acc.v.begin(), acc.v.end(), 0.0) / static_cast<double>(n);
    double ss = 0;
    for (double v : acc.v) ss += (v - mean) * (v - mean);
    const std::size_t ci = compliance_index(key.second);
    cells.push_back({key.first, ci, n, mean, ss});
    r.cells.push_back({key.second, mean, n >= 2 ? std::sqrt(ss / static_cast<double>(n - 1)) : kNaN, n});
    lrs_devs.insert(key.first);
    for (double v : acc.v) r.lrs_by_compliance[ci].push_back(v);
  }
  for (auto& v : r.lrs_by_compliance) std::sort(v.begin(), v.end());
  std::sort(r.hrs_reads_all.begin(), r.hrs_reads_all.end());
  r.lrs_devices = lrs_devs.size();
  r.hrs_devices = hrs_by_device.size();

  // Per-compliance medians (descriptive; the sigma table's knots): geometric mean of the devices' mean reads.
  r.compliance_medians.assign(nc, {});
  r.devices_per_compliance.assign(nc, 0);
  {
    std::vector<std::vector<double>> logs(nc);
    for (const CellStat& c : cells) logs[c.ci].push_back(std::log(c.mean));
    for (std::size_t i = 0; i < nc; ++i) {
      const double n = static_cast<double>(logs[i].size());
      const double m = std::accumulate(logs[i].begin(), logs[i].end(), 0.0) / n;
      double ss = 0;
      for (double v : logs[i]) ss += (v - m) * (v - m);
      r.compliance_medians[i] = {std::exp(m), logs[i].size() >= 2 ? std::exp(m) * std::sqrt(ss / (n - 1) / n) : kNaN};
      r.devices_per_compliance[i] = logs[i].size();
    }
  }

  // ---- The c2c sigma law: residual likelihood of each cell's reads around its mean. ----
  {
    std::vector<const CellStat*> used;
    double sum_df = 0, s_sqrt = 0, s_rel = 0, sum_ln_g = 0;
    for (const CellStat& c : cells)
      if (c.n >= 2) {
        used.push_back(&c);
        const double df = static_cast<double>(c.n - 1);
        sum_df += df, s_sqrt += c.ss / c.mean, s_rel += c.ss / (c.mean * c.mean), sum_ln_g += df * std::log(c.mean);
      }
    const double ln_g0 = sum_ln_g / sum_df;
    const auto loglik = [&](const auto& sigma_at) {
      double ll = 0;
      for (const CellStat* c : used) {
        const double var = read_variance(sigma_at(c->mean), c->mean, r2);
        ll -= 0.5 * (static_cast<double>(c->n - 1) * (kLn2Pi + std::log(var)) + c->ss / var);
      }
      return ll;
    };
    const auto finish = [&](LawFit& law, const fit::Optimum& o) {
      law.converged = o.converged;
      law.loglik = -o.f;
      law.params = static_cast<int>(o.x.size());
      law.aic = 2 * law.params - 2 * law.loglik;
    };
    {
      LawFit l{"sqrt"};
      VectorXd x0(1);
      x0 << 0.5 * std::log(s_sqrt / sum_df);
      const auto o = fit::minimize([&](const VectorXd& x) { const double a = std::exp(x[0]); return -loglik([&](double g) { return a * std::sqrt(g); }); }, x0);
      l.coef = {exp_estimate(o, 0)};
      finish(l, o);
      r.sigma_laws.push_back(l);
    }
    {
      LawFit l{"relative"};
      VectorXd x0(1);
      x0 << 0.5 * std::log(s_rel / sum_df);
      const auto o = fit::minimize([&](const VectorXd& x) { const double a = std::exp(x[0]); return -loglik([&](double g) { return a * g; }); }, x0);
      l.coef = {exp_estimate(o, 0)};
      finish(l, o);
      r.sigma_laws.push_back(l);
    }
    {
      LawFit l{"power"};
      VectorXd x0(2);
      x0 << 0.5 * std::log(s_sqrt / sum_df) + 0.5 * ln_g0, 0.5;
      const auto o = fit::minimize(
          [&](const VectorXd& x) {
            const double b = std::exp(x[0]), p = x[1];
            return -loglik([&](double g) { return b * std::exp(p * (std::log(g) - ln_g0)); });
          },
          x0);
      l.coef = {power_coefficient(o, 0, 1, ln_g0), {o.x[1], se_of(o, 1)}};
      finish(l, o);
      if (!(o.x[1] >= 0 && o.x[1] <= 2)) l.available = false, l.why_not = "its exponent " + num(o.x[1], 3) + " is outside memcarlo's 0 .. 2";
      r.sigma_laws.push_back(l);
    }
    {
      LawFit l{"table"};
      std::vector<double> knots;
      for (const Estimate& e : r.compliance_medians) knots.push_back(e.value);
      std::vector<double> sorted = knots;
      std::sort(sorted.begin(), sorted.end());
      if (nc < 2 || nc > static_cast<std::size_t>(kMaxTable)) {
        l.available = false, l.why_not = nc < 2 ? "one compliance: a table needs 2 points" : "more than 16 compliances (a table holds 16 points)";
      } else if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
        l.available = false, l.why_not = "two compliances have the same median";
      } else {
        l.knots = sorted;
        // Start: the pooled spread of the cells nearest each knot.
        std::vector<double> ss(nc, 0), df(nc, 0);
        for (const CellStat* c : used) {
          const std::size_t k = static_cast<std::size_t>(std::min_element(sorted.begin(), sorted.end(), [&](double a, double b) { return std::fabs(a - c->mean) < std::fabs(b - c->mean); }) - sorted.begin());
          ss[k] += c->ss, df[k] += static_cast<double>(c->n - 1);
        }
        VectorXd x0(static_cast<Eigen::Index>(nc));
        for (std::size_t k = 0; k < nc; ++k) x0[static_cast<Eigen::Index>(k)] = 0.5 * std::log(df[k] > 0 ? ss[k] / df[k] : s_sqrt / sum_df * sorted[k]);
        const auto o = fit::minimize(
            [&](const VectorXd& x) {
              std::vector<double> y(nc);
              for (std::size_t k = 0; k < nc; ++k) y[k] = std::exp(x[static_cast<Eigen::Index>(k)]);
              return -loglik([&](double g) { return table_at(sorted, y, g); });
            },
            x0);
        for (std::size_t k = 0; k < nc; ++k) l.coef.push_back(exp_estimate(o, static_cast<Eigen::Index>(k)));
        finish(l, o);
      }
      r.sigma_laws.push_back(l);
    }
    choose(r.sigma_laws, options.sigma_law, "--sigma-law", r.sigma_choice, r.sigma_why,
           "sqrt and relative are power with the exponent fixed at 0.5 and 1: AIC keeps them unless the free exponent "
           "raises the log-likelihood by more than 1");
  }

  // ---- The median law and the LRS d2d sigma: a mixed model of ln(cell mean) with a random device effect. ----
  {
    struct Y {
      std::size_t ci;
      double y, v;
    };
    std::map<int, std::vector<Y>> by_device;
    const LawFit& sig = r.sigma();
    for (const CellStat& c : cells) {
      const double v = read_variance(sigma_of(sig, c.mean), c.mean, r2) / (static_cast<double>(c.n) * c.mean * c.mean);
      by_device[c.device].push_back({c.ci, std::log(c.mean) + 0.5 * v, v});  // + v/2: E ln(mean) = ln(median) - v/2
    }
    std::vector<double> ln_i(nc);
    for (std::size_t i = 0; i < nc; ++i) ln_i[i] = std::log(r.compliances[i]);
    double ln_i0 = 0, n_cells = 0;
    for (const CellStat& c : cells) ln_i0 += ln_i[c.ci], n_cells += 1;
    ln_i0 /= n_cells;
    // Mixed-model log-likelihood, each device's cells jointly normal with covariance diag(v) + tau^2 * 1 1'.
    const auto loglik = [&](const std::vector<double>& f, double tau2) {
      double ll = 0;
      for (const auto& [dev, ys] : by_device) {
        double s0 = 0, s1 = 0, q = 0, lv = 0;
        for (const Y& y : ys) {
          const double res = y.y - f[y.ci];
          s0 += 1 / y.v, s1 += res / y.v, q += res * res / y.v, lv += std::log(y.v);
        }
        ll -= 0.5 * (static_cast<double>(ys.size()) * kLn2Pi + lv + std::log1p(tau2 * s0) + q - tau2 * s1 * s1 / (1 + tau2 * s0));
      }
      return ll;
    };
    // Starting values: per-compliance means of y and the pooled between-device spread.
    std::vector<double> ybar(nc, 0), ny(nc, 0);
    for (const auto& [dev, ys] : by_device)
      for (const Y& y : ys) ybar[y.ci] += y.y, ny[y.ci] += 1;
    for (std::size_t i = 0; i < nc; ++i) ybar[i] /= ny[i];
    double between = 0, vbar = 0, nb = 0;
    for (const auto& [dev, ys] : by_device)
      for (const Y& y : ys) between += (y.y - ybar[y.ci]) * (y.y - ybar[y.ci]), vbar += y.v, nb += 1;
    const double tau0 = std::sqrt(std::max(between / std::max(1.0, nb - static_cast<double>(nc)) - vbar / nb, 1e-6));
    double ln_k0 = 0;
    for (std::size_t i = 0; i < nc; ++i) ln_k0 += ny[i] * (ybar[i] - ln_i[i]);
    ln_k0 /= nb;
    const auto finish = [&](LawFit& law, const fit::Optimum& o) {
      law.converged = o.converged;
      law.loglik = -o.f;
      law.params = static_cast<int>(o.x.size());
      law.aic = 2 * law.params - 2 * law.loglik;
      const Eigen::Index t = o.x.size() - 1;
      law.d2d = std::exp(o.x[t]) < kTinySigma ? Estimate{0.0, kNaN} : exp_estimate(o, t);
    };
    const auto tau2_of = [](double ln_tau) { return std::exp(2 * std::max(ln_tau, -30.0)); };
    {
      LawFit l{"linear"};
      VectorXd x0(2);
      x0 << ln_k0, std::log(tau0);
      const auto o = fit::minimize(
          [&](const VectorXd& x) {
            std::vector<double> f(nc);
            for (std::size_t i = 0; i < nc; ++i) f[i] = x[0] + ln_i[i];
            return -loglik(f, tau2_of(x[1]));
          },
          x0);
      l.coef = {exp_estimate(o, 0)};
      finish(l, o);
      r.median_laws.push_back(l);
    }
    {
      LawFit l{"power"};
      if (nc < 2) {
        l.available = false, l.why_not = "one compliance: the exponent needs 2";
      } else {
        VectorXd x0(3);
        x0 << ln_k0 + ln_i0, 1.0, std::log(tau0);
        const auto o = fit::minimize(
            [&](const VectorXd& x) {
              std::vector<double> f(nc);
              for (std::size_t i = 0; i < nc; ++i) f[i] = x[0] + x[1] * (ln_i[i] - ln_i0);
              return -loglik(f, tau2_of(x[2]));
            },
            x0);
        l.coef = {power_coefficient(o, 0, 1, ln_i0), {o.x[1], se_of(o, 1)}};
        finish(l, o);
        if (!(o.x[1] >= 0.05 && o.x[1] <= 10)) l.available = false, l.why_not = "its exponent " + num(o.x[1], 3) + " is outside memcarlo's 0.05 .. 10";
      }
      r.median_laws.push_back(l);
    }
    {
      LawFit l{"table"};
      bool increasing = true;
      for (std::size_t i = 1; i < nc; ++i) increasing = increasing && ybar[i] > ybar[i - 1];
      if (nc < 2 || nc > static_cast<std::size_t>(kMaxTable)) {
        l.available = false, l.why_not = nc < 2 ? "one compliance: a table needs 2 points" : "more than 16 compliances (a table holds 16 points)";
      } else {
        VectorXd x0(static_cast<Eigen::Index>(nc + 1));
        for (std::size_t i = 0; i < nc; ++i) x0[static_cast<Eigen::Index>(i)] = ybar[i];
        x0[static_cast<Eigen::Index>(nc)] = std::log(tau0);
        const auto o = fit::minimize(
            [&](const VectorXd& x) {
              std::vector<double> f(nc);
              for (std::size_t i = 0; i < nc; ++i) f[i] = x[static_cast<Eigen::Index>(i)];
              return -loglik(f, tau2_of(x[static_cast<Eigen::Index>(nc)]));
            },
            x0);
        l.knots = r.compliances;
        for (std::size_t i = 0; i < nc; ++i) l.coef.push_back(exp_estimate(o, static_cast<Eigen::Index>(i)));
        finish(l, o);
        for (std::size_t i = 1; i < nc; ++i) increasing = increasing && l.coef[i].value > l.coef[i - 1].value;
        if (!increasing) l.available = false, l.why_not = "the medians do not increase with the compliance (memcarlo inverts the law)";
      }
      r.median_laws.push_back(l);
    }
    choose(r.median_laws, options.median_law, "--median-law", r.median_choice, r.median_why,
           "linear is power with the exponent fixed at 1; table is one free median per compliance");
    if (r.median().d2d.value == 0) r.notes.push_back("LRS d2d spread not detectable: written as 0");
  }

  // ---- HRS: one-way random effects in ln G (device effect + c2c), read noise deducted. ----
  {
    struct Dev {
      double n, mean, ss;
    };
    std::vector<Dev> devs;
    double sum_df = 0;
    for (const auto& [dev, v] : hrs_by_device) {
      Dev d{static_cast<double>(v.size()), 0, 0};
      for (double g : v) d.mean += std::log(g);
      d.mean /= d.n;
      for (double g : v) d.ss += (std::log(g) - d.mean) * (std::log(g) - d.mean);
      sum_df += d.n - 1;
      devs.push_back(d);
    }
    if (devs.empty()) {
      r.hrs_note = "no HRS reads: hrs.* not fitted (memcarlo's defaults apply)";
    } else if (devs.size() < 2) {
      r.hrs_note = "HRS reads of one device only: hrs.* not fitted (the d2d split needs 2 devices)";
    } else if (sum_df < 1) {
      r.hrs_note = "one HRS read per device: hrs.* not fitted (the c2c spread needs 2 cycles of a device)";
    } else {
      double m0 = 0, sw0 = 0, vb = 0, nbar = 0;
      for (const Dev& d : devs) m0 += d.mean, sw0 += d.ss, nbar += d.n;
      m0 /= static_cast<double>(devs.size()), sw0 /= sum_df, nbar /= static_cast<double>(devs.size());
      for (const Dev& d : devs) vb += (d.mean - m0) * (d.mean - m0);
      vb /= static_cast<double>(devs.size() - 1);
      VectorXd x0(3);
      x0 << m0, 0.5 * std::log(sw0), 0.5 * std::log(std::max(vb - sw0 / nbar, 1e-6));
      const auto o = fit::minimize(
          [&](const VectorXd& x) {
            const double w2 = std::exp(2 * x[1]), b2 = std::exp(2 * std::max(x[2], -30.0));
            double ll = 0;
            for (const Dev& d : devs) {
              const double tot = w2 + d.n * b2;
              ll -= 0.5 * (d.n * kLn2Pi + (d.n - 1) * std::log(w2) + std::log(tot) + d.ss / w2 + d.n * (d.mean - x[0]) * (d.mean - x[0]) / tot);
            }
            return -ll;
          },
          x0);
      r.hrs_fitted = o.converged;
      if (!o.converged) r.hrs_note = "the HRS fit did not converge: hrs.* not written";
      r.hrs_median = exp_estimate(o, 0);
      const double sw = std::exp(o.x[1]);
      const double sh2 = sw * sw - r2;  // var ln(1 + sigma_rel*e) = sigma_rel^2 to first order
      const double sh = std::sqrt(std::max(sh2, 0.0));
      r.hrs_sigma_ln = sh > 0 ? Estimate{sh, sw * sw * se_of(o, 1) / sh} : Estimate{0, kNaN};
      r.hrs_d2d_sigma_ln = std::exp(o.x[2]) < kTinySigma ? Estimate{0, kNaN} : exp_estimate(o, 2);
      if (r.hrs_d2d_sigma_ln.value == 0) r.notes.push_back("HRS d2d spread not detectable: written as 0");
    }
  }

  // ---- Lifetime: Weibull by maximum likelihood, censored devices through their survival term. ----
  {
    std::vector<double> u;
    std::vector<bool> failed;
    for (const auto& l : data.lifetimes)
      if (l) r.lifetimes.push_back({l->cycles, l->censored}), (l->censored ? r.censored : r.failed) += 1;
    if (!data.has_lifetime_columns) {
      r.wear_note = "no cycles_to_failure column: wear.* not fitted (memcarlo's defaults apply)";
    } else if (r.failed < 2) {
      r.wear_note = fmt::format("{} failed device(s): the Weibull fit needs at least 2 failures; wear.* not fitted", r.failed);
    } else {
      double ln_t0 = 0;
      for (const auto& [t, c] : r.lifetimes) ln_t0 += std::log(t);
      ln_t0 /= static_cast<double>(r.lifetimes.size());
      double sum_t = 0;
      for (const auto& [t, c] : r.lifetimes) u.push_back(std::log(t) - ln_t0), failed.push_back(!c), sum_t += std::exp(std::log(t) - ln_t0);
      VectorXd x0(2);
      x0 << 0.0, std::log(sum_t / static_cast<double>(r.failed));
      const auto o = fit::minimize(
          [&](const VectorXd& x) {
            const double k = std::exp(x[0]), s = x[1];
            double nll = 0;
            for (std::size_t i = 0; i < u.size(); ++i) {
              if (failed[i]) nll -= x[0] - s + (k - 1) * (u[i] - s);
              nll += std::exp(k * (u[i] - s));
            }
            return nll;
          },
          x0);
      r.wear_fitted = o.converged;
      if (!o.converged) r.wear_note = "the Weibull fit did not converge: wear.* not written";
      r.weibull_shape = exp_estimate(o, 0);
      r.weibull_scale = {std::exp(ln_t0 + o.x[1]), std::exp(ln_t0 + o.x[1]) * se_of(o, 1)};
    }
  }
  if (!r.read_fitted)
    r.notes.push_back("no repeated reads: the read noise cannot be told from the c2c spread, so the sigma law includes it and the preset says read.noise: none");
  return r;
}

DeviceModel fitted_model(const FitResult& fit) {
  DeviceModel m{};
  const LawFit& med = fit.median();
  m.median_law = med.law == "linear" ? MedianLaw::kLinear : med.law == "power" ? MedianLaw::kPower : MedianLaw::kTable;
  m.median_k = static_cast<float>(med.law == "table" ? 1.5 : med.coef[0].value);
  m.median_p = static_cast<float>(med.law == "power" ? med.coef[1].value : 1.0);
  const LawFit& sig = fit.sigma();
  m.sigma_law = sig.law == "sqrt" ? SigmaLaw::kSqrt : sig.law == "relative" ? SigmaLaw::kRelative : sig.law == "power" ? SigmaLaw::kPower : SigmaLaw::kTable;
  m.sigma_a = static_cast<float>(sig.law == "table" ? 1.0 : sig.coef[0].value);
  m.sigma_p = static_cast<float>(sig.law == "power" ? sig.coef[1].value : 0.5);
  const auto fill = [](Table& t, const std::vector<double>& x, const std::vector<Estimate>& y) {
    t = Table{};
    t.n = static_cast<int>(x.size());
    for (int i = 0; i < kMaxTable; ++i) {
      const std::size_t j = static_cast<std::size_t>(std::min(i, t.n - 1));
      t.x[i] = static_cast<float>(x[j]) + static_cast<float>(std::max(0, i - t.n + 1));
      t.y[i] = static_cast<float>(y[j].value);
    }
  };
  if (med.law == "table") fill(m.median_table, med.knots, med.coef);
  if (sig.law == "table") fill(m.sigma_table, sig.knots, sig.coef);
  m.lrs_d2d_sigma_ln = static_cast<float>(med.d2d.value);
  m.g_min = static_cast<float>(fit.g_min);
  m.g_max = static_cast<float>(fit.g_max);
  m.hrs_median = static_cast<float>(fit.hrs_fitted ? fit.hrs_median.value : 2.0);
  m.hrs_sigma_ln = static_cast<float>(fit.hrs_fitted ? fit.hrs_sigma_ln.value : 0.6);
  m.hrs_d2d_sigma_ln = static_cast<float>(fit.hrs_fitted ? fit.hrs_d2d_sigma_ln.value : 0.3);
  m.read_noise = fit.read_fitted ? ReadNoise::kGaussian : ReadNoise::kNone;
  m.read_sigma_rel = static_cast<float>(fit.read_fitted ? fit.read_sigma_rel.value : 0.0);
  m.weibull_shape = static_cast<float>(fit.wear_fitted ? fit.weibull_shape.value : 1.5);
  m.weibull_scale = static_cast<float>(fit.wear_fitted ? fit.weibull_scale.value : 1e8);
  return m;
}

double lrs_read_quantile(const FitResult& fit, double i_c, double z) {
  const double m = median_of(fit.median(), i_c);
  const double tau = fit.median().d2d.value;
  const double r2 = fit.read_fitted ? fit.read_sigma_rel.value * fit.read_sigma_rel.value : 0.0;
  // The d2d factor integrated on a grid of its normal deviate.
  constexpr int kN = 241;
  double mu[kN], sd[kN], w[kN], wsum = 0;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int i = 0; i < kN; ++i) {
    const double u = -6.0 + 12.0 * i / (kN - 1);
    mu[i] = m * std::exp(tau * u);
    sd[i] = std::sqrt(read_variance(sigma_of(fit.sigma(), mu[i]), mu[i], r2));
    w[i] = std::exp(-0.5 * u * u), wsum += w[i];
    lo = std::min(lo, mu[i] - 12 * sd[i]), hi = std::max(hi, mu[i] + 12 * sd[i]);
  }
  const double p = norm_cdf(z);
  for (int it = 0; it < 100; ++it) {
    const double g = 0.5 * (lo + hi);
    double f = 0;
    for (int i = 0; i < kN; ++i) f += w[i] * norm_cdf((g - mu[i]) / sd[i]);
    (f / wsum < p ? lo : hi) = g;
  }
  return 0.5 * (lo + hi);
}

double hrs_read_quantile(const FitResult& fit, double z) {
  const double r2 = fit.read_fitted ? fit.read_sigma_rel.value * fit.read_sigma_rel.value : 0.0;
  const double s = std::sqrt(fit.hrs_sigma_ln.value * fit.hrs_sigma_ln.value + fit.hrs_d2d_sigma_ln.value * fit.hrs_d2d_sigma_ln.value + r2);
  return fit.hrs_median.value * std::exp(s * z);
}

std::string fit_preset_yaml(const FitResult& fit, const Measurements& data, const std::string& when_utc) {
  std::string comp;
  for (double c : fit.compliances) comp += (comp.empty() ? "" : ", ") + num(c, 4);
  std::string y;
  y += "# Device preset fitted by `memcarlo fit` to measured reads (docs/fitting.md).\n";
  y += "# Provenance:\n";
  std::error_code ec;
  const std::string abs = std::filesystem::absolute(data.file, ec).lexically_normal().string();
  y += fmt::format("#   input:   {} ({} bytes)\n", ec ? data.file : abs, data.bytes);
  y += fmt::format("#   sha256:  {}\n", data.sha256);
  y += fmt::format("#   fitted:  {} by memcarlo {} ({})\n", when_utc, MC_VERSION, MC_GIT_REVISION);
  y += fmt::format("#   data:    {} devices; {} LRS reads of {} devices at {} compliance(s) ({} uA); {} HRS reads of {} devices;\n", fit.devices,
                   fit.lrs_reads, fit.lrs_devices, fit.compliances.size(), comp, fit.hrs_reads, fit.hrs_devices);
  y += fmt::format("#            up to {} cycles per device; {} repeated reads; lifetimes of {} devices ({} failed, {} censored)\n",
                   fit.max_cycles_per_device, fit.repeated_reads, fit.lifetimes.size(), fit.failed, fit.censored);
  y += "# Each fitted value carries its standard error (± 1 SE, from the observed information of its likelihood) in its\n";
  y += "# comment. Laws are chosen by AIC = 2 parameters - 2 ln L (lowest wins); the differences are listed beside each law.\n";
  y += "# Not fitted (memcarlo's defaults apply unless added here): wear.closure_*, wear.stuck_lrs_probability, forming.*,\n";
  y += "# pulse.*, read.voltage, read.width.\n";
  for (const std::string& n : fit.notes) y += "# Note: " + n + ".\n";
  if (!fit.hrs_note.empty()) y += "# Note: " + fit.hrs_note + ".\n";
  if (!fit.wear_note.empty()) y += "# Note: " + fit.wear_note + ".\n";
  const auto line = [](const std::string& text, const std::string& comment) {
    return comment.empty() ? text + "\n" : fmt::format("{:<30}# {}\n", text, comment);
  };
  const auto aic_list = [](const std::vector<LawFit>& laws, std::size_t chosen) {
    std::string s;
    for (const LawFit& l : laws)
      if (&l != &laws[chosen])
        s += (s.empty() ? "" : ", ") + (l.available && l.converged ? fmt::format("{} {:+.1f}", l.law, l.aic - laws[chosen].aic) : l.law + " n/a");
    return "AIC of the others: " + s;
  };
  const LawFit& med = fit.median();
  const LawFit& sig = fit.sigma();
  y += "lrs:\n";
  y += line("  median_law: " + med.law, aic_list(fit.median_laws, fit.median_choice));
  if (med.law == "linear") y += line("  median_k: " + num(med.coef[0].value), pm(med.coef[0].se) + " uS/uA");
  if (med.law == "power") {
    y += line("  median_k: " + num(med.coef[0].value), pm(med.coef[0].se) + " uS/uA^p");
    y += line("  median_p: " + num(med.coef[1].value), pm(med.coef[1].se));
  }
  if (med.law == "table") {
    y += line("  median_table:", "[compliance, median LRS conductance]");
    for (std::size_t i = 0; i < med.knots.size(); ++i)
      y += line(fmt::format("    - [{} uA, {} uS]", num(med.knots[i]), num(med.coef[i].value)), pm(med.coef[i].se) + " uS");
  }
  y += line("  sigma_law: " + sig.law, aic_list(fit.sigma_laws, fit.sigma_choice));
  if (sig.law == "sqrt") y += line("  sigma_a: " + num(sig.coef[0].value), pm(sig.coef[0].se) + " uS^0.5 (sigma = a*sqrt(G))");
  if (sig.law == "relative") y += line("  sigma_a: " + num(sig.coef[0].value), pm(sig.coef[0].se) + " (sigma = a*G)");
  if (sig.law == "power") {
    y += line("  sigma_a: " + num(sig.coef[0].value), pm(sig.coef[0].se) + " uS^(1-p) (sigma = a*G^p)");
    y += line("  sigma_p: " + num(sig.coef[1].value), pm(sig.coef[1].se));
  }
  if (sig.law == "table") {
    y += line("  sigma_table:", "[median G, c2c sigma]");
    for (std::size_t i = 0; i < sig.knots.size(); ++i)
      y += line(fmt::format("    - [{} uS, {} uS]", num(sig.knots[i]), num(sig.coef[i].value)), pm(sig.coef[i].se) + " uS");
  }
  y += line("  d2d_sigma_ln: " + num(med.d2d.value), pm(med.d2d.se));
  if (fit.hrs_fitted) {
    y += "hrs:\n";
    y += line("  median: " + num(fit.hrs_median.value) + " uS", pm(fit.hrs_median.se) + " uS");
    y += line("  sigma_ln: " + num(fit.hrs_sigma_ln.value), pm(fit.hrs_sigma_ln.se) + " (c2c, of ln G)");
    y += line("  d2d_sigma_ln: " + num(fit.hrs_d2d_sigma_ln.value), pm(fit.hrs_d2d_sigma_ln.se) + " (of ln of the device's median)");
  }
  y += "read:\n";
  if (fit.read_fitted) {
    y += line("  noise: gaussian", "");
    y += line("  sigma_rel: " + num(fit.read_sigma_rel.value),
              pm(fit.read_sigma_rel.se) + fmt::format(" ({} repeated reads; LRS {}, HRS {})", fit.read_df, num(fit.read_sigma_rel_lrs.value, 3), num(fit.read_sigma_rel_hrs.value, 3)));
  } else {
    y += line("  noise: none", "no repeated reads: the c2c sigma law includes the read noise");
  }
  if (fit.wear_fitted) {
    y += "wear:\n";
    y += line("  weibull_shape: " + num(fit.weibull_shape.value), pm(fit.weibull_shape.se));
    y += line("  weibull_scale: " + num(fit.weibull_scale.value), pm(fit.weibull_scale.se) + " cycles");
  }
  y += line("g_min: " + num(fit.g_min, 4) + " uS", "not fitted: at or below half the lowest read");
  y += line("g_max: " + num(fit.g_max, 4) + " uS", "not fitted: at or above twice the highest read");
  return y;
}

std::string fit_report_csv(const FitResult& fit) {
  std::string s = "section,series,chosen,compliance_uA,x,y,y_se\n";
  const auto row = [&](const std::string& section, const std::string& series, bool chosen, double ic, double x, double yv, double se) {
    s += fmt::format("{},{},{},{},{},{},{}\n", section, series, chosen ? 1 : 0, std::isfinite(ic) ? num(ic, 9) : "", num(x, 9),
                     num(yv, 9), std::isfinite(se) ? num(se, 4) : "");
  };
  const double lo_i = fit.compliances.front() / 1.5, hi_i = fit.compliances.back() * 1.5;
  // median: x compliance (uA), y median LRS conductance (uS).
  for (std::size_t i = 0; i < fit.compliances.size(); ++i)
    row("median", "data", false, fit.compliances[i], fit.compliances[i], fit.compliance_medians[i].value, fit.compliance_medians[i].se);
  for (std::size_t l = 0; l < fit.median_laws.size(); ++l) {
    const LawFit& law = fit.median_laws[l];
    if (!law.available || !law.converged) continue;
    for (int k = 0; k <= 60; ++k) {
      const double ic = lo_i * std::pow(hi_i / lo_i, k / 60.0);
      row("median", law.law, l == fit.median_choice, kNaN, ic, median_of(law, ic), kNaN);
    }
  }
  // sigma: x mean LRS read of a device at one compliance (uS), y the sd of its reads (uS); model curves include
  // the read noise, as the data do.
  const double r2 = fit.read_fitted ? fit.read_sigma_rel.value * fit.read_sigma_rel.value : 0.0;
  double g_lo = std::numeric_limits<double>::infinity(), g_hi = 0;
  for (const auto& c : fit.cells) {
    if (c.n < 2) continue;
    row("sigma", "data", false, c.compliance, c.mean, c.sd, kNaN);
    g_lo = std::min(g_lo, c.mean), g_hi = std::max(g_hi, c.mean);
  }
  for (std::size_t l = 0; l < fit.sigma_laws.size(); ++l) {
    const LawFit& law = fit.sigma_laws[l];
    if (!law.available || !law.converged) continue;
    for (int k = 0; k <= 60; ++k) {
      const double g = g_lo / 1.2 * std::pow(g_hi * 1.2 / (g_lo / 1.2), k / 60.0);
      row("sigma", law.law, l == fit.sigma_choice, kNaN, g, std::sqrt(read_variance(sigma_of(law, g), g, r2)), kNaN);
    }
  }
  // probit CDFs: x the probit (sigma), y the read conductance (uS), per compliance (LRS) and for HRS.
  const auto quantile = [](const std::vector<double>& v, double p) {
    const double pos = p * static_cast<double>(v.size()) - 0.5;
    const std::size_t i = static_cast<std::size_t>(std::clamp(std::floor(pos), 0.0, static_cast<double>(v.size() - 1)));
    const std::size_t j = std::min(i + 1, v.size() - 1);
    const double w = std::clamp(pos - static_cast<double>(i), 0.0, 1.0);
    return v[i] + w * (v[j] - v[i]);
  };
  for (std::size_t i = 0; i < fit.compliances.size(); ++i) {
    const auto& v = fit.lrs_by_compliance[i];
    for (int k = -45; k <= 45; ++k) {
      const double z = k / 10.0, p = norm_cdf(z);
      if (p < kTailReads / static_cast<double>(v.size()) || p > 1 - kTailReads / static_cast<double>(v.size())) continue;
      row("lrs_cdf", "data", false, fit.compliances[i], z, quantile(v, p), kNaN);
    }
    for (int k = -45; k <= 45; ++k) row("lrs_cdf", "model", true, fit.compliances[i], k / 10.0, lrs_read_quantile(fit, fit.compliances[i], k / 10.0), kNaN);
  }
  if (fit.hrs_fitted) {
    const auto& v = fit.hrs_reads_all;
    for (int k = -45; k <= 45; ++k) {
      const double z = k / 10.0, p = norm_cdf(z);
      if (p < kTailReads / static_cast<double>(v.size()) || p > 1 - kTailReads / static_cast<double>(v.size())) continue;
      row("hrs_cdf", "data", false, kNaN, z, quantile(v, p), kNaN);
    }
    for (int k = -45; k <= 45; ++k) row("hrs_cdf", "model", true, kNaN, k / 10.0, hrs_read_quantile(fit, k / 10.0), kNaN);
  }
  // weibull: x cycles, y failed fraction (Kaplan-Meier, plotted at the middle of each step), model F(t).
  if (fit.wear_fitted) {
    auto l = fit.lifetimes;
    std::sort(l.begin(), l.end());
    double surv = 1, at_risk = static_cast<double>(l.size());
    for (const auto& [t, cens] : l) {
      if (!cens) {
        const double next = surv * (1 - 1 / at_risk);
        row("weibull", "data", false, kNaN, t, 1 - 0.5 * (surv + next), kNaN);
        surv = next;
      }
      at_risk -= 1;
    }
    const double t_lo = l.front().first / 2, t_hi = l.back().first * 2;
    for (int k = 0; k <= 80; ++k) {
      const double t = t_lo * std::pow(t_hi / t_lo, k / 80.0);
      row("weibull", "model", true, kNaN, t, 1 - std::exp(-std::pow(t / fit.weibull_scale.value, fit.weibull_shape.value)), kNaN);
    }
  }
  return s;
}

std::string fit_summary(const FitResult& fit, const Measurements& data) {
  std::string comp;
  for (std::size_t i = 0; i < fit.compliances.size(); ++i)
    comp += (comp.empty() ? "" : ", ") + num(fit.compliances[i], 4) + " uA (" + std::to_string(fit.devices_per_compliance[i]) + " devices)";
  std::string s;
  s += fmt::format("memcarlo fit: {} (sha256 {}...)\n", data.file, data.sha256.substr(0, 12));
  s += fmt::format("  {} devices; LRS: {} reads of {} devices at {}; HRS: {} reads of {} devices; {} repeated reads; {} lifetimes "
                   "({} failed, {} censored)\n",
                   fit.devices, fit.lrs_reads, fit.lrs_devices, comp, fit.hrs_reads, fit.hrs_devices, fit.repeated_reads,
                   fit.lifetimes.size(), fit.failed, fit.censored);
  if (!data.ignored_columns.empty()) {
    s += "  columns not used:";
    for (const auto& c : data.ignored_columns) s += " " + c;
    s += "\n";
  }
  const auto table = [&](const std::string& title, const std::vector<LawFit>& laws, std::size_t chosen, const std::string& why) {
    s += "\n" + title + " (AIC = 2 parameters - 2 ln L; lower is better)\n";
    s += fmt::format("  {:<10} {:>6} {:>16} {:>14} {:>9}\n", "law", "params", "ln L", "AIC", "dAIC");
    for (std::size_t i = 0; i < laws.size(); ++i) {
      const LawFit& l = laws[i];
      if (!l.available && l.coef.empty()) {
        s += fmt::format("  {:<10} {:>6} {:>16} {:>14} {:>9}  {}\n", l.law, "-", "-", "-", "-", l.why_not);
        continue;
      }
      s += fmt::format("  {:<10} {:>6} {:>16.2f} {:>14.2f} {:>+9.2f}  {}\n", l.law, l.params, l.loglik, l.aic, l.aic - laws[chosen].aic,
                       i == chosen ? "chosen" : (!l.available ? l.why_not : !l.converged ? "did not converge" : ""));
    }
    s += "  why: " + why + ".\n";
  };
  table("LRS median vs compliance", fit.median_laws, fit.median_choice, fit.median_why);
  table("LRS c2c sigma vs median G", fit.sigma_laws, fit.sigma_choice, fit.sigma_why);

  std::vector<std::array<std::string, 4>> rows;
  const auto add = [&](const std::string& key, const Estimate& e, const std::string& unit, const std::string& from) {
    rows.push_back({key, num(e.value), std::isfinite(e.se) ? num(e.se, 2) : "n/a", unit + (from.empty() ? "" : "  " + from)});
  };
  const LawFit& med = fit.median();
  const LawFit& sig = fit.sigma();
  if (med.law == "linear") add("lrs.median_k", med.coef[0], "uS/uA", "");
  if (med.law == "power") add("lrs.median_k", med.coef[0], "uS/uA^p", ""), add("lrs.median_p", med.coef[1], "", "");
  if (med.law == "table")
    for (std::size_t i = 0; i < med.knots.size(); ++i) add("lrs.median_table @ " + num(med.knots[i], 4) + " uA", med.coef[i], "uS", "");
  if (sig.law == "sqrt" || sig.law == "relative") add("lrs.sigma_a", sig.coef[0], sig.law == "sqrt" ? "uS^0.5" : "", "");
  if (sig.law == "power") add("lrs.sigma_a", sig.coef[0], "uS^(1-p)", ""), add("lrs.sigma_p", sig.coef[1], "", "");
  if (sig.law == "table")
    for (std::size_t i = 0; i < sig.knots.size(); ++i) add("lrs.sigma_table @ " + num(sig.knots[i], 4) + " uS", sig.coef[i], "uS", "");
  add("lrs.d2d_sigma_ln", med.d2d, "", "random device effect");
  if (fit.hrs_fitted) {
    add("hrs.median", fit.hrs_median, "uS", "");
    add("hrs.sigma_ln", fit.hrs_sigma_ln, "", "c2c (within device)");
    add("hrs.d2d_sigma_ln", fit.hrs_d2d_sigma_ln, "", "random device effect");
  }
  if (fit.read_fitted) add("read.sigma_rel", fit.read_sigma_rel, "", fmt::format("{} repeated reads", fit.read_df));
  if (fit.wear_fitted) {
    add("wear.weibull_shape", fit.weibull_shape, "", "");
    add("wear.weibull_scale", fit.weibull_scale, "cycles", "");
  }
  s += "\nFitted parameters (± 1 standard error)\n";
  std::size_t w = 9;
  for (const auto& r : rows) w = std::max(w, r[0].size());
  s += fmt::format("  {:<{}} {:>12} {:>10}  {}\n", "parameter", w, "value", "SE", "unit");
  for (const auto& r : rows) s += fmt::format("  {:<{}} {:>12} {:>10}  {}\n", r[0], w, r[1], r[2], r[3]);
  for (const std::string& n : fit.notes) s += "  note: " + n + "\n";
  if (!fit.hrs_note.empty()) s += "  note: " + fit.hrs_note + "\n";
  if (!fit.wear_note.empty()) s += "  note: " + fit.wear_note + "\n";
  return s;
}

}  // namespace mc

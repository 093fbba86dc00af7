// `memcarlo fit`: maximum-likelihood calibration of memcarlo's device model (kernels/device/rram.hpp) to measured
// reads (host/fit/measurements.hpp), written as a device preset with provenance and standard errors. The
// statistics are described in docs/fitting.md:
// - read noise (device.read.sigma_rel) from repeated reads of one programmed state;
// - the LRS c2c sigma law (sqrt / relative / power / table) from the spread of each device's reads at one
//   compliance, read noise deducted;
// - the LRS median law (linear / power / table) and the LRS d2d sigma from the devices' mean reads, a linear
//   mixed model in ln G with a random device effect (reads of one device are correlated);
// - the HRS log-normal median, c2c and d2d sigmas, a one-way random-effects model in ln G;
// - the Weibull lifetime (shape, scale) from cycles to failure, right-censored devices included.
// Laws are chosen by AIC unless forced.
#pragma once
#include <string>
#include <vector>

#include "device/rram.hpp"
#include "fit/measurements.hpp"

namespace mc {

struct FitOptions {
  std::string median_law = "auto";  ///< auto | linear | power | table
  std::string sigma_law = "auto";   ///< auto | sqrt | relative | power | table
};

/// A fitted value and its standard error (NaN when it has none: a boundary estimate or a fixed value).
struct Estimate {
  double value = 0;
  double se = 0;
};

/// One candidate law: its coefficients, log-likelihood and AIC.
struct LawFit {
  std::string law;
  bool available = true;        ///< false when the data cannot identify it (then `why_not`)
  std::string why_not;
  int params = 0;               ///< AIC's parameter count (the d2d sigma included for median laws)
  double loglik = 0, aic = 0;
  bool converged = false;
  std::vector<Estimate> coef;   ///< linear: {k}; power: {k, p}; sqrt/relative: {a}; table: y at each knot
  std::vector<double> knots;    ///< table laws: x of each point (µA for the median, µS for sigma)
  Estimate d2d;                 ///< median laws: the LRS d2d sigma of ln G fitted with this law
};

struct FitResult {
  // The data.
  std::size_t devices = 0, lrs_devices = 0, hrs_devices = 0, lrs_reads = 0, hrs_reads = 0, repeated_reads = 0;
  std::int64_t max_cycles_per_device = 0;
  std::vector<double> compliances;                  ///< µA, increasing
  std::vector<Estimate> compliance_medians;         ///< µS: geometric mean over devices of their mean LRS read
  std::vector<std::size_t> devices_per_compliance;
  // Read noise.
  bool read_fitted = false;
  Estimate read_sigma_rel, read_sigma_rel_lrs, read_sigma_rel_hrs;
  std::size_t read_df = 0;
  // LRS.
  std::vector<LawFit> sigma_laws, median_laws;
  std::size_t sigma_choice = 0, median_choice = 0;
  std::string sigma_why, median_why;
  // HRS.
  bool hrs_fitted = false;
  std::string hrs_note;
  Estimate hrs_median, hrs_sigma_ln, hrs_d2d_sigma_ln;
  // Lifetime.
  bool wear_fitted = false;
  std::string wear_note;
  Estimate weibull_shape, weibull_scale;
  std::size_t failed = 0, censored = 0;
  // Bounds written to the preset (not fitted): below and above every read.
  double g_min = 0.01, g_max = 1000;
  std::vector<std::string> notes;

  // Data kept for the report (first read of each programmed state).
  struct Cell {
    double compliance, mean, sd;
    std::size_t n;
  };
  std::vector<Cell> cells;                          ///< one per (device, compliance) with LRS reads
  std::vector<std::vector<double>> lrs_by_compliance;
  std::vector<double> hrs_reads_all;
  std::vector<std::pair<double, bool>> lifetimes;   ///< (cycles, censored)

  const LawFit& sigma() const { return sigma_laws[sigma_choice]; }
  const LawFit& median() const { return median_laws[median_choice]; }
};

FitResult fit_device_model(const Measurements& data, const FitOptions& options = {});

/// The fitted model as a DeviceModel (memcarlo's defaults for what is not fitted).
DeviceModel fitted_model(const FitResult& fit);

/// The preset YAML: provenance (input, sha256, date, memcarlo version, counts), every fitted key with its
/// standard error as a comment, the law choices and what was not fitted.
std::string fit_preset_yaml(const FitResult& fit, const Measurements& data, const std::string& when_utc);

/// The data-vs-model report tools/plot_fit.py reads: section,series,chosen,compliance_uA,x,y,y_se.
std::string fit_report_csv(const FitResult& fit);

/// A readable summary: the law comparisons with why each was chosen, and the parameter table.
std::string fit_summary(const FitResult& fit, const Measurements& data);

/// Model quantiles for the report: LRS read at compliance i_c (µA) and HRS read at probit z.
double lrs_read_quantile(const FitResult& fit, double i_c, double z);
double hrs_read_quantile(const FitResult& fit, double z);

}  // namespace mc

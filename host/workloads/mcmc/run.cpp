// Workload `mcmc`: thousands of Metropolis-Hastings chains whose proposals are device writes (docs/physics.md §2).
// Chains run in blocks of steps; between blocks the host keeps thinned samples (ensemble prediction,
// diagnostics, traces, stored samples) and scores the chains at log-spaced checkpoints.
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <stdexcept>

#include "io/output.hpp"
#include "io/progress.hpp"
#include "scenario/schema.hpp"
#include "workloads/mcmc/mcmc.hpp"
#include "workloads/mcmc/diagnostics.hpp"
#include "workloads/run.hpp"

namespace mc {

namespace {

/// Predictive of the test set averaged over weight samples: class probabilities (or, for the linear model,
/// densities of the observed targets) summed per test point.
struct Ensemble {
  const McmcProblem& pb;
  int k;                      ///< classes, or 1 (linear)
  std::vector<double> sum;    ///< n_test x k
  std::uint64_t members = 0;

  explicit Ensemble(const McmcProblem& p) : pb(p), k(p.classes ? p.classes : 1), sum(static_cast<std::size_t>(p.n_test) * k, 0.0) {}

  /// Adds one weight sample (P floats).
  void add(const float* w) {
    const McmcParams& q = pb.params;
    const int n = pb.n_test;
    std::vector<float> z(q.rows), p(std::max(k, 2));
    for (int i = 0; i < n; ++i) {
      for (int a = 0; a < q.rows; ++a) {
        float s = 0.0f;
        for (int f = 0; f < q.features; ++f) s += w[a * q.features + f] * pb.test_xt[static_cast<std::size_t>(f) * n + i];
        z[a] = s;
      }
      point_predict(q, z.data(), w, p.data());
      if (q.model == McmcModel::kLinear) {
        const double r = pb.test_y[i] - p[0];
        sum[i] += std::sqrt(q.noise_inv_var / (2 * M_PI)) * std::exp(-0.5 * q.noise_inv_var * r * r);
      } else {
        for (int c = 0; c < k; ++c) sum[static_cast<std::size_t>(i) * k + c] += p[c];
      }
    }
    ++members;
  }
  void merge(const Ensemble& o) {
    for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += o.sum[i];
    members += o.members;
  }
  /// Accuracy of the averaged class probabilities (NaN for regression).
  double accuracy() const {
    if (pb.classes == 0 || members == 0) return std::nan("");
    int right = 0;
    for (int i = 0; i < pb.n_test; ++i) {
      const double* p = &sum[static_cast<std::size_t>(i) * k];
      right += static_cast<int>(std::max_element(p, p + k) - p) == static_cast<int>(pb.test_y[i]);
    }
    return static_cast<double>(right) / pb.n_test;
  }
  /// Mean log predictive density of the test points.
  double log_likelihood() const {
    if (members == 0 || pb.n_test == 0) return std::nan("");
    double s = 0;
    for (int i = 0; i < pb.n_test; ++i) s += point_log_likelihood(i);
    return s / pb.n_test;
  }
  /// Log predictive density of test point i (classes: of its true class).
  double point_log_likelihood(int i) const {
    const double v = pb.classes ? sum[static_cast<std::size_t>(i) * k + static_cast<int>(pb.test_y[i])] : sum[i];
    return std::log(std::max(v / members, 1e-300));
  }
  /// The class of largest averaged probability for test point i (-1 for regression).
  int point_class(int i) const {
    if (pb.classes == 0) return -1;
    const double* p = &sum[static_cast<std::size_t>(i) * k];
    return static_cast<int>(std::max_element(p, p + k) - p);
  }
};

/// The ensemble of every chain's current weights, built in parallel over chains (fixed merge order).
Ensemble score_chains(const McmcProblem& pb, const McmcState& st) {
  const int chains = st.chains;
  constexpr int kGroup = 64;
  const int groups = (chains + kGroup - 1) / kGroup;
  std::vector<Ensemble> part(groups, Ensemble(pb));
#pragma omp parallel for schedule(dynamic)
  for (int gi = 0; gi < groups; ++gi) {
    std::vector<float> w(pb.params.params);
    for (int c = gi * kGroup; c < std::min(chains, (gi + 1) * kGroup); ++c) {
      chain_weights(pb, st, c, w.data());
      part[gi].add(w.data());
    }
  }
  Ensemble all(pb);
  for (const Ensemble& e : part) all.merge(e);
  return all;
}

/// Mean return of the chains' current policies on the held-out episodes (cart-pole).
double chains_test_return(const McmcProblem& pb, const McmcState& st, int episodes) {
  std::vector<double> r(st.chains);
#pragma omp parallel for schedule(dynamic)
  for (int c = 0; c < st.chains; ++c) {
    std::vector<float> w(pb.params.params);
    chain_weights(pb, st, c, w.data());
    r[c] = policy_test_return(pb, w.data(), episodes);
  }
  double s = 0;
  for (double v : r) s += v;
  return s / st.chains;
}

double mean_device_cycles(const McmcProblem& pb, const McmcState& st) {
  double s = 0;
  for (std::uint32_t w : st.writes) s += w;
  return static_cast<double>(pb.params.age_cycles) + s / static_cast<double>(st.writes.size());
}

McmcChainStats total_stats(const McmcState& st) {
  McmcChainStats t{0, 0, 0, 0, 0, 0.0};
  for (const McmcChainStats& c : st.stats) {
    t.proposals += c.proposals, t.accepted += c.accepted, t.sets += c.sets, t.resets += c.resets, t.reads += c.reads;
    t.energy += c.energy;
  }
  return t;
}

}  // namespace

RunSummary run_mcmc(const Scenario& s, const Backend& backend, const RunOptions& opt, const OutputFolder& out) {
  const McmcSpec& c = s.spec_as<McmcSpec>();
  const McmcProblem pb = make_mcmc_problem(s);
  const McmcParams& q = pb.params;
  const int chains = static_cast<int>(c.chains), P = q.params, D = q.devices;
  const bool cartpole = q.model == McmcModel::kCartpole;
  const std::uint64_t iters = c.iterations;
  const std::uint64_t burn = static_cast<std::uint64_t>(c.burn_in * static_cast<double>(iters));
  RunSummary summary;
  summary.out_dir = opt.out_dir;
  const double t0 = now_seconds();
  Progress progress("mcmc", point_work(s), work_unit(s), opt.quiet || opt.progress);
  const RunHooks hooks = point_hooks(backend, opt, progress);
  std::unique_ptr<McmcChains> ch = make_mcmc_chains(backend, pb, chains, false, hooks);
  ch->init();

  // Steps where something happens: checkpoints (log-spaced), kept samples (burn + k·thin), the end.
  std::vector<std::uint64_t> checkpoints = log_checkpoints(iters, c.checkpoints_per_decade);
  const int diag_chains = static_cast<int>(std::min<std::uint64_t>(c.diagnostic_chains, c.chains));
  const int trace_chains = static_cast<int>(std::min<std::uint64_t>(c.trace_chains, c.chains));
  const std::uint64_t kept = (iters - burn) / c.thin;
  const std::uint64_t stored = std::min<std::uint64_t>(c.stored_samples, kept);
  std::vector<std::vector<double>> diag(P, std::vector<double>(static_cast<std::size_t>(diag_chains) * kept));
  // Predictive quantities of the same kept samples, per chain: the log target and (not cart-pole) the mean test
  // log-likelihood of the chain's own weights. Their R-hat shows whether what the ensemble predicts has mixed.
  std::vector<double> diag_lt(static_cast<std::size_t>(diag_chains) * kept), diag_tll(cartpole ? 0 : diag_lt.size());
  std::vector<float> stored_g(static_cast<std::size_t>(chains) * stored * D);
  std::vector<std::uint64_t> stored_iter(stored);
  Ensemble ensemble(pb);
  double return_sum = 0;  // cart-pole: test return of every kept policy
  std::uint64_t return_n = 0;
  CsvTable progress_csv({"iteration", "mean_device_cycles", cartpole ? "mean_test_return" : "ensemble_test_accuracy",
                         "ensemble_test_log_likelihood", "mean_log_target", "acceptance_rate"});
  std::vector<std::string> trace_cols = {"chain", "iteration", "log_target"};
  for (const std::string& n : pb.param_names) trace_cols.push_back(n);
  CsvTable trace(trace_cols);

  std::uint64_t t = 0, next_cp = 0, kept_done = 0;
  while (t < iters) {
    std::uint64_t next = std::min(iters, checkpoints[next_cp]);
    const std::uint64_t next_keep = burn + (kept_done + 1) * c.thin;
    if (kept_done < kept) next = std::min(next, next_keep);
    ch->steps(t, next);
    t = next;
    if (cancel_flag().load()) throw Interrupted();
    const McmcState& st = ch->state();
    if (kept_done < kept && t == next_keep) {
      std::vector<float> w(P);
      for (int k = 0; k < diag_chains; ++k) {
        chain_weights(pb, st, k, w.data());
        for (int p = 0; p < P; ++p) diag[p][static_cast<std::size_t>(k) * kept + kept_done] = w[p];
        diag_lt[static_cast<std::size_t>(k) * kept + kept_done] = st.log_target[k];
        if (!cartpole) {
          Ensemble one(pb);
          one.add(w.data());
          diag_tll[static_cast<std::size_t>(k) * kept + kept_done] = one.log_likelihood();
        }
      }
      for (int k = 0; k < trace_chains; ++k) {
        chain_weights(pb, st, k, w.data());
        std::vector<std::string> row = {std::to_string(k), std::to_string(t), cell(st.log_target[k])};
        for (float v : w) row.push_back(cell(v));
        trace.add_row(row);
      }
      if (cartpole) {
        return_sum += chains_test_return(pb, st, c.test_episodes) * chains;
        return_n += chains;
      } else {
        ensemble.merge(score_chains(pb, st));
      }
      if (stored && kept_done >= kept - stored) {
        const std::uint64_t slot = kept_done - (kept - stored);
        stored_iter[slot] = t;
        for (int k = 0; k < chains; ++k)
          std::copy_n(st.g.data() + static_cast<std::size_t>(k) * D, D, stored_g.data() + (static_cast<std::size_t>(k) * stored + slot) * D);
      }
      ++kept_done;
    }
    if (t == checkpoints[next_cp]) {
      const McmcChainStats tot = total_stats(st);
      double lt = 0;
      for (float v : st.log_target) lt += v;
      std::string score, ll = "";
      if (cartpole) {
        score = cell(chains_test_return(pb, st, c.test_episodes));
      } else {
        const Ensemble e = score_chains(pb, st);
        score = cell(e.accuracy());
        ll = cell(e.log_likelihood());
      }
      progress_csv.add_row({std::to_string(t), cell(mean_device_cycles(pb, st)), score, ll, cell(lt / chains),
                            cell(static_cast<double>(tot.accepted) / std::max<std::uint64_t>(1, tot.proposals))});
      ++next_cp;
    }
  }
  progress.finish();
  const double wall = now_seconds() - t0;
  const McmcState& st = ch->state();
  const McmcChainStats tot = total_stats(st);

  // Diagnostics per parameter over the first diag_chains chains' kept samples.
  std::vector<std::string> dcols = {"param", "name", "mean", "sd", "q05", "q50", "q95", "rhat", "ess_bulk", "ess_tail", "mcse_mean"};
  const bool analytic = !pb.analytic_mean.empty();
  // z_sd: (sd - analytic sd) / SE of an sd from ESS draws (~ sd / sqrt(2 ESS)). With read noise the chain scores
  // proposals on noisy reads (pseudo-marginal, as a chip does): it samples the posterior smoothed by the read
  // noise, whose sd is larger, and z_sd shows by how much; read.noise: none samples the exact posterior.
  if (analytic) dcols.insert(dcols.end(), {"analytic_mean", "analytic_sd", "z_mean", "z_sd"});
  CsvTable dtab(dcols);
  double max_rhat = 0, min_bulk = std::numeric_limits<double>::infinity(), min_tail = min_bulk;
  for (int p = 0; p < P; ++p) {
    ChainDraws d;
    d.chains = static_cast<std::size_t>(diag_chains), d.draws = kept, d.x = diag[p];
    const Convergence cv = convergence(d);
    if (!std::isnan(cv.rhat)) max_rhat = std::max(max_rhat, cv.rhat);
    if (!std::isnan(cv.ess_bulk)) min_bulk = std::min(min_bulk, cv.ess_bulk);
    if (!std::isnan(cv.ess_tail)) min_tail = std::min(min_tail, cv.ess_tail);
    std::vector<std::string> row = {std::to_string(p), pb.param_names[p], cell(cv.mean), cell(cv.sd), cell(cv.q05), cell(cv.q50),
                                    cell(cv.q95), cell(cv.rhat), cell(cv.ess_bulk), cell(cv.ess_tail), cell(cv.mcse_mean)};
    if (analytic) {
      const double sd = std::sqrt(pb.analytic_cov[static_cast<std::size_t>(p) * P + p]);
      row.insert(row.end(), {cell(pb.analytic_mean[p]), cell(sd), cell((cv.mean - pb.analytic_mean[p]) / cv.mcse_mean),
                             cell((cv.sd - sd) / (sd / std::sqrt(2 * cv.ess_bulk)))});
    }
    dtab.add_row(row);
  }
  auto predictive = [&](const std::vector<double>& x) {
    Convergence none{};
    none.rhat = none.ess_bulk = std::nan("");
    ChainDraws d;
    d.chains = static_cast<std::size_t>(diag_chains), d.draws = kept, d.x = x;
    try {
      return x.empty() ? none : convergence(d);
    } catch (const std::invalid_argument&) {  // too few kept draws, or a non-finite value
      return none;
    }
  };
  const Convergence cv_lt = predictive(diag_lt), cv_tll = predictive(diag_tll);
  // Vehtari et al. 2021: R-hat below 1.01 before a posterior is read as done.
  constexpr double kRhatLimit = 1.01;
  const double worst_rhat = std::max({max_rhat, std::isnan(cv_lt.rhat) ? 0.0 : cv_lt.rhat, std::isnan(cv_tll.rhat) ? 0.0 : cv_tll.rhat});
  const bool converged = kept >= 4 && worst_rhat <= kRhatLimit;

  std::vector<std::string> scols = {"chain", "iteration"};
  for (int j = 0; j < D; ++j) scols.push_back(fmt::format("g{}_uS", j));
  CsvTable samples(scols);
  for (int k = 0; k < chains; ++k)
    for (std::uint64_t slot = 0; slot < stored; ++slot) {
      std::vector<std::string> row = {std::to_string(k), std::to_string(stored_iter[slot])};
      const float* g = stored_g.data() + (static_cast<std::size_t>(k) * stored + slot) * D;
      for (int j = 0; j < D; ++j) row.push_back(cell(g[j]));
      samples.add_row(row);
    }

  const double acc = cartpole ? std::nan("") : ensemble.accuracy();
  const double tll = cartpole ? std::nan("") : ensemble.log_likelihood();
  const double ret = cartpole && return_n ? return_sum / static_cast<double>(return_n) : std::nan("");
  const double cycles = mean_device_cycles(pb, st);
  const double accept = static_cast<double>(tot.accepted) / static_cast<double>(tot.proposals);
  const double rate = static_cast<double>(chains) * static_cast<double>(iters) / wall;
  // Standard errors: the test points for the ensemble's accuracy and mean log predictive density (the test set's
  // sampling error), chains for the acceptance rate (a chain's steps are correlated: sqrt(p(1-p)/chains) bounds it).
  const double n_test = cartpole ? 0.0 : static_cast<double>(pb.n_test);
  double tll_se = std::nan("");
  if (!cartpole && pb.n_test > 1) {
    double ss = 0;
    for (int i = 0; i < pb.n_test; ++i) ss += (ensemble.point_log_likelihood(i) - tll) * (ensemble.point_log_likelihood(i) - tll);
    tll_se = std::sqrt(ss / (n_test - 1) / n_test);
  }
  const ResultRow row = {
      {"workload", "mcmc"}, {"task", kMcmcTaskNames[static_cast<int>(c.task)]}, {"model", c.model}, {"params", std::to_string(P)},
      {"devices_per_chain", std::to_string(D)}, {"proposal", q.proposal == McmcProposal::kDevice ? "device" : "gaussian"},
      {"acceptance", q.acceptance == McmcAcceptance::kPlain ? "plain" : "hastings"},
      {"restore", q.restore == McmcRestore::kReprogram ? "reprogram" : "ideal"}, {"chains", std::to_string(chains)},
      {"iterations", std::to_string(iters)}, {"aging_cycles", std::to_string(c.aging_cycles)},
      {"acceptance_rate", cell(accept)}, {"acceptance_rate_se", cell(binomial_se(accept, chains))},
      {"test_points", std::to_string(static_cast<long long>(n_test))}, {"test_accuracy", cell(acc)},
      {"test_accuracy_se", cell(pb.classes && n_test > 0 ? binomial_se(acc, n_test) : std::nan(""))},
      {"test_log_likelihood", cell(tll)}, {"test_log_likelihood_se", cell(tll_se)}, {"test_mean_return", cell(ret)},
      {"test_episodes", std::to_string(cartpole ? return_n : 0)}, {"max_rhat", cell(max_rhat)}, {"min_ess_bulk", cell(min_bulk)},
      {"min_ess_tail", cell(min_tail)}, {"rhat_log_target", cell(cv_lt.rhat)}, {"rhat_test_log_likelihood", cell(cv_tll.rhat)},
      {"ess_bulk_test_log_likelihood", cell(cv_tll.ess_bulk)}, {"converged", bool_cell(converged)},
      {"mean_device_cycles", cell(cycles)}, {"set_events", std::to_string(tot.sets)}, {"reset_events", std::to_string(tot.resets)},
      {"read_events", std::to_string(tot.reads)}, {"energy_pJ", cell(tot.energy)}, {"chain_steps_per_s", cell(rate)},
      {"wall_s", cell(wall)}};
  std::vector<std::string> files = {"results.csv", "diagnostics.csv", "progress.csv"};
  if (!cartpole) {
    // The ensemble's predictive of every test point: what compare tests accuracy and log likelihood on.
    CsvTable pred({"test_point", "target", "predicted_class", "correct", "log_predictive"});
    for (int i = 0; i < pb.n_test; ++i) {
      const int cls = ensemble.point_class(i);
      pred.add_row({std::to_string(i), cell(pb.test_y[i]), std::to_string(cls),
                    pb.classes ? std::to_string(static_cast<int>(cls == static_cast<int>(pb.test_y[i]))) : std::string(),
                    cell(ensemble.point_log_likelihood(i))});
    }
    out.write("predictive.csv", pred.str());
    files.push_back("predictive.csv");
  }
  out.write("diagnostics.csv", dtab.str());
  out.write("progress.csv", progress_csv.str());
  if (trace_chains) out.write("trace.csv", trace.str()), files.push_back("trace.csv");
  if (stored) out.write("samples.csv", samples.str()), files.push_back("samples.csv");
  write_results(out, s, opt, row);
  nlohmann::ordered_json manifest = run_manifest(s, backend, wall, tot.sets, tot.resets, tot.reads, files);
  manifest["chain_steps_per_second"] = rate;
  out.write("manifest.json", manifest.dump(2) + "\n");

  summary.wall_seconds = wall;
  summary.rows = {};
  if (!converged)
    summary.rows.push_back({"WARNING: NOT CONVERGED",
                            fmt::format("R-hat {:.3g} > {} (weights {:.3g}, log target {:.3g}, test log-likelihood {:.3g}): the "
                                        "chains have not mixed, so the posterior and its predictions below are not final; run "
                                        "more iterations (or chains) until R-hat <= {}",
                                        worst_rhat, kRhatLimit, max_rhat, cv_lt.rhat, cv_tll.rhat, kRhatLimit)});
  summary.rows.insert(summary.rows.end(), {
      {"chains x iterations", fmt::format("{} x {} ({} parameters, {} devices per chain)", chains, iters, P, D)},
      {"backend", backend.name + " (" + backend.device + ")"},
      {"acceptance rate", fmt::format("{:.3f}", accept)},
  });
  if (cartpole) {
    summary.rows.push_back({"test return (mean of kept policies)", fmt::format("{:.1f} of {}", ret, c.episode_steps)});
  } else {
    if (pb.classes) summary.rows.push_back({"ensemble test accuracy", fmt::format("{:.2f} %", 100 * acc)});
    summary.rows.push_back({"test log-likelihood (mean)", fmt::format("{:.4f}", tll)});
  }
  summary.rows.push_back({"max R-hat / min ESS bulk, tail", fmt::format("{:.4f} / {:.0f}, {:.0f} ({} chains)", max_rhat, min_bulk, min_tail, diag_chains)});
  summary.rows.push_back({"R-hat log target / test log-lik.", fmt::format("{:.4f} / {:.4f} (ESS bulk {:.0f})", cv_lt.rhat, cv_tll.rhat, cv_tll.ess_bulk)});
  summary.rows.push_back({"device cycles (mean per device)", fmt::format("{:.4g}", cycles)});
  summary.rows.push_back({"energy", fmt::format("{:.4g} pJ ({:.4g} pJ per chain)", tot.energy, tot.energy / chains)});
  summary.rows.push_back({"throughput", fmt::format("{:.3g} chain-steps/s", rate)});
  summary.rows.push_back({"wall time", fmt::format("{:.2f} s", wall)});
  return summary;
}

}  // namespace mc

// CPU backend of the mcmc workload: OpenMP over chains, SIMD over the data points of a chain's likelihood.
// Launch and reduce only; the sampler is kernels/mcmc/mcmc.hpp. A chain's steps depend on nothing but its own
// counter-based draws, so results are the same for any thread count.
#include <omp.h>

#include <cmath>
#include <limits>
#include <vector>

#include "mcmc/driver.hpp"

namespace mc {

namespace {

constexpr std::uint64_t kInitReadStep = (std::uint64_t{1} << 48) - 1;  // the read counter of the first evaluation

int thread_count(const RunHooks& hooks) { return hooks.threads > 0 ? hooks.threads : omp_get_max_threads(); }

/// Per-thread buffers.
struct Scratch {
  std::vector<float> w, w_read, row, pre_full;
};

/// Binary logistic log-likelihood of the logits pre + dw·x (the fast path of a one-device step).
float binary_log_lik_update(const float* pre, const float* x, const float* y, float dw, int n) {
  float s = 0.0f;
#pragma omp simd reduction(+ : s)
  for (int i = 0; i < n; ++i) {
    const float z = pre[i] + dw * x[i];
    s += y[i] * z - softplus(z);
  }
  return s;
}

/// Log-likelihood from cached pre-activations (rows x n), row `changed` replaced by `row` (changed < 0: none).
float log_lik_from_pre(const McmcParams& q, const McmcData& d, const float* pre, const float* w, int changed, const float* row) {
  if (q.model == McmcModel::kLogistic) {
    const float* z = changed == 0 ? row : pre;
    return binary_log_lik_update(z, d.xt, d.y, 0.0f, d.n);
  }
  float s = 0.0f;
  float z[kMaxHidden > kMaxOutputs ? kMaxHidden : kMaxOutputs];
  for (int i = 0; i < d.n; ++i) {
    for (int a = 0; a < q.rows; ++a) z[a] = a == changed ? row[i] : pre[a * d.n + i];
    s += point_log_lik(q, z, w, d.y[i]);
  }
  return s;
}

/// pre (rows x n) = first-layer weights · inputs.
void full_pre(const McmcParams& q, const McmcData& d, const float* w, float* pre) {
  for (int a = 0; a < q.rows; ++a) {
    float* out = pre + static_cast<std::size_t>(a) * d.n;
    for (int i = 0; i < d.n; ++i) out[i] = 0.0f;
    for (int f = 0; f < q.features; ++f) {
      const float wf = w[a * q.features + f];
      const float* x = d.xt + static_cast<std::size_t>(f) * d.n;
#pragma omp simd
      for (int i = 0; i < d.n; ++i) out[i] += wf * x[i];
    }
  }
}

/// Log-likelihood of weights w by a full evaluation (pre into `pre`), or the cart-pole's pseudo-likelihood.
float full_log_lik(const McmcParams& q, const McmcData& d, const float* w, float* pre) {
  if (q.model == McmcModel::kCartpole) {
    int total = 0;
    for (int e = 0; e < q.episodes; ++e) total += cartpole_return(q, w, static_cast<std::uint64_t>(e), 0);
    return q.inv_temperature * static_cast<float>(total) / static_cast<float>(q.episodes);
  }
  full_pre(q, d, w, pre);
  return log_lik_from_pre(q, d, pre, w, -1, nullptr);
}

/// Weights as read from the devices g at `step` (read noise applies), and the read energy.
void read_weights(const McmcParams& q, std::uint64_t chain, std::uint64_t step, const float* g, float* w_read,
                  McmcChainStats& st, float* g_read_buf) {
  for (int j = 0; j < q.devices; ++j) g_read_buf[j] = read_device(q, chain, step, j, g[j]);
  for (int p = 0; p < q.params; ++p) w_read[p] = weight_of(q, g_read_buf, p);
  if (q.proposal == McmcProposal::kDevice) {
    double e = 0.0;
    for (int j = 0; j < q.devices; ++j) e += read_energy(q.device, g[j]);
    st.reads += static_cast<std::uint64_t>(q.devices);
    st.energy += e;
  }
}

void chain_steps(const McmcParams& q, const McmcData& d, bool incremental, std::uint64_t chain, std::uint64_t t0,
                 std::uint64_t t1, McmcState& s, Scratch& sc) {
  const std::size_t D = static_cast<std::size_t>(q.devices), n = static_cast<std::size_t>(d.n);
  float* g = s.g.data() + chain * D;
  std::uint32_t* writes = s.writes.data() + chain * D;
  float* pre = incremental ? s.pre.data() + chain * q.rows * n : nullptr;
  McmcChainStats& st = s.stats[chain];
  float* w = sc.w.data();
  for (int p = 0; p < q.params; ++p) w[p] = weight_of(q, g, p);
  float lp = log_prior(q, w);
  // Read energy is linear in G, so the array's read energy is that of the sum of its conductances.
  double g_sum = 0.0;
  for (std::size_t j = 0; j < D; ++j) g_sum += g[j];
  std::vector<float> g_read(D);
  for (std::uint64_t t = t0; t < t1; ++t) {
    const StepPlan pl = plan_step(q, chain, t, g, writes, st);
    float lt_new = -std::numeric_limits<float>::infinity(), ll_new = 0.0f, lp_new = 0.0f;
    int row = -1;
    if (!pl.reject) {
      if (incremental) {
        const float w_old = w[pl.param], w_new = w_old + pl.dw;
        lp_new = lp - 0.5f * q.prior_inv_var * (w_new * w_new - w_old * w_old);
        if (q.hidden == 0 || pl.param < q.hidden * q.features) {
          row = pl.param / q.features;
          const float* x = d.xt + static_cast<std::size_t>(pl.param % q.features) * n;
          const float* pr = pre + row * n;
          if (q.model == McmcModel::kLogistic) {
            ll_new = binary_log_lik_update(pr, x, d.y, pl.dw, d.n);
          } else {
            float* nr = sc.row.data();
#pragma omp simd
            for (std::size_t i = 0; i < n; ++i) nr[i] = pr[i] + pl.dw * x[i];
            ll_new = log_lik_from_pre(q, d, pre, w, row, nr);
          }
        } else {
          w[pl.param] = w_new;
          ll_new = log_lik_from_pre(q, d, pre, w, -1, nullptr);
          w[pl.param] = w_old;
        }
        if (q.proposal == McmcProposal::kDevice) {  // the array is read for every evaluation
          st.reads += D;
          st.energy += read_energy(q.device, 1.0f) * (g_sum - pl.g_old + pl.g_new);
        }
      } else {
        g[pl.device] = pl.g_new;
        read_weights(q, chain, t, g, sc.w_read.data(), st, g_read.data());
        g[pl.device] = pl.g_old;
        ll_new = full_log_lik(q, d, sc.w_read.data(), sc.pre_full.data());
        lp_new = log_prior(q, sc.w_read.data());
      }
      lt_new = lp_new + ll_new;
    }
    if (accept_step(pl, lt_new, s.log_target[chain])) {
      st.accepted += 1;
      g_sum += static_cast<double>(pl.g_new) - pl.g_old;
      g[pl.device] = pl.g_new;
      w[pl.param] += pl.dw;
      if (incremental && row >= 0) {
        float* pr = pre + row * n;
        const float* x = d.xt + static_cast<std::size_t>(pl.param % q.features) * n;
#pragma omp simd
        for (std::size_t i = 0; i < n; ++i) pr[i] = pr[i] + pl.dw * x[i];
      }
      lp = incremental ? lp_new : log_prior(q, w);
      s.log_lik[chain] = ll_new;
      s.log_target[chain] = lt_new;
    } else {
      restore_step(q, pl, writes, st);
    }
  }
}

Scratch make_scratch(const McmcParams& q, const McmcData& d) {
  Scratch sc;
  sc.w.resize(q.params);
  sc.w_read.resize(q.params);
  sc.row.resize(static_cast<std::size_t>(d.n) + 1);
  sc.pre_full.resize(static_cast<std::size_t>(q.rows) * d.n + 1);
  return sc;
}

}  // namespace

void mcmc_init_cpu(const McmcParams& q, const McmcData& d, int chains, bool force_full, McmcState& s, const RunHooks& hooks) {
  const std::size_t D = static_cast<std::size_t>(q.devices), n = static_cast<std::size_t>(d.n);
  const bool incremental = !force_full && mcmc_incremental(q);
  s.chains = chains;
  s.g.assign(chains * D, 0.0f);
  s.writes.assign(chains * D, 1u);
  s.pre.assign(incremental ? chains * q.rows * n : 0, 0.0f);
  s.log_lik.assign(chains, 0.0f);
  s.log_target.assign(chains, 0.0f);
  s.stats.assign(chains, McmcChainStats{0, 0, 0, 0, 0, 0.0});
#pragma omp parallel num_threads(thread_count(hooks))
  {
    Scratch sc = make_scratch(q, d);
    std::vector<float> g_read(D);
#pragma omp for schedule(static)
    for (int c = 0; c < chains; ++c) {
      float* g = s.g.data() + c * D;
      McmcChainStats& st = s.stats[c];
      for (std::size_t j = 0; j < D; ++j) {
        g[j] = initial_conductance(q, static_cast<std::uint64_t>(c), static_cast<int>(j));
        if (q.proposal == McmcProposal::kDevice) {
          st.sets += 1, st.resets += 1;
          st.energy += write_energy(q.device, q.init_compliance);
        }
      }
      read_weights(q, c, kInitReadStep, g, sc.w_read.data(), st, g_read.data());
      float* pre = incremental ? s.pre.data() + c * q.rows * n : sc.pre_full.data();
      s.log_lik[c] = full_log_lik(q, d, sc.w_read.data(), pre);
      s.log_target[c] = s.log_lik[c] + log_prior(q, sc.w_read.data());
    }
  }
}

void mcmc_steps_cpu(const McmcParams& q, const McmcData& d, bool force_full, std::uint64_t step_begin, std::uint64_t step_end,
                    McmcState& s, const RunHooks& hooks) {
  const bool incremental = !force_full && mcmc_incremental(q);
#pragma omp parallel num_threads(thread_count(hooks))
  {
    Scratch sc = make_scratch(q, d);
#pragma omp for schedule(dynamic, 8)
    for (int c = 0; c < s.chains; ++c) {
      if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) continue;
      chain_steps(q, d, incremental, static_cast<std::uint64_t>(c), step_begin, step_end, s, sc);
      if (hooks.progress) hooks.progress->fetch_add(step_end - step_begin, std::memory_order_relaxed);
    }
  }
}

}  // namespace mc

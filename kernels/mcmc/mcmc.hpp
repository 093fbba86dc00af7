// Metropolis-Hastings learning whose proposals are device writes (docs/physics.md §2, Dalgaty et al. 2021):
// the model's weights live in simulated memristors, a proposal RESETs then SETs a device at the compliance
// whose median is its current conductance, and the device model supplies the new value. Written once for
// every backend; the drivers (kernels/cpu/mcmc.cpp, kernels/cuda/mcmc.cu) only loop and reduce.
//
// Parameter layout (P weights). Inputs carry a constant 1 as their last feature (the bias), F1 = F + 1.
//   logistic (2 classes, one logit), softmax (K logits), linear (one output): p = row·F1 + f, row < outputs.
//   mlp: first layer p = k·F1 + f for hidden unit k < H; then the output layer p = H·F1 + o·(H+1) + k,
//        k = H being the output bias. Hidden units use tanh.
//   cartpole: a policy with inputs (x, ẋ, θ, θ̇, 1): linear (one output) or mlp; push right when output > 0.
// Devices (D): differential pairs G+ = device 2p, G− = device 2p+1, w = (G+ − G−)·scale; or one device against
// a reference, w = (G − g_ref)·scale.
#pragma once
#include "device/rram.hpp"

namespace mc {

enum class McmcModel : int { kLogistic = 0, kSoftmax = 1, kLinear = 2, kMlp = 3, kCartpole = 4 };
enum class McmcProposal : int { kDevice = 0, kGaussian = 1 };
enum class McmcAcceptance : int { kPlain = 0, kHastings = 1 };
enum class McmcRestore : int { kReprogram = 0, kIdeal = 1 };

/// Everything a chain step needs besides the data: plain values, copied to every backend.
struct McmcParams {
  DeviceModel device;
  std::uint32_t seed;
  std::uint32_t data_seed;  ///< of the data: cart-pole episodes' initial states
  McmcModel model;
  int features;           ///< F1: input features including the constant bias feature
  int hidden;             ///< H (mlp, or an mlp policy), else 0
  int outputs;            ///< 1 (logistic, linear, cartpole) or K (softmax)
  int rows;               ///< pre-activation rows cached per data point: H when hidden > 0, else outputs
  int params;             ///< P
  int devices;            ///< D = 2P (differential) or P (reference)
  bool differential;
  float weight_scale;     ///< weight per µS
  float g_ref;            ///< µS, the reference of `reference` weights
  float g_init;           ///< µS, where every device is first programmed
  float init_compliance;  ///< µA, the compliance whose median is g_init
  float prior_inv_var;    ///< 1/σ² of the Gaussian prior on every weight
  float noise_inv_var;    ///< linear model: 1/σ² of the known observation noise
  float inv_temperature;  ///< cartpole: log pseudo-likelihood = mean return / temperature
  McmcProposal proposal;
  float proposal_sigma_g; ///< gaussian proposal: step σ in µS (the weight σ / scale)
  McmcAcceptance acceptance;
  McmcRestore restore;
  double age_cycles;      ///< cycles every device has seen before the run (wear, stuck devices)
  int episodes;           ///< cartpole: training episodes per likelihood evaluation
  int episode_steps;      ///< cartpole: steps of an episode (the maximum return)
};

/// Weight p from the devices g (µS).
MC_HD float weight_of(const McmcParams& q, const float* g, int p) {
  return q.differential ? (g[2 * p] - g[2 * p + 1]) * q.weight_scale : (g[p] - q.g_ref) * q.weight_scale;
}

/// The weight a device feeds, and the sign of its contribution.
MC_HD int param_of_device(const McmcParams& q, int j) { return q.differential ? j >> 1 : j; }
MC_HD float device_sign(const McmcParams& q, int j) { return q.differential && (j & 1) ? -1.0f : 1.0f; }

/// The result of one device write: the new conductance and the SET compliance used.
struct DeviceWrite {
  float g;    ///< µS
  float i_c;  ///< µA
};

/// RESET then SET device `dev` (global id chain·D + j) at the compliance whose nominal median is g_target,
/// as its (writes_done + 1)-th write after age_cycles: d2d scale and wear apply; a worn-out or unformed device
/// stays at its stuck conductance. z: a standard normal.
MC_HD DeviceWrite device_write(const McmcParams& q, std::uint64_t dev, float g_target, std::uint32_t writes_done, float z) {
  const DeviceModel& m = q.device;
  const DeviceDraw d = draw_device(m, q.seed, dev, q.init_compliance);
  const float t = static_cast<float>(q.age_cycles + static_cast<double>(writes_done) + 1.0);
  const float i_c = compliance_for(m, g_target);
  if (stuck_at(d, t)) return DeviceWrite{d.stuck_g, i_c};
  return DeviceWrite{program_set(m, d, i_c, wear_at(m, t, d.lifetime), z), i_c};
}

/// log q(to | from) of the nominal device proposal (no d2d, no wear: what the sampler knows of its chip), up to
/// a constant: a Gaussian around the median of the compliance chosen for `from`.
MC_HD float device_log_q(const DeviceModel& m, float from, float to) {
  const float mu = lrs_median(m, compliance_for(m, from));
  const float s = c2c_sigma(m, mu);
  const float d = (to - mu) / s;
  return -0.5f * d * d - fast_log(s);
}

/// Energy (pJ) of a RESET + SET at compliance i_c.
MC_HD float write_energy(const DeviceModel& m, float i_c) { return reset_energy(m) + set_energy(m, i_c); }

/// log(1 + e^z), stable for any z.
MC_HD float softplus(float z) {
  const float a = z < 0.0f ? -z : z;
  return (z > 0.0f ? z : 0.0f) + fast_log(1.0f + fast_exp(-a));
}

/// tanh by e^(2x), accurate to ~1e-7 absolute.
MC_HD float fast_tanh(float x) {
  const float c = clampf(x, -15.0f, 15.0f);
  const float e = fast_exp(2.0f * c);
  return (e - 1.0f) / (e + 1.0f);
}

/// Log-likelihood of one data point from its pre-activations z[rows] and the weights w (mlp output layer).
/// y: class id (logistic, softmax, mlp) or target value (linear). kMaxOutputs bounds K.
constexpr int kMaxOutputs = 16;
constexpr int kMaxHidden = 64;
/// The model's outputs (logits) of a data point: z itself, or for the mlp the output layer over tanh(z)
/// written into out. Returns where they are.
MC_HD const float* point_outputs(const McmcParams& q, const float* z, const float* w, float* out) {
  if (q.model != McmcModel::kMlp) return z;
  float h[kMaxHidden];
  for (int k = 0; k < q.hidden; ++k) h[k] = fast_tanh(z[k]);
  const float* v = w + q.hidden * q.features;
  for (int a = 0; a < q.outputs; ++a) {
    float s = v[a * (q.hidden + 1) + q.hidden];
    for (int k = 0; k < q.hidden; ++k) s += v[a * (q.hidden + 1) + k] * h[k];
    out[a] = s;
  }
  return out;
}

MC_HD float point_log_lik(const McmcParams& q, const float* z, const float* w, float y) {
  const int cls = static_cast<int>(y);
  if (q.model == McmcModel::kLinear) {
    const float r = y - z[0];
    return -0.5f * q.noise_inv_var * r * r;
  }
  float out[kMaxOutputs];
  const float* o = point_outputs(q, z, w, out);
  if (q.outputs == 1) return (cls == 1 ? o[0] : 0.0f) - softplus(o[0]);
  float mx = o[0];
  for (int a = 1; a < q.outputs; ++a) mx = o[a] > mx ? o[a] : mx;
  float se = 0.0f;
  for (int a = 0; a < q.outputs; ++a) se += fast_exp(o[a] - mx);
  float zy = o[0];
  for (int a = 1; a < q.outputs; ++a) zy = a == cls ? o[a] : zy;
  return zy - mx - fast_log(se);
}

/// Class probabilities (or, for the linear model, the mean prediction in p[0]) of one data point.
MC_HD void point_predict(const McmcParams& q, const float* z, const float* w, float* p) {
  if (q.model == McmcModel::kLinear) {
    p[0] = z[0];
    return;
  }
  float out[kMaxOutputs];
  const float* o = point_outputs(q, z, w, out);
  if (q.outputs == 1) {
    p[1] = 1.0f / (1.0f + fast_exp(-o[0]));
    p[0] = 1.0f - p[1];
    return;
  }
  float mx = o[0];
  for (int a = 1; a < q.outputs; ++a) mx = o[a] > mx ? o[a] : mx;
  float se = 0.0f;
  for (int a = 0; a < q.outputs; ++a) se += (p[a] = fast_exp(o[a] - mx));
  for (int a = 0; a < q.outputs; ++a) p[a] /= se;
}

/// Log prior of weights w[P]: independent Gaussians.
MC_HD float log_prior(const McmcParams& q, const float* w) {
  float s = 0.0f;
  for (int p = 0; p < q.params; ++p) s += w[p] * w[p];
  return -0.5f * q.prior_inv_var * s;
}

/// The random draws of one chain step: Philox on stream kMcmcStep, counter {chain, step, 0}.
struct StepDraws {
  int device;     ///< which device is rewritten
  float z;        ///< standard normal of the write (or of the gaussian step)
  float u_accept; ///< uniform of the accept decision
};

MC_HD StepDraws step_draws(const McmcParams& q, std::uint64_t chain, std::uint64_t step) {
  const U32x4 r = philox(RngKey{q.seed, stream::kMcmcStep}, chain, step, 0);
  StepDraws s;
  s.device = static_cast<int>((static_cast<std::uint64_t>(r.v[0]) * static_cast<std::uint32_t>(q.devices)) >> 32);
  float z2;
  box_muller(r.v[1], r.v[2], &s.z, &z2);
  s.u_accept = u01(r.v[3]);
  return s;
}

/// The proposal of one step for device j at conductance g_old: the new conductance and the log Hastings
/// correction log q(old | new) − log q(new | old) (0 for the symmetric gaussian walk). reject is set when the
/// corrected sampler must refuse the move (a write clamped at a bound, where the target has no mass).
struct Proposal {
  DeviceWrite write;
  float log_hastings;
  bool reject;
};

MC_HD Proposal propose(const McmcParams& q, std::uint64_t chain, int j, float g_old, std::uint32_t writes_done, float z) {
  Proposal r{{g_old, 0.0f}, 0.0f, false};
  if (q.proposal == McmcProposal::kGaussian) {
    r.write = DeviceWrite{g_old + q.proposal_sigma_g * z, 0.0f};
    return r;
  }
  r.write = device_write(q, chain * static_cast<std::uint64_t>(q.devices) + static_cast<std::uint64_t>(j), g_old, writes_done, z);
  if (q.acceptance == McmcAcceptance::kHastings) {
    const float g_new = r.write.g;
    r.reject = g_new <= q.device.g_min || g_new >= q.device.g_max;
    r.log_hastings = r.reject ? 0.0f : device_log_q(q.device, g_new, g_old) - device_log_q(q.device, g_old, g_new);
  }
  return r;
}

/// A read of device j of chain `chain` (µS) at step `step`: read noise from Philox stream kMcmcRead,
/// counter {chain, step, 1 + j/4}. The draws are regenerated per device so that any subset reads alike.
MC_HD float read_device(const McmcParams& q, std::uint64_t chain, std::uint64_t step, int j, float g) {
  if (q.device.read_noise == ReadNoise::kNone) return g;
  const U32x4 r = philox(RngKey{q.seed, stream::kMcmcRead}, chain, step, 1u + static_cast<std::uint32_t>(j >> 2));
  const int lane = j & 3;
  // Lanes (0, 1) and (2, 3) share one Box-Muller pair: the even lane takes its cosine normal, the odd its sine.
  float z0, z1;
  box_muller(r.v[lane & 2], r.v[lane | 1], &z0, &z1);
  return read_conductance(q.device, g, (lane & 1) ? z1 : z0, u01(r.v[lane]));
}

// ---- Cart-pole (Barto, Sutton & Anderson 1983; the classic constants) -------------------------------------

struct CartPole {
  float x, x_dot, theta, theta_dot;
};

/// One Euler step of τ = 0.02 s with force ±10 N; returns false once the pole falls past 12° or the cart
/// leaves ±2.4 m.
MC_HD bool cartpole_step(CartPole& s, bool push_right) {
  const float gravity = 9.8f, mass_cart = 1.0f, mass_pole = 0.1f, half_length = 0.5f, force_mag = 10.0f, tau = 0.02f;
  const float total = mass_cart + mass_pole, pml = mass_pole * half_length;
  const float force = push_right ? force_mag : -force_mag;
  const float ct = cosf(s.theta), st = sinf(s.theta);
  const float temp = (force + pml * s.theta_dot * s.theta_dot * st) / total;
  const float theta_acc = (gravity * st - ct * temp) / (half_length * (4.0f / 3.0f - mass_pole * ct * ct / total));
  const float x_acc = temp - pml * theta_acc * ct / total;
  s.x += tau * s.x_dot;
  s.x_dot += tau * x_acc;
  s.theta += tau * s.theta_dot;
  s.theta_dot += tau * theta_acc;
  return s.x >= -2.4f && s.x <= 2.4f && s.theta >= -0.20943951f && s.theta <= 0.20943951f;
}

/// Initial state of an episode: each variable uniform in ±0.05 (Philox stream kMcmcEpisode, counter
/// {episode, set, 0}; set 0 = training episodes, 1 = held-out test episodes).
MC_HD CartPole cartpole_start(std::uint32_t seed, std::uint64_t episode, std::uint64_t set) {
  const U32x4 r = philox(RngKey{seed, stream::kMcmcEpisode}, episode, set, 0);
  return CartPole{0.1f * u01(r.v[0]) - 0.05f, 0.1f * u01(r.v[1]) - 0.05f, 0.1f * u01(r.v[2]) - 0.05f, 0.1f * u01(r.v[3]) - 0.05f};
}

/// The policy's output for a state (push right when > 0); inputs (x, ẋ, θ, θ̇) and, with a bias, 1.
MC_HD float policy_output(const McmcParams& q, const float* w, const CartPole& s) {
  const float in[5] = {s.x, s.x_dot, s.theta, s.theta_dot, 1.0f};
  if (q.hidden == 0) {
    float o = 0.0f;
    for (int f = 0; f < q.features; ++f) o += w[f] * in[f];
    return o;
  }
  const float* v = w + q.hidden * q.features;
  float o = v[q.hidden];
  for (int k = 0; k < q.hidden; ++k) {
    float a = 0.0f;
    for (int f = 0; f < q.features; ++f) a += w[k * q.features + f] * in[f];
    o += v[k] * fast_tanh(a);
  }
  return o;
}

/// Steps an episode lasts (its return) under the policy w, up to episode_steps.
MC_HD int cartpole_return(const McmcParams& q, const float* w, std::uint64_t episode, std::uint64_t set) {
  CartPole s = cartpole_start(q.data_seed, episode, set);
  int t = 0;
  while (t < q.episode_steps) {
    ++t;
    if (!cartpole_step(s, policy_output(q, w, s) > 0.0f)) break;
  }
  return t;
}

}  // namespace mc

namespace mc {

/// Event counts and energy of one chain (device writes, reads), accumulated over a run.
struct McmcChainStats {
  std::uint64_t proposals;
  std::uint64_t accepted;
  std::uint64_t sets;
  std::uint64_t resets;
  std::uint64_t reads;
  double energy;  ///< pJ
};

/// The chain-level half of a step, shared by every backend: draw, propose, and count the write.
struct StepPlan {
  int device;          ///< j
  int param;           ///< p
  float g_old, g_new;  ///< µS
  float dw;            ///< change of weight p
  float log_hastings;
  float log_u;         ///< log of the accept uniform
  bool reject;         ///< refused before any likelihood (hastings: clamped write)
  float i_c;           ///< µA, the compliance written (device proposals)
};

/// log L of a differential pair, L = (g_max − g_min) − |G+ − G−| (µS): the length of the segment of the box
/// [g_min, g_max]² on which w = s·(G+ − G−) is constant. A chain on (G+, G−) whose target is π(w) alone reaches
/// w with density π(w)·L(w), tilted toward small |w|; the exact (hastings) sampler targets π(w)/L(w) on the
/// box, whose marginal in w is π(w), by adding log L(w_old) − log L(w_new) to the log acceptance ratio.
/// g: the device being rewritten, partner: the other device of its pair.
MC_HD float pair_log_jacobian(const McmcParams& q, float g, float partner) {
  const float d = g - partner;
  return fast_log((q.device.g_max - q.device.g_min) - (d < 0.0f ? -d : d));
}

MC_HD StepPlan plan_step(const McmcParams& q, std::uint64_t chain, std::uint64_t step, const float* g,
                         std::uint32_t* writes, McmcChainStats& st) {
  const StepDraws sd = step_draws(q, chain, step);
  StepPlan s;
  s.device = sd.device;
  s.param = param_of_device(q, sd.device);
  s.g_old = g[sd.device];
  const Proposal pr = propose(q, chain, sd.device, s.g_old, writes[sd.device], sd.z);
  s.g_new = pr.write.g;
  s.i_c = pr.write.i_c;
  s.dw = device_sign(q, sd.device) * (s.g_new - s.g_old) * q.weight_scale;
  s.log_hastings = pr.log_hastings;
  s.reject = pr.reject;
  if (q.differential && q.proposal == McmcProposal::kDevice && q.acceptance == McmcAcceptance::kHastings && !s.reject)
    s.log_hastings += pair_log_jacobian(q, s.g_old, g[sd.device ^ 1]) - pair_log_jacobian(q, s.g_new, g[sd.device ^ 1]);
  s.log_u = fast_log(sd.u_accept);
  st.proposals += 1;
  if (q.proposal == McmcProposal::kDevice) {
    writes[sd.device] += 1;
    st.sets += 1, st.resets += 1;
    st.energy += write_energy(q.device, s.i_c);
  }
  return s;
}

/// After the decision: restore a rejected device write the way the array does (a verified rewrite of the
/// old conductance: one more RESET + SET, its energy and its wear), or not at all (`ideal`).
MC_HD void restore_step(const McmcParams& q, const StepPlan& s, std::uint32_t* writes, McmcChainStats& st) {
  if (q.proposal != McmcProposal::kDevice || q.restore != McmcRestore::kReprogram) return;
  writes[s.device] += 1;
  st.sets += 1, st.resets += 1;
  st.energy += write_energy(q.device, compliance_for(q.device, s.g_old));
}

/// Accept when log u < log target ratio + log Hastings correction.
MC_HD bool accept_step(const StepPlan& s, float lt_new, float lt_old) {
  return !s.reject && s.log_u < lt_new - lt_old + s.log_hastings;
}

/// First programming of device j of a chain: a write at the compliance for g_init (stream kMcmcInit).
MC_HD float initial_conductance(const McmcParams& q, std::uint64_t chain, int j) {
  const U32x4 r = philox(RngKey{q.seed, stream::kMcmcInit}, chain, 0, static_cast<std::uint32_t>(j >> 2));
  float z0, z1;
  const int lane = j & 3;
  box_muller(r.v[lane & 2], r.v[lane | 1], &z0, &z1);
  const float z = (lane & 1) ? z1 : z0;
  return device_write(q, chain * static_cast<std::uint64_t>(q.devices) + static_cast<std::uint64_t>(j), q.g_init, 0, z).g;
}

}  // namespace mc

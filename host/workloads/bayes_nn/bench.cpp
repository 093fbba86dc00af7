// `memcarlo bench bayes_nn`: read-mode sampled inferences per second — a 32-16-9 network stored as 681 device
// pairs (1,362 devices), every sampled inference reading every device afresh with the device model's Gaussian read
// noise (5 % here) — against the NumPy implementation of the same sampler (tools/baselines/bayes_nn_numpy.py).
// Conductances and inputs follow deterministic formulas shared with the baseline; the random streams differ, so
// the two agree in distribution: both print the mean predictive entropy over the inputs, which must agree within a
// few of its standard errors.
#include <omp.h>

#include <cmath>
#include <cstdio>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/command.hpp"
#include "io/progress.hpp"
#include "scenario/error.hpp"
#include "workloads/backend.hpp"
#include "workloads/bayes_nn/bayes_nn.hpp"
#include "workloads/bench.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "build_info.h"

namespace mc {

namespace {

struct BenchNet {
  std::vector<int> sizes{32, 16, 9};
  std::vector<std::vector<float>> gp, gm;
  std::vector<float> x;
};

BenchNet bench_net(int inputs) {
  BenchNet b;
  for (int l = 0; l < 2; ++l) {
    const int ni = b.sizes[l] + 1, no = b.sizes[l + 1];
    std::vector<float> p(static_cast<size_t>(ni) * no), m(p.size());
    for (int i = 0; i < ni; ++i)
      for (int k = 0; k < no; ++k) {
        p[static_cast<size_t>(i) * no + k] = static_cast<float>(10.0 + 90.0 * ((i * 7 + k * 13 + l * 5) % 17) / 16.0);
        m[static_cast<size_t>(i) * no + k] = static_cast<float>(10.0 + 90.0 * ((i * 11 + k * 3 + l * 7 + 5) % 17) / 16.0);
      }
    b.gp.push_back(p);
    b.gm.push_back(m);
  }
  b.x.resize(static_cast<size_t>(inputs) * 32);
  for (int n = 0; n < inputs; ++n)
    for (int f = 0; f < 32; ++f) b.x[static_cast<size_t>(n) * 32 + f] = static_cast<float>(((n * 31 + f * 17) % 11) / 5.0 - 1.0);
  return b;
}

// Mean predictive entropy over inputs and its standard error.
std::pair<double, double> mean_entropy(const std::vector<float>& logits, int n, int M, int K) {
  double s1 = 0, s2 = 0;
  std::vector<double> p(static_cast<size_t>(M) * K);
  for (int i = 0; i < n; ++i) {
    for (int m = 0; m < M; ++m) bnn_softmax(&logits[(static_cast<size_t>(i) * M + m) * K], K, &p[static_cast<size_t>(m) * K]);
    const double h = bnn_uncertainty(p.data(), M, K).predictive;
    s1 += h, s2 += h * h;
  }
  const double mean = s1 / n;
  return {mean, std::sqrt(std::max(0.0, (s2 / n - mean * mean) / std::max(1, n - 1)))};
}

}  // namespace

int bench_bayes_nn(const BenchArgs& args) {
  const std::uint64_t inputs = args.get("inputs", 2000), samples = args.get("samples", 50), base_inputs = args.get("baseline-inputs", 200);
  if (inputs < 1 || inputs > 10000000) throw InputError("--inputs: expected 1 .. 10000000");
  if (samples < 1 || samples > 100000) throw InputError("--samples: expected 1 .. 100000");
  const Scenario s = bench_scenario(
      "workload: bayes_nn\ndevice: {preset: hfo2_1t1r, read: {noise: gaussian, sigma_rel: 0.05}}\nbayes_nn: {data: synthetic}\n");
  const Backend backend = choose_backend(args.backend, args.threads);
  const int n = static_cast<int>(inputs), M = static_cast<int>(samples), K = 9;
  const BenchNet b = bench_net(n);
  BnnDeviceNet net{};
  net.n_layers = 2;
  for (int l = 0; l < 3; ++l) net.sizes[l] = b.sizes[l];
  for (int l = 0; l < 2; ++l) net.g_plus[l] = b.gp[l].data(), net.g_minus[l] = b.gm[l].data();
  net.gamma = 100.0f;
  net.bias_input = 1.0f;
  net.model = s.device;
  net.seed = 1;
  std::vector<float> logits(static_cast<size_t>(n) * M * K);
  auto run = [&](int count) {
#if defined(MC_HAVE_CUDA)
    if (backend.kind == Backend::kCuda) {
      bnn_read_inferences_cuda(backend.gpu, net, b.x.data(), count, M, 0, 0.0f, logits.data());
      return;
    }
#endif
    bnn_read_inferences_cpu(net, b.x.data(), count, M, 0, 0.0f, logits.data(), args.threads);
  };
  run(std::min(n, 16));  // warm-up
  const double t0 = now_seconds();
  run(n);
  const double dt = now_seconds() - t0;
  if (cancel_flag().load()) throw Interrupted();
  const double rate = static_cast<double>(n) * M / dt;
  const auto [h, se] = mean_entropy(logits, n, M, K);
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  std::printf("memcarlo %s: %.3g s for %d inputs x %d samples of a 32-16-9 network (681 device pairs, 1,362 devices, read afresh per sampled inference, "
              "Gaussian read noise 5 %%); mean predictive entropy %.5f +- %.5f nats\n",
              backend.name.c_str(), dt, n, M, h, se);
  if (args.baseline) {
    const std::uint64_t bn = std::min(inputs, base_inputs);
    const std::string bargs = fmt::format("--inputs {} --samples {} --sigma-rel 0.05", bn, M);
    print_baseline("bayes_nn_numpy.py", bargs, "sampled-inferences/s", fmt::format("NumPy, {} inputs x {} samples", bn, M), rate);
    int rc = 0;
    const std::string out = capture(fmt::format("/usr/bin/python3 '{}/tools/baselines/bayes_nn_numpy.py' {} --json", MC_SOURCE_DIR, bargs), &rc);
    if (rc == 0) {
      const auto j = nlohmann::json::parse(out);
      const auto [h2, se2] = mean_entropy(logits, static_cast<int>(bn), M, K);
      const double theirs = j.at("mean_entropy").get<double>(), their_se = j.at("entropy_se").get<double>();
      std::printf("mean predictive entropy of the first %llu inputs: memcarlo %.5f, numpy %.5f (z = %.2f; the inputs are shared, so this "
                  "is conservative)\n",
                  static_cast<unsigned long long>(bn), h2, theirs, (h2 - theirs) / std::sqrt(se2 * se2 + their_se * their_se + 1e-30));
    }
  }
  std::printf("bayes_nn: %.4g sampled-inferences/s (%s, %d inputs x %d samples, peak %ld MB)\n", rate, backend.name.c_str(), n, M, peak_rss_mb());
  return 0;
}

}  // namespace mc

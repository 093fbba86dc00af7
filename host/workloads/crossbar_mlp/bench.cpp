// `memcarlo bench crossbar_mlp`: programmed chips per second through the exact nodal solve of a passive
// crossbar with contact and wire resistance (factor once per chip, transfer matrix by superposition, every input
// pattern one row of a GEMM), against the SciPy sparse-LU implementation of the same circuit
// (tools/baselines/crossbar_scipy.py). Chip k's conductances and the inputs follow deterministic formulas shared
// with the baseline, so both print the same checksum.
#include <cblas.h>
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <cstdio>
#include <fmt/format.h>
#include <memory>
#include <vector>
#include <nlohmann/json.hpp>

#include "circuit/driver.hpp"
#include "crossbar/circuit.hpp"
#include "io/command.hpp"
#include "io/progress.hpp"
#include "scenario/error.hpp"
#include "workloads/backend.hpp"
#include "workloads/bench.hpp"
#include "workloads/crossbar_mlp/crossbar_mlp.hpp"
#include "workloads/run.hpp"
#include "workloads/workload.hpp"
#include "scenario/search_path.hpp"
#include "build_info.h"

namespace mc {

namespace {

void bench_conductances(std::uint64_t chip, int rows, int cols, float* G) {
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < cols; ++j)
      G[i * cols + j] = static_cast<float>(10.0 + 90.0 * static_cast<double>((i * 7 + j * 13 + chip * 5) % 17) / 16.0);
}

std::vector<double> bench_inputs(int n_inputs, int rows) {
  std::vector<double> V(static_cast<size_t>(n_inputs) * rows);
  for (int p = 0; p < n_inputs; ++p)
    for (int i = 0; i < rows; ++i) V[static_cast<size_t>(p) * rows + i] = (p * 31 + i * 17) % 3 == 0 ? -0.2 : 0.2;
  return V;
}

// The sum of a chip's output currents (µA) over every input pattern: out (P × cols) = V (P × rows) · Tᵀ by one
// GEMM, T its transfer matrix (cols × rows); out is scratch.
double output_sum(const std::vector<double>& V, const double* T, int n_inputs, int rows, int cols, std::vector<double>& out) {
  cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n_inputs, cols, rows, 1.0, V.data(), rows, T, rows, 0.0, out.data(), cols);
  double s = 0.0;
  for (double x : out) s += x;
  return s;
}

// Chips [0, chips): factor, transfer matrix, outputs of every input (P × cols by one GEMM); returns the sum of
// every output current (µA).
double solve_chips(std::uint64_t chips, int rows, int cols, int n_inputs, double r_contact, double r_wire, int threads) {
  const std::vector<double> V = bench_inputs(n_inputs, rows);
  const CrossbarGeometry g{rows, cols, r_wire, r_wire, r_contact, r_contact, true};
  std::vector<double> per_chip(chips, 0.0);
#pragma omp parallel num_threads(threads > 0 ? threads : omp_get_max_threads())
  {
    CrossbarSolver solver(g);
    std::vector<float> G(static_cast<size_t>(rows) * cols);
    std::vector<double> out(static_cast<size_t>(n_inputs) * cols);
#pragma omp for schedule(dynamic)
    for (std::int64_t c = 0; c < static_cast<std::int64_t>(chips); ++c) {
      if (cancel_flag().load()) continue;
      bench_conductances(static_cast<std::uint64_t>(c), rows, cols, G.data());
      const std::vector<double> T = crossbar_transfer(solver, G.data());  // cols × rows
      per_chip[c] = output_sum(V, T.data(), n_inputs, rows, cols, out);
    }
  }
  double total = 0.0;
  for (double s : per_chip) total += s;  // chip order: the sum is deterministic
  return total;
}

// The same chips through the batched banded Cholesky (kernels/circuit/banded.hpp) on the CPU or, with gpu ≥ 0,
// on that GPU: transfer matrices of a batch of chips, then every chip's outputs by one GEMM on the CPU; the same
// per-chip sums in chip order as solve_chips.
double band_chips(int gpu, std::uint64_t chips, int rows, int cols, int n_inputs, double r_contact, double r_wire, int threads) {
  const std::vector<double> V = bench_inputs(n_inputs, rows);
  const CrossbarGeometry g{rows, cols, r_wire, r_wire, r_contact, r_contact, true};
  const size_t n = static_cast<size_t>(rows) * cols, t = n;
  const std::uint64_t batch = std::max<std::uint64_t>(1, std::min<std::uint64_t>(chips, (256ULL << 20) / (t * sizeof(double))));
  std::vector<float> G(batch * n);
  std::vector<double> T(batch * t), out(static_cast<size_t>(n_inputs) * cols);
  double total = 0.0;
  for (std::uint64_t c0 = 0; c0 < chips && !cancel_flag().load(); c0 += batch) {
    const std::uint64_t b = std::min(batch, chips - c0);
    for (std::uint64_t c = 0; c < b; ++c) bench_conductances(c0 + c, rows, cols, G.data() + c * n);
#if defined(MC_HAVE_CUDA)
    if (gpu >= 0) band_transfer_chips_cuda(gpu, g, G.data(), b, T.data());
    else
#endif
      band_transfer_chips_cpu(g, G.data(), b, T.data(), threads);
    (void)gpu;
    for (std::uint64_t c = 0; c < b; ++c) {
      total += output_sum(V, T.data() + c * t, n_inputs, rows, cols, out);
    }
  }
  return total;
}

#if defined(MC_HAVE_CUDA)
// Without line resistance a chip is its conductance matrix: the ideal MVM of every chip and pattern on GPU
// `gpu` (kernels/cuda/crossbar.cu), in batches of chips whose outputs fit in 256 MB; returns the same checksum.
double ideal_chips_cuda(int gpu, std::uint64_t chips, int rows, int cols, int n_inputs) {
  const std::vector<double> V = bench_inputs(n_inputs, rows);
  const std::uint64_t per_chip = static_cast<std::uint64_t>(n_inputs) * cols;
  const std::uint64_t batch = std::max<std::uint64_t>(1, (256ULL << 20) / (per_chip * sizeof(double)));
  const size_t n = static_cast<size_t>(rows) * cols;
  std::vector<float> G;
  std::vector<double> out;
  double total = 0.0;
  for (std::uint64_t c0 = 0; c0 < chips; c0 += batch) {
    const std::uint64_t b = std::min(batch, chips - c0);
    G.resize(b * n);
    out.resize(b * per_chip);
    for (std::uint64_t c = 0; c < b; ++c) bench_conductances(c0 + c, rows, cols, G.data() + c * n);
    ideal_mvm_chips_cuda(gpu, G.data(), rows, cols, b, V.data(), n_inputs, out.data());
    for (std::uint64_t c = 0; c < b; ++c) {  // per chip, then in chip order: the CPU's summation order
      double s = 0.0;
      for (std::uint64_t k = 0; k < per_chip; ++k) s += out[c * per_chip + k];
      total += s;
    }
  }
  return total;
}
#endif

}  // namespace

int bench_crossbar_mlp(const BenchArgs& args) {
  const std::uint64_t chips = args.get("chips", 2000), baseline_chips = args.get("baseline-chips", 100);
  const int rows = static_cast<int>(args.get("rows", 20)), cols = static_cast<int>(args.get("cols", 20));
  const int n_inputs = static_cast<int>(args.get("inputs", 680));
  const double r_contact = static_cast<double>(args.get("contact-ohm", 400));
  const double r_wire = static_cast<double>(args.get("wire-mohm", 500)) * 1e-3;
  if (chips < 1) throw InputError("--chips: expected >= 1");
  if (rows < 1 || cols < 1 || rows > 4096 || cols > 4096) throw InputError("--rows, --cols: expected 1 to 4096");
  if (n_inputs < 1) throw InputError("--inputs: expected >= 1");
  const Backend backend = choose_backend(args.backend, args.threads);
#if defined(MC_HAVE_CUDA)
  if (backend.kind == Backend::kCuda && r_contact == 0 && r_wire == 0) {
    // The ideal MVM of many chips on the GPU, checked against the CPU's checksum of the same chips.
    ideal_chips_cuda(backend.gpu, std::min<std::uint64_t>(chips, 8), rows, cols, n_inputs);  // warm-up
    const double t0 = now_seconds();
    const double sum = ideal_chips_cuda(backend.gpu, chips, rows, cols, n_inputs);
    const double dt = now_seconds() - t0;
    const double t1 = now_seconds();
    const double cpu = solve_chips(chips, rows, cols, n_inputs, 0, 0, args.threads);
    const double dt_cpu = now_seconds() - t1;
    std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
    std::printf("crossbar_mlp ideal MVM: %.4g chips/s on the GPU (%llu chips of %dx%d, %d inputs, checksum %.12g), "
                "%.4g chips/s on the CPU (checksum %.12g, relative difference %.2g)\n",
                static_cast<double>(chips) / dt, static_cast<unsigned long long>(chips), rows, cols, n_inputs, sum,
                static_cast<double>(chips) / dt_cpu, cpu, std::fabs(sum - cpu) / std::max(1e-300, std::fabs(cpu)));
    return 0;
  }
#endif
  // Both solvers side by side: the banded Cholesky the GPU runs (on the GPU with --backend cuda) and Eigen's sparse
  // LDLT on the CPU (the workload's solver); the banded one is the headline rate when the geometry has a narrow band.
  const bool banded = crossbar_band(CrossbarGeometry{rows, cols, r_wire, r_wire, r_contact, r_contact, true}).usable;
  const int gpu = backend.kind == Backend::kCuda ? backend.gpu : -1;
  std::printf("machine: %s\nbuild: %s\n", backend.device.c_str(), MC_BUILD_FLAGS);
  solve_chips(std::min<std::uint64_t>(chips, 8), rows, cols, n_inputs, r_contact, r_wire, args.threads);  // warm-up
  const double t0 = now_seconds();
  const double eigen_sum = solve_chips(chips, rows, cols, n_inputs, r_contact, r_wire, args.threads);
  const double dt_eigen = now_seconds() - t0;
  if (cancel_flag().load()) throw Interrupted();
  std::printf("memcarlo cpu (Eigen SimplicialLDLT, %d threads): %.3g s for %llu chips of %dx%d, %d inputs each, contact %g ohm, wire %g ohm: "
              "%.4g chips/s\n",
              args.threads > 0 ? args.threads : omp_get_max_threads(), dt_eigen, static_cast<unsigned long long>(chips), rows, cols,
              n_inputs, r_contact, r_wire, static_cast<double>(chips) / dt_eigen);
  double checksum = eigen_sum, dt = dt_eigen;
  if (banded) {
    band_chips(gpu, std::min<std::uint64_t>(chips, 8), rows, cols, n_inputs, r_contact, r_wire, args.threads);  // warm-up
    const double t1 = now_seconds();
    checksum = band_chips(gpu, chips, rows, cols, n_inputs, r_contact, r_wire, args.threads);
    dt = now_seconds() - t1;
    if (cancel_flag().load()) throw Interrupted();
    std::printf("memcarlo %s (banded Cholesky%s): %.3g s: %.4g chips/s, %.2fx Eigen (checksum relative difference %.2g)\n",
                gpu >= 0 ? "cuda" : "cpu", gpu >= 0 ? ", one GPU thread per chip; outputs by GEMM on the CPU" : "", dt,
                static_cast<double>(chips) / dt, dt_eigen / dt, std::fabs(checksum - eigen_sum) / std::max(1e-300, std::fabs(eigen_sum)));
  } else if (gpu >= 0) {
    std::printf("note: wire resistance on one line set has no narrow band; the nodal solve ran on the CPU (Eigen sparse LDLT)\n");
  }
  const double rate = static_cast<double>(chips) / dt;
  if (args.baseline && r_contact > 0 && r_wire > 0) {
    const std::uint64_t bc = std::min(chips, baseline_chips);
    const std::string bargs = fmt::format("--chips {} --rows {} --cols {} --inputs {} --contact-ohm {} --wire-ohm {}", bc, rows, cols,
                                          n_inputs, r_contact, r_wire);
    print_baseline("crossbar_scipy.py", bargs, "chips/s", fmt::format("SciPy splu, {} chips", bc), rate);
    // The same circuit: the checksum of the first chips must agree with the baseline's.
    int rc = 1;
    std::string out;
    std::string script;
    try {
      script = shipped_file("tools/baselines/crossbar_scipy.py");
    } catch (const std::runtime_error&) {
    }
    if (!script.empty())
      out = capture(fmt::format("/usr/bin/python3 '{}' {} --json", script,
                                fmt::format("--chips {} --rows {} --cols {} --inputs {} --contact-ohm {} --wire-ohm {}",
                                            std::min<std::uint64_t>(bc, 3), rows, cols, n_inputs, r_contact, r_wire)),
                    &rc);
    if (rc == 0) {
      const double theirs = nlohmann::json::parse(out).at("checksum").get<double>();
      const double ours = solve_chips(std::min<std::uint64_t>(bc, 3), rows, cols, n_inputs, r_contact, r_wire, args.threads);
      std::printf("checksum of the first %llu chips: memcarlo %.12g, scipy %.12g (relative difference %.2g)\n",
                  static_cast<unsigned long long>(std::min<std::uint64_t>(bc, 3)), ours, theirs, std::fabs(ours - theirs) / std::fabs(theirs));
    }
  }
  std::printf("crossbar_mlp: %.4g chips/s (%s, %llu chips of %dx%d, %d inputs, checksum %.10g, peak %ld MB)\n", rate,
              backend.name.c_str(), static_cast<unsigned long long>(chips), rows, cols, n_inputs, checksum, peak_rss_mb());
  return 0;
}

}  // namespace mc

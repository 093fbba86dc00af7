// Crossbar nodal solve (host/crossbar/circuit.hpp) against an independent dense reference, Kirchhoff's current
// law, the transpose symmetry and the analytic contact-only attenuation (notes/neural-workloads.md F, B-1).
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

#include "circuit/driver.hpp"
#include "crossbar/circuit.hpp"

namespace mc {
namespace {

std::vector<float> random_array(int rows, int cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(10.0f, 100.0f);  // µS, the TiO2 working range
  std::vector<float> G(static_cast<size_t>(rows) * cols);
  for (float& g : G) g = u(gen);
  return G;
}

std::vector<double> random_inputs(int n, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<double> u(-0.2, 0.2);
  std::vector<double> v(static_cast<size_t>(n));
  for (double& x : v) x = u(gen);
  return v;
}

// Written from the circuit, not from the enumerator: rows driven at column 0 through r_in, columns sensed at row
// m−1 through r_out; unknowns r(i,j) = i·n + j and c(i,j) = mn + j·m + i, SI units (S, V, A).
struct DenseReference {
  Eigen::VectorXd x;
  std::vector<double> i_out;  // A
};

DenseReference dense_reference(int m, int n, const std::vector<float>& G_us, double rw, double rc_in, double rc_out,
                               const std::vector<double>& v) {
  const int N = 2 * m * n;
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(N, N);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(N);
  auto r = [&](int i, int j) { return i * n + j; };
  auto c = [&](int i, int j) { return m * n + j * m + i; };
  auto stamp = [&](int a, int d, double g) {
    K(a, a) += g; K(d, d) += g; K(a, d) -= g; K(d, a) -= g;
  };
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) stamp(r(i, j), c(i, j), G_us[i * n + j] * 1e-6);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j + 1 < n; ++j) stamp(r(i, j), r(i, j + 1), 1.0 / rw);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i + 1 < m; ++i) stamp(c(i, j), c(i + 1, j), 1.0 / rw);
  for (int i = 0; i < m; ++i) {
    K(r(i, 0), r(i, 0)) += 1.0 / rc_in;
    b(r(i, 0)) += v[i] / rc_in;
  }
  for (int j = 0; j < n; ++j) K(c(m - 1, j), c(m - 1, j)) += 1.0 / rc_out;
  DenseReference ref;
  ref.x = K.fullPivLu().solve(b);
  for (int j = 0; j < n; ++j) ref.i_out.push_back(ref.x(c(m - 1, j)) / rc_out);
  return ref;
}

TEST(CrossbarCircuit, NodeVoltagesMatchADenseReferenceAndKirchhoff) {
  const int m = 7, n = 5;
  const double rw = 2.5, rin = 300.0, rout = 500.0;
  const std::vector<float> G = random_array(m, n, 1);
  const std::vector<double> v = random_inputs(m, 2);
  CrossbarSolver s(CrossbarGeometry{m, n, rw, rw, rin, rout, true});
  s.factor(G.data());
  const std::vector<double> x = s.solve(v.data());
  const DenseReference ref = dense_reference(m, n, G, rw, rin, rout, v);
  const CrossbarLines l = crossbar_lines(s.geometry());
  double worst = 0.0;
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) {
      const double vr = x[driven_node(s.geometry(), l, i, j)], vc = x[sensed_node(s.geometry(), l, j, i)];
      worst = std::max(worst, std::fabs(vr - ref.x(i * n + j)) / std::fabs(ref.x(i * n + j)));
      worst = std::max(worst, std::fabs(vc - ref.x(m * n + j * m + i)) / std::fabs(ref.x(m * n + j * m + i)));
    }
  EXPECT_LT(worst, 1e-9);
  const std::vector<double> out = s.outputs(v.data());
  for (int j = 0; j < n; ++j) EXPECT_NEAR(out[j] * 1e-6, ref.i_out[j], 1e-9 * std::fabs(ref.i_out[j]));
  EXPECT_LT(s.kcl_residual(x.data(), v.data()) * 1e-6, 1e-12);  // µA → A
}

TEST(CrossbarCircuit, KirchhoffHoldsOnAPaperSizedArrayWithHighLineResistance) {
  const int m = 20, n = 20;
  const std::vector<float> G = random_array(m, n, 3);
  const std::vector<double> v = random_inputs(m, 4);
  for (double rw : {0.0, 1.0, 50.0}) {
    CrossbarSolver s(CrossbarGeometry{m, n, rw, rw, 400.0, 400.0, true});
    s.factor(G.data());
    const std::vector<double> x = s.solve(v.data());
    EXPECT_LT(s.kcl_residual(x.data(), v.data()) * 1e-6, 1e-12) << "wire " << rw;
  }
}

TEST(CrossbarCircuit, TransposedArrayDrivenOnColumnsIsTheSameCircuit) {
  const int m = 9, n = 6;
  const std::vector<float> G = random_array(m, n, 5);
  std::vector<float> Gt(G.size());
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < n; ++j) Gt[j * m + i] = G[i * n + j];
  const std::vector<double> v = random_inputs(m, 6);
  CrossbarSolver a(CrossbarGeometry{m, n, 1.5, 4.0, 350.0, 450.0, true});
  CrossbarSolver b(CrossbarGeometry{n, m, 4.0, 1.5, 350.0, 450.0, false});  // row and column wires swap too
  a.factor(G.data());
  b.factor(Gt.data());
  const std::vector<double> ia = a.outputs(v.data()), ib = b.outputs(v.data());
  ASSERT_EQ(ia.size(), ib.size());
  for (size_t k = 0; k < ia.size(); ++k) EXPECT_NEAR(ia[k], ib[k], 1e-12 * std::fabs(ia[k]));
  const std::vector<double> ta = a.transfer(), tb = b.transfer();
  for (size_t k = 0; k < ta.size(); ++k) EXPECT_NEAR(ta[k], tb[k], 1e-12 * std::fabs(ta[k]));
  // And the orientation matters: the same array driven on its other side is a different circuit.
  CrossbarSolver c(CrossbarGeometry{n, m, 1.5, 4.0, 350.0, 450.0, true});
  c.factor(Gt.data());
  const std::vector<double> vc = random_inputs(n, 6);
  EXPECT_EQ(c.outputs(vc.data()).size(), static_cast<size_t>(m));
}

TEST(CrossbarCircuit, ContactResistanceOnlyAttenuatesEachLineByOneOverOnePlusRSumG) {
  // Uniform array, no wire resistance: a sensed line is one node, so I = ΣG·V / (1 + R_out·ΣG) exactly.
  const int m = 17, n = 20;
  const std::vector<float> G(static_cast<size_t>(m) * n, 30.0f);
  std::vector<double> v(m, 0.2);
  const double R = 800.0, sum_g = m * 30e-6;  // S
  CrossbarSolver out_only(CrossbarGeometry{m, n, 0.0, 0.0, 0.0, R, true});
  out_only.factor(G.data());
  const std::vector<double> io = out_only.outputs(v.data());
  const double ideal = sum_g * 0.2 * 1e6;  // µA
  for (double i : io) EXPECT_NEAR(i, ideal / (1.0 + R * sum_g), 1e-12 * ideal);
  // Contact on the driven side only: each row node sits at V/(1 + R·ΣG_row).
  CrossbarSolver in_only(CrossbarGeometry{m, n, 0.0, 0.0, R, 0.0, true});
  in_only.factor(G.data());
  const double row_sum = n * 30e-6;
  const std::vector<double> ii = in_only.outputs(v.data());
  for (double i : ii) EXPECT_NEAR(i, ideal / (1.0 + R * row_sum), 1e-12 * ideal);
}

TEST(CrossbarCircuit, NoResistanceIsTheIdealKirchhoffProduct) {
  const int m = 11, n = 8;
  const std::vector<float> G = random_array(m, n, 7);
  const std::vector<double> v = random_inputs(m, 8);
  const CrossbarGeometry g{m, n, 0.0, 0.0, 0.0, 0.0, true};
  CrossbarSolver s(g);
  const std::vector<double> T = crossbar_transfer(s, G.data());
  std::vector<double> ideal(n);
  crossbar_ideal(g, G.data(), v.data(), ideal.data());
  for (int j = 0; j < n; ++j) {
    double t = 0.0;
    for (int i = 0; i < m; ++i) t += T[j * m + i] * v[i];
    EXPECT_NEAR(t, ideal[j], 1e-12 * std::fabs(ideal[j]));
  }
}

TEST(CrossbarCircuit, TransferMatrixReproducesEverySolve) {
  const int m = 12, n = 10;
  const std::vector<float> G = random_array(m, n, 9);
  CrossbarSolver s(CrossbarGeometry{m, n, 2.0, 2.0, 0.0, 600.0, true});  // zero r_in: driven ends fixed
  const std::vector<double> T = crossbar_transfer(s, G.data());
  for (unsigned seed = 10; seed < 15; ++seed) {
    const std::vector<double> v = random_inputs(m, seed);
    const std::vector<double> o = s.outputs(v.data());
    for (int j = 0; j < n; ++j) {
      double t = 0.0;
      for (int i = 0; i < m; ++i) t += T[j * m + i] * v[i];
      EXPECT_NEAR(t, o[j], 1e-10 * std::fabs(o[j]) + 1e-12);
    }
  }
  const std::vector<double> v = random_inputs(m, 20);
  const std::vector<double> x = s.solve(v.data());
  EXPECT_LT(s.kcl_residual(x.data(), v.data()) * 1e-6, 1e-12);
}

// The banded Cholesky (kernels/circuit/banded.hpp: the code the GPU runs per chip) against the sparse Eigen solve,
// on every kind of geometry it takes: wire on both line sets (driven on rows or columns, a zero contact), contact
// resistance only (dense), no resistance at all, and the paper's 20×20 at high wire resistance.
TEST(CrossbarCircuit, BandedCholeskyTransferEqualsTheSparseSolve) {
  const CrossbarGeometry cases[] = {
      {7, 5, 2.5, 2.5, 300.0, 500.0, true},  {9, 6, 1.5, 4.0, 350.0, 450.0, false}, {12, 10, 2.0, 2.0, 0.0, 600.0, true},
      {10, 13, 1.0, 1.0, 400.0, 0.0, true},  {17, 20, 0.0, 0.0, 400.0, 400.0, true}, {11, 8, 0.0, 0.0, 0.0, 0.0, true},
      {20, 20, 50.0, 50.0, 400.0, 400.0, true}};
  for (const CrossbarGeometry& g : cases) {
    const std::uint64_t chips = 3;
    const size_t n = static_cast<size_t>(g.rows) * g.cols;
    std::vector<float> G;
    for (std::uint64_t c = 0; c < chips; ++c) {
      const std::vector<float> a = random_array(g.rows, g.cols, 60 + static_cast<unsigned>(c));
      G.insert(G.end(), a.begin(), a.end());
    }
    const CrossbarLines l = crossbar_lines(g);
    const size_t t = static_cast<size_t>(l.n_driven) * l.n_sensed;
    std::vector<double> T(chips * t, -1.0);
    band_transfer_chips_cpu(g, G.data(), chips, T.data(), 2);
    CrossbarSolver s(g);
    for (std::uint64_t c = 0; c < chips; ++c) {
      const std::vector<double> ref = crossbar_transfer(s, G.data() + c * n);
      double worst = 0.0, scale = 0.0;
      for (size_t k = 0; k < t; ++k) worst = std::max(worst, std::fabs(T[c * t + k] - ref[k])), scale = std::max(scale, std::fabs(ref[k]));
      EXPECT_LT(worst, 1e-9 * scale) << g.rows << "x" << g.cols << " wire " << g.r_wire_row << "/" << g.r_wire_col << " chip " << c;
    }
  }
}

TEST(CrossbarCircuit, BandOfAPaperSizedArrayIsNarrow) {
  // 20×20 with wire on both sets: 800 unknowns, half-width 2·20; 17×20 driven on rows: 680, 2·17 (the shorter set).
  const CrossbarBand a = crossbar_band(CrossbarGeometry{20, 20, 1.0, 1.0, 400.0, 400.0, true});
  EXPECT_TRUE(a.usable);
  EXPECT_EQ(a.n, 800);
  EXPECT_EQ(a.width, 40);
  const CrossbarBand b = crossbar_band(CrossbarGeometry{17, 20, 1.0, 1.0, 400.0, 400.0, true});
  EXPECT_EQ(b.n, 680);
  EXPECT_EQ(b.width, 34);
  // Wire on one line set only: every node of the other set is coupled to a whole line, no narrow band.
  const CrossbarGeometry one{8, 8, 1.0, 0.0, 400.0, 400.0, true};
  EXPECT_FALSE(crossbar_band(one).usable);
  std::vector<float> G(64, 50.0f);
  std::vector<double> T(64);
  EXPECT_THROW(band_transfer_chips_cpu(one, G.data(), 1, T.data(), 1), std::invalid_argument);
}

TEST(CrossbarCircuit, BandCholeskyInterleavedAgainstDenseAndRefusesAnIndefiniteMatrix) {
  // A random symmetric diagonally dominant band (n 30, half-width 4) stored at stride 3 (three interleaved systems,
  // the GPU's layout): the solve equals Eigen's dense LLT to 1e-12.
  const long n = 30, w = 4, stride = 3;
  std::mt19937 gen(77);
  std::uniform_real_distribution<double> u(-1.0, 1.0);
  Eigen::MatrixXd K = Eigen::MatrixXd::Zero(n, n);
  for (long i = 0; i < n; ++i)
    for (long j = std::max(0L, i - w); j < i; ++j) K(i, j) = K(j, i) = u(gen);
  for (long i = 0; i < n; ++i) K(i, i) = 2.0 * w + 1.0;
  std::vector<double> band(static_cast<size_t>(n * (w + 1) * stride), 0.0);
  for (long c = 0; c < n; ++c)
    for (long r = c; r <= std::min(n - 1, c + w); ++r) band_at(band.data() + 1, w, stride, r, c) = K(r, c);
  ASSERT_TRUE(band_cholesky(band.data() + 1, n, w, stride));
  Eigen::VectorXd b(n);
  for (long i = 0; i < n; ++i) b(i) = u(gen);
  // Two right-hand sides (b and 2b), interleaved at stride 2 like the GPU's node voltages.
  std::vector<double> x(static_cast<size_t>(n * 2 * 2));
  for (long i = 0; i < n; ++i) x[(i * 2) * 2] = b(i), x[(i * 2 + 1) * 2] = 2 * b(i);
  band_solve(band.data() + 1, n, w, stride, x.data(), 2, 2);
  const Eigen::VectorXd ref = K.llt().solve(b);
  for (long i = 0; i < n; ++i) {
    EXPECT_NEAR(x[(i * 2) * 2], ref(i), 1e-12 * (1.0 + std::fabs(ref(i))));
    EXPECT_NEAR(x[(i * 2 + 1) * 2], 2 * ref(i), 2e-12 * (1.0 + std::fabs(ref(i))));
  }
  // Indefinite: a negative pivot appears and the factorisation says so.
  std::vector<double> bad = {1.0, 2.0, 1.0, 0.0};  // [[1, 2], [2, 1]], half-width 1
  EXPECT_FALSE(band_cholesky(bad.data(), 2, 1, 1));
}

// The many-chip ideal MVM driver (the CPU twin of the CUDA kernel) against each chip's transfer matrix without
// line resistance, pattern by pattern.
TEST(CrossbarCircuit, ManyChipIdealMvmEqualsEachChipsTransferMatrix) {
  const int m = 9, n = 7, patterns = 5;
  const std::uint64_t chips = 4;
  std::vector<float> G;
  for (std::uint64_t c = 0; c < chips; ++c) {
    const std::vector<float> g = random_array(m, n, 30 + static_cast<unsigned>(c));
    G.insert(G.end(), g.begin(), g.end());
  }
  std::vector<double> V;
  for (int p = 0; p < patterns; ++p) {
    const std::vector<double> v = random_inputs(m, 40 + p);
    V.insert(V.end(), v.begin(), v.end());
  }
  std::vector<double> out(chips * patterns * n);
  ideal_mvm_chips_cpu(G.data(), m, n, chips, V.data(), patterns, out.data(), 2);
  CrossbarSolver s(CrossbarGeometry{m, n, 0.0, 0.0, 0.0, 0.0, true});
  for (std::uint64_t c = 0; c < chips; ++c) {
    const std::vector<double> T = crossbar_transfer(s, G.data() + c * m * n);
    for (int p = 0; p < patterns; ++p)
      for (int j = 0; j < n; ++j) {
        double t = 0.0;
        for (int i = 0; i < m; ++i) t += T[j * m + i] * V[p * m + i];
        EXPECT_NEAR(out[(c * patterns + p) * n + j], t, 1e-12 * std::fabs(t));
      }
  }
}

}  // namespace
}  // namespace mc

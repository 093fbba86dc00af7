// Crossbar nodal solve (host/crossbar/circuit.hpp) against an independent dense reference, Kirchhoff's current
// law, the transpose symmetry and the analytic contact-only attenuation (notes/neural-workloads.md F, B-1).
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <random>
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

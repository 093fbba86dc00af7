// The banded Cholesky solve of a crossbar (kernels/circuit/banded.hpp) against the sparse Eigen solve of
// host/crossbar/circuit.hpp: node voltages and output currents to 1e-9 relative over geometries (paper-sized
// arrays, one line, inputs on rows or columns, zero contact resistance, high line resistance), many chips with
// one band buffer each, and the geometries without a band.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "circuit/banded.hpp"
#include "crossbar/circuit.hpp"

namespace mc {
namespace {

std::vector<float> random_array(int rows, int cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> u(10.0f, 100.0f);  // µS
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

double max_rel(const std::vector<double>& a, const std::vector<double>& b) {
  double num = 0, den = 0;
  for (size_t k = 0; k < a.size(); ++k) num = std::max(num, std::fabs(a[k] - b[k])), den = std::max(den, std::fabs(b[k]));
  return num / den;
}

// One chip: banded node voltages and outputs against the sparse solver's, for a few input vectors on one
// factorisation.
void check(const CrossbarGeometry& g, unsigned seed) {
  SCOPED_TRACE(testing::Message() << g.rows << "x" << g.cols << " rows driven " << g.input_on_rows << " wire "
                                  << g.r_wire_row << "/" << g.r_wire_col << " contacts " << g.r_in << "/" << g.r_out);
  const int kd = crossbar_band_width(g);
  ASSERT_GE(kd, 0);
  const long n = crossbar_band_unknowns(g);
  const std::vector<float> G = random_array(g.rows, g.cols, seed);
  CrossbarSolver sparse(g);
  sparse.factor(G.data());
  std::vector<double> band(static_cast<size_t>(n) * (kd + 1)), work(n), x(crossbar_unknowns(g)), out(sparse.n_sensed());
  for (int t = 0; t < 3; ++t) {
    const std::vector<double> v = random_inputs(sparse.n_driven(), seed * 7 + t);
    ASSERT_TRUE(crossbar_solve_banded(g, G.data(), v.data(), t > 0, band.data(), work.data(), x.data()));
    const std::vector<double> want = sparse.solve(v.data());
    ASSERT_EQ(x.size(), want.size());
    EXPECT_LT(max_rel(x, want), 1e-9);
    crossbar_outputs(g, G.data(), x.data(), v.data(), out.data());
    EXPECT_LT(max_rel(out, sparse.outputs(v.data())), 1e-9);
    EXPECT_LT(sparse.kcl_residual(x.data(), v.data()), 1e-12 * 1e6);  // µA: 1e-12 A
  }
}

TEST(CrossbarBanded, NodeVoltagesAndOutputsMatchTheSparseSolve) {
  unsigned seed = 1;
  for (bool rows : {true, false})
    for (double rc : {0.0, 400.0}) {
      check(CrossbarGeometry{17, 20, 0.5, 0.5, rc, rc, rows}, seed++);   // the letters' first layer
      check(CrossbarGeometry{11, 8, 0.5, 0.5, rc, 0.0, rows}, seed++);   // its second, grounded outputs
      check(CrossbarGeometry{6, 9, 2.0, 0.25, 0.0, rc, rows}, seed++);   // unequal wires
      check(CrossbarGeometry{1, 7, 1.0, 1.0, rc, rc, rows}, seed++);     // one row
      check(CrossbarGeometry{5, 1, 1.0, 1.0, rc, rc, rows}, seed++);     // one column
    }
  check(CrossbarGeometry{20, 20, 50.0, 50.0, 5000.0, 5000.0, true}, 99);  // line resistance comparable to 1/G
}

TEST(CrossbarBanded, ManyChipsEachWithItsOwnBandBuffer) {
  // The per-chip call a GPU kernel would make: one band and work buffer per chip, chips side by side.
  const CrossbarGeometry g{17, 20, 0.5, 0.5, 400.0, 400.0, true};
  const int kd = crossbar_band_width(g), chips = 16;
  const long n = crossbar_band_unknowns(g), nb = n * (kd + 1), nx = crossbar_unknowns(g);
  std::vector<float> G(static_cast<size_t>(chips) * g.rows * g.cols);
  for (int c = 0; c < chips; ++c) {
    const std::vector<float> one = random_array(g.rows, g.cols, 1000 + c);
    std::copy(one.begin(), one.end(), G.begin() + static_cast<long>(c) * g.rows * g.cols);
  }
  const std::vector<double> v = random_inputs(g.rows, 5);
  std::vector<double> band(static_cast<size_t>(chips) * nb), work(static_cast<size_t>(chips) * n), x(static_cast<size_t>(chips) * nx);
  for (int c = 0; c < chips; ++c)
    ASSERT_TRUE(crossbar_solve_banded(g, &G[static_cast<size_t>(c) * g.rows * g.cols], v.data(), false, &band[c * nb],
                                      &work[c * n], &x[c * nx]));
  for (int c = 0; c < chips; ++c) {
    CrossbarSolver s(g);
    s.factor(&G[static_cast<size_t>(c) * g.rows * g.cols]);
    const std::vector<double> want = s.solve(v.data());
    EXPECT_LT(max_rel(std::vector<double>(x.begin() + c * nx, x.begin() + (c + 1) * nx), want), 1e-9) << c;
  }
}

TEST(CrossbarBanded, BandWidthAndGeometriesWithoutABand) {
  EXPECT_EQ(crossbar_band_width(CrossbarGeometry{17, 20, 0.5, 0.5, 400, 400, true}), 40);
  EXPECT_EQ(crossbar_band_width(CrossbarGeometry{17, 20, 0.5, 0.5, 400, 400, false}), 34);
  EXPECT_EQ(crossbar_band_width(CrossbarGeometry{17, 20, 0.0, 0.5, 400, 400, true}), -1);
  EXPECT_EQ(crossbar_band_width(CrossbarGeometry{17, 20, 0.5, 0.0, 400, 400, true}), -1);
  const CrossbarGeometry none{4, 4, 0.0, 0.0, 400, 400, true};
  const std::vector<float> G(16, 50.0f);
  const std::vector<double> v(4, 0.1);
  std::vector<double> band(64), work(32), x(32);
  EXPECT_FALSE(crossbar_solve_banded(none, G.data(), v.data(), false, band.data(), work.data(), x.data()));
  // A matrix that is not positive definite is refused, not factored into NaNs.
  std::vector<double> a = {1.0, 0.0, 1.0, -2.0};  // kd = 1, rows (a00, -), (a11, a10): [[1, -2], [-2, 1]]
  EXPECT_FALSE(band_cholesky(a.data(), 2, 1));
}

}  // namespace
}  // namespace mc

#include "crossbar/circuit.hpp"

#include <cmath>
#include <stdexcept>

namespace mc {

CrossbarSolver::CrossbarSolver(const CrossbarGeometry& g) : g_(g), lines_(crossbar_lines(g)), n_(crossbar_unknowns(g)) {
  std::vector<float> ones(static_cast<size_t>(g.rows) * g.cols, 1.0f);
  assemble(ones.data());
  if (n_ > 0) ldlt_.analyzePattern(K_);
}

void CrossbarSolver::assemble(const float* G) {
  std::vector<Eigen::Triplet<double>> k, b;
  k.reserve(static_cast<size_t>(4 * g_.rows * g_.cols + 4 * n_));
  std::vector<char> used(static_cast<size_t>(n_), 0);
  for_each_crossbar_edge(g_, G, [&](long a, long c, double cond) {
    const bool ua = is_unknown(a), uc = is_unknown(c);
    if (ua) { k.emplace_back(a, a, cond); used[a] = 1; }
    if (uc) { k.emplace_back(c, c, cond); used[c] = 1; }
    if (ua && uc) {
      k.emplace_back(a, c, -cond);
      k.emplace_back(c, a, -cond);
    }
    if (ua && !uc && !is_ground(c)) b.emplace_back(a, source_of(c), cond);
    if (uc && !ua && !is_ground(a)) b.emplace_back(c, source_of(a), cond);
  });
  // Slots of nodes fixed by a zero contact resistance take no part: an identity row keeps K regular.
  for (long i = 0; i < n_; ++i)
    if (!used[i]) k.emplace_back(i, i, 1.0);
  K_.resize(n_, n_);
  K_.setFromTriplets(k.begin(), k.end());
  B_.resize(n_, lines_.n_driven);
  B_.setFromTriplets(b.begin(), b.end());
}

void CrossbarSolver::factor(const float* G) {
  G_ = G;
  if (n_ == 0) return;
  assemble(G);
  ldlt_.factorize(K_);
  if (ldlt_.info() != Eigen::Success) throw std::runtime_error("crossbar: the nodal matrix is not positive definite");
}

std::vector<double> CrossbarSolver::solve(const double* v_in) const {
  if (n_ == 0) return {};
  const Eigen::Map<const Eigen::VectorXd> v(v_in, lines_.n_driven);
  const Eigen::VectorXd rhs = B_ * v;
  const Eigen::VectorXd x = ldlt_.solve(rhs);
  return std::vector<double>(x.data(), x.data() + n_);
}

std::vector<double> CrossbarSolver::outputs(const double* v_in) const {
  const std::vector<double> x = solve(v_in);
  std::vector<double> out(static_cast<size_t>(lines_.n_sensed));
  crossbar_outputs(g_, G_, x.data(), v_in, out.data());
  return out;
}

std::vector<double> CrossbarSolver::transfer() const {
  const int nd = lines_.n_driven, ns = lines_.n_sensed;
  std::vector<double> T(static_cast<size_t>(ns) * nd, 0.0);
  Eigen::MatrixXd X;
  if (n_ > 0) X = ldlt_.solve(Eigen::MatrixXd(B_));  // n_ × n_driven: node voltages per unit input
  // Only edges into a virtual ground carry output current.
  for_each_crossbar_edge(g_, G_, [&](long a, long c, double cond) {
    long other;
    int s;
    if (is_ground(c)) { other = a; s = ground_of(c); }
    else if (is_ground(a)) { other = c; s = ground_of(a); }
    else return;
    double* row = &T[static_cast<size_t>(s) * nd];
    if (is_unknown(other)) {
      for (int d = 0; d < nd; ++d) row[d] += cond * X(other, d);
    } else if (!is_ground(other)) {
      row[source_of(other)] += cond;
    }
  });
  return T;
}

double CrossbarSolver::kcl_residual(const double* x, const double* v_in) const {
  std::vector<double> sum(static_cast<size_t>(n_), 0.0);
  for_each_crossbar_edge(g_, G_, [&](long a, long c, double cond) {
    const double va = crossbar_node_voltage(a, x, v_in), vc = crossbar_node_voltage(c, x, v_in);
    if (is_unknown(a)) sum[a] += cond * (vc - va);
    if (is_unknown(c)) sum[c] += cond * (va - vc);
  });
  double worst = 0.0;
  for (double s : sum) worst = std::max(worst, std::fabs(s));
  return worst;
}

std::vector<double> crossbar_transfer(CrossbarSolver& solver, const float* G) {
  solver.factor(G);
  return solver.transfer();
}

}  // namespace mc

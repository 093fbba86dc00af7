#include "fit/optimize.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace mc::fit {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

double finite_or_inf(const Objective& f, const Eigen::VectorXd& x) {
  const double v = f(x);
  return std::isfinite(v) ? v : kInf;
}

/// Gradient and Hessian by central differences, sharing the evaluations.
void derivatives(const Objective& f, const Eigen::VectorXd& x, double fx, double h, Eigen::VectorXd& g, Eigen::MatrixXd& H) {
  const Eigen::Index n = x.size();
  g.resize(n);
  H.resize(n, n);
  Eigen::VectorXd fp(n), fm(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    Eigen::VectorXd y = x;
    y[i] = x[i] + h;
    fp[i] = finite_or_inf(f, y);
    y[i] = x[i] - h;
    fm[i] = finite_or_inf(f, y);
    g[i] = (fp[i] - fm[i]) / (2 * h);
    H(i, i) = (fp[i] - 2 * fx + fm[i]) / (h * h);
  }
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = i + 1; j < n; ++j) {
      Eigen::VectorXd y = x;
      y[i] += h, y[j] += h;
      const double pp = finite_or_inf(f, y);
      y[j] = x[j] - h;
      const double pm = finite_or_inf(f, y);
      y[i] = x[i] - h;
      const double mm = finite_or_inf(f, y);
      y[j] = x[j] + h;
      const double mp = finite_or_inf(f, y);
      H(i, j) = H(j, i) = (pp - pm - mp + mm) / (4 * h * h);
    }
}

}  // namespace

Eigen::MatrixXd hessian(const Objective& f, const Eigen::VectorXd& x, double h) {
  Eigen::VectorXd g;
  Eigen::MatrixXd H;
  derivatives(f, x, finite_or_inf(f, x), h, g, H);
  return H;
}

Optimum minimize(const Objective& f, Eigen::VectorXd x0) {
  constexpr double h = 1e-4;
  Optimum o;
  o.x = std::move(x0);
  o.f = finite_or_inf(f, o.x);
  if (!std::isfinite(o.f)) throw std::runtime_error("fit: the likelihood is not finite at the starting values");
  const Eigen::Index n = o.x.size();
  Eigen::VectorXd g;
  Eigen::MatrixXd H;
  for (o.iterations = 0; o.iterations < 300; ++o.iterations) {
    derivatives(f, o.x, o.f, h, g, H);
    if (!g.allFinite() || !H.allFinite()) break;
    // Damped Newton: add lambda*I until the matrix is positive definite (Levenberg), then backtrack.
    const double scale = std::max(1.0, H.diagonal().cwiseAbs().maxCoeff());
    double lambda = 0;
    Eigen::VectorXd d;
    bool stepped = false;
    for (int attempt = 0; attempt < 40 && !stepped; ++attempt) {
      const Eigen::MatrixXd A = H + lambda * scale * Eigen::MatrixXd::Identity(n, n);
      Eigen::LLT<Eigen::MatrixXd> llt(A);
      if (llt.info() == Eigen::Success) {
        d = -llt.solve(g);
        const double decrement = -g.dot(d);
        if (lambda == 0 && decrement < 1e-9) {
          o.converged = true;
          break;
        }
        for (double t = 1; t > 1e-12; t *= 0.5) {
          const Eigen::VectorXd y = o.x + t * d;
          const double fy = finite_or_inf(f, y);
          if (fy <= o.f - 1e-4 * t * decrement) {
            const double gain = o.f - fy;
            o.x = y, o.f = fy, stepped = true;
            if (gain < 1e-11 * (1 + std::fabs(o.f)) && t * d.cwiseAbs().maxCoeff() < 1e-9) o.converged = true;
            break;
          }
        }
      }
      lambda = lambda == 0 ? 1e-6 : lambda * 10;
    }
    if (o.converged || !stepped) {
      // No decrease possible: at a minimum when the gradient is at the level of finite-difference noise.
      if (!stepped && !o.converged) o.converged = g.cwiseAbs().maxCoeff() < 1e-3 * (1 + std::sqrt(std::fabs(o.f))) * 1e-2;
      break;
    }
  }
  derivatives(f, o.x, o.f, h, g, H);
  o.cov = Eigen::MatrixXd::Constant(n, n, std::numeric_limits<double>::quiet_NaN());
  Eigen::LLT<Eigen::MatrixXd> llt(H);
  if (H.allFinite() && llt.info() == Eigen::Success) o.cov = llt.solve(Eigen::MatrixXd::Identity(n, n));
  return o;
}

}  // namespace mc::fit

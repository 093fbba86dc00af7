// Maximum likelihood for `memcarlo fit`: a damped Newton minimizer of a negative log-likelihood with finite-
// difference derivatives (the fits have 1 to 17 parameters and cheap likelihoods), and the covariance of the
// estimate from the observed information (the inverse Hessian at the minimum).
#pragma once
#include <Eigen/Dense>
#include <functional>

namespace mc::fit {

struct Optimum {
  Eigen::VectorXd x;
  double f = 0;             ///< the minimum (negative log-likelihood)
  Eigen::MatrixXd cov;      ///< inverse Hessian at x (NaN entries when the Hessian is not positive definite)
  bool converged = false;
  int iterations = 0;
};

using Objective = std::function<double(const Eigen::VectorXd&)>;

/// Minimize f from x0. Parameters should be of order 1 (logs of scales, exponents): the finite-difference step
/// is 1e-4 in every coordinate. Non-finite values of f count as +infinity.
Optimum minimize(const Objective& f, Eigen::VectorXd x0);

/// Central-difference Hessian of f at x (step h).
Eigen::MatrixXd hessian(const Objective& f, const Eigen::VectorXd& x, double h = 1e-4);

}  // namespace mc::fit

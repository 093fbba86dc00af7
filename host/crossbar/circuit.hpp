// Exact nodal analysis of a passive crossbar with wire and contact resistance (kernels/circuit/crossbar.hpp),
// on the CPU with Eigen's sparse Cholesky (SimplicialLDLT, AMD ordering).
//
// The nodal matrix K (2mn unknowns at most, symmetric positive definite: an M-matrix) depends on the
// conductances and resistances only, never on the inputs (notes/neural-workloads.md B5, fact 33). So a chip is
// factored once, and because the circuit is linear the output currents are i_out = T·v_in with the transfer
// matrix T = S·K⁻¹·B (n_sensed × n_driven, µS): n_driven solves give T exactly, and every input pattern after
// that is one small matrix-vector product. Compared with the successive under-relaxation of CrossSim (γ = 0.9,
// ≤ 100 iterations, tolerance 2e-4, and "could not converge" at high line resistance) a direct factorisation
// has no convergence condition and is exact to rounding at any resistance.
#pragma once
#include <Eigen/Sparse>
#include <Eigen/SparseCholesky>
#include <vector>

#include "circuit/crossbar.hpp"

namespace mc {

class CrossbarSolver {
 public:
  /// Fix the geometry and analyse the sparsity pattern (shared by every chip of that geometry).
  explicit CrossbarSolver(const CrossbarGeometry& g);

  /// Assemble and factor the nodal matrix of one array; G row-major rows×cols, µS, ≥ 0.
  void factor(const float* G);

  /// Node voltages (V) of every unknown for driven voltages v_in (n_driven, V).
  std::vector<double> solve(const double* v_in) const;
  /// Output currents (µA) of every sensed line for driven voltages v_in.
  std::vector<double> outputs(const double* v_in) const;
  /// Transfer matrix T (row-major n_sensed × n_driven, µS): i_out = T·v_in, exact by superposition.
  std::vector<double> transfer() const;
  /// Largest |Σ currents| (µA) into any unknown node for the solution x: Kirchhoff's current law, per element.
  double kcl_residual(const double* x, const double* v_in) const;

  const CrossbarGeometry& geometry() const { return g_; }
  long unknowns() const { return n_; }
  int n_driven() const { return lines_.n_driven; }
  int n_sensed() const { return lines_.n_sensed; }

 private:
  void assemble(const float* G);

  CrossbarGeometry g_;
  CrossbarLines lines_;
  long n_ = 0;
  const float* G_ = nullptr;                 // the factored array (caller keeps it alive until the next factor)
  Eigen::SparseMatrix<double> K_;            // nodal matrix, µS
  Eigen::SparseMatrix<double> B_;            // driven voltages → right-hand side (µA per V)
  Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt_;
};

/// A whole array's transfer matrix: the ideal Kirchhoff one when every resistance is 0, else the nodal solve.
/// Same layout as CrossbarSolver::transfer.
std::vector<double> crossbar_transfer(CrossbarSolver& solver, const float* G);

}  // namespace mc

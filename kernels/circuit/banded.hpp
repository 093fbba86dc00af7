// A banded Cholesky solve of one crossbar's nodal system (kernels/circuit/crossbar.hpp), written once for every
// backend so that a GPU can run it per Monte Carlo chip (notes/neural-workloads.md B5, fact 33): no allocation,
// the caller gives the band storage and the work vectors.
//
// Ordering. With wire resistance on both sets of lines every cell has two nodes, one on its driven line and one
// on its sensed line. Numbered cell by cell, driven-line-major (cell (d, s) → 2·(d·n_sensed + s), its sensed node
// one after), a device joins neighbours 1 apart, a driven-line segment nodes 2 apart and a sensed-line segment
// nodes 2·n_sensed apart: the matrix (symmetric positive definite, an M-matrix) has half-bandwidth
// kd = 2·n_sensed, and its Cholesky factor keeps the band. n = 2·rows·cols unknowns; storage n·(kd + 1) doubles
// (a 20×20 array: 800 × 41 × 8 B = 262 KB in double), n·kd² ≈ 1.3 Mflop per factorisation. Without wire
// resistance on a line, that line is one node joined to every cell and there is no band: crossbar_band_width
// says so (−1) and the caller uses the sparse solver (host/crossbar/circuit.hpp).
//
// Units as in crossbar.hpp: µS, V, µA.
#pragma once
#include <math.h>

#include "circuit/crossbar.hpp"

namespace mc {

/// Half-bandwidth kd of the cell ordering, or −1 when a line has no wire resistance (no band).
MC_HD int crossbar_band_width(const CrossbarGeometry& g) {
  const CrossbarLines l = crossbar_lines(g);
  if (!(l.r_wire_driven > 0.0 && l.r_wire_sensed > 0.0)) return -1;
  return l.n_sensed > 1 ? 2 * l.n_sensed : 2;
}

/// Unknowns of the banded system: two per cell (fixed slots included, as in crossbar_unknowns).
MC_HD long crossbar_band_unknowns(const CrossbarGeometry& g) { return 2L * g.rows * g.cols; }

/// Banded index of an unknown node code of crossbar.hpp (needs crossbar_band_width ≥ 0).
MC_HD long crossbar_band_index(const CrossbarLines& l, long code) {
  if (code < l.driven_nodes) {
    const long d = code / l.n_sensed, s = code % l.n_sensed;
    return 2 * (d * l.n_sensed + s);
  }
  const long c = code - l.driven_nodes;
  const long s = c / l.n_driven, d = c % l.n_driven;
  return 2 * (d * l.n_sensed + s) + 1;
}

/// Entry (i, j), i ≥ j ≥ i − kd, of a symmetric band matrix stored by rows of its lower triangle.
MC_HD double& band_at(double* band, int kd, long i, long j) { return band[i * (kd + 1) + (i - j)]; }
MC_HD double band_at(const double* band, int kd, long i, long j) { return band[i * (kd + 1) + (i - j)]; }

/// Assemble the nodal matrix of array G (row-major rows×cols, µS) into band (n·(kd + 1) doubles, overwritten).
/// Slots of nodes fixed by a zero contact resistance get an identity row, as in the sparse solver.
MC_HD void crossbar_band_assemble(const CrossbarGeometry& g, const float* G, int kd, double* band) {
  const CrossbarLines l = crossbar_lines(g);
  const long n = crossbar_band_unknowns(g);
  for (long k = 0; k < n * (kd + 1); ++k) band[k] = 0.0;
  for_each_crossbar_edge(g, G, [&](long a, long b, double c) {
    const bool ua = is_unknown(a), ub = is_unknown(b);
    const long ia = ua ? crossbar_band_index(l, a) : -1, ib = ub ? crossbar_band_index(l, b) : -1;
    if (ua) band_at(band, kd, ia, ia) += c;
    if (ub) band_at(band, kd, ib, ib) += c;
    if (ua && ub) band_at(band, kd, ia > ib ? ia : ib, ia > ib ? ib : ia) -= c;
  });
  for (long i = 0; i < n; ++i)
    if (band_at(band, kd, i, i) == 0.0) band_at(band, kd, i, i) = 1.0;
}

/// Right-hand side (µA, banded order) for driven voltages v_in (V): the currents the sources push through the
/// elements that join them to unknown nodes.
MC_HD void crossbar_band_rhs(const CrossbarGeometry& g, const float* G, const double* v_in, double* rhs) {
  const CrossbarLines l = crossbar_lines(g);
  const long n = crossbar_band_unknowns(g);
  for (long i = 0; i < n; ++i) rhs[i] = 0.0;
  for_each_crossbar_edge(g, G, [&](long a, long b, double c) {
    if (is_unknown(a) && !is_unknown(b) && !is_ground(b)) rhs[crossbar_band_index(l, a)] += c * v_in[source_of(b)];
    if (is_unknown(b) && !is_unknown(a) && !is_ground(a)) rhs[crossbar_band_index(l, b)] += c * v_in[source_of(a)];
  });
}

/// In-place Cholesky factorisation A = L·Lᵀ of a symmetric positive definite band matrix (lower band by rows,
/// half-bandwidth kd); false if a pivot is not positive (A not positive definite).
MC_HD bool band_cholesky(double* band, long n, int kd) {
  for (long i = 0; i < n; ++i) {
    const long j0 = i - kd > 0 ? i - kd : 0;
    for (long j = j0; j <= i; ++j) {
      double s = band_at(band, kd, i, j);
      const long k0 = j - kd > j0 ? j - kd : j0;  // columns where both row i and row j have entries
      for (long k = k0; k < j; ++k) s -= band_at(band, kd, i, k) * band_at(band, kd, j, k);
      if (j == i) {
        if (!(s > 0.0)) return false;
        band_at(band, kd, i, i) = sqrt(s);
      } else {
        band_at(band, kd, i, j) = s / band_at(band, kd, j, j);
      }
    }
  }
  return true;
}

/// Solve L·Lᵀ·x = b in place (x holds b on entry) with the factor of band_cholesky.
MC_HD void band_solve(const double* L, long n, int kd, double* x) {
  for (long i = 0; i < n; ++i) {
    double s = x[i];
    for (long j = (i - kd > 0 ? i - kd : 0); j < i; ++j) s -= band_at(L, kd, i, j) * x[j];
    x[i] = s / band_at(L, kd, i, i);
  }
  for (long i = n - 1; i >= 0; --i) {
    double s = x[i];
    for (long k = i + 1; k <= i + kd && k < n; ++k) s -= band_at(L, kd, k, i) * x[k];
    x[i] = s / band_at(L, kd, i, i);
  }
}

/// Node voltages (V) of one array in the node-code numbering of crossbar.hpp (x: crossbar_unknowns entries, as
/// CrossbarSolver::solve returns them; fixed slots 0), for driven voltages v_in. band: n·(kd + 1) doubles, work: n
/// doubles, with n = crossbar_band_unknowns. factored: the band already holds this array's factor (many inputs,
/// one factorisation). False when the geometry has no band or the matrix is not positive definite.
MC_HD bool crossbar_solve_banded(const CrossbarGeometry& g, const float* G, const double* v_in, bool factored,
                                 double* band, double* work, double* x) {
  const int kd = crossbar_band_width(g);
  if (kd < 0) return false;
  const long n = crossbar_band_unknowns(g);
  if (!factored) {
    crossbar_band_assemble(g, G, kd, band);
    if (!band_cholesky(band, n, kd)) return false;
  }
  crossbar_band_rhs(g, G, v_in, work);
  band_solve(band, n, kd, work);
  const CrossbarLines l = crossbar_lines(g);
  const long unknowns = crossbar_unknowns(g);
  for (long code = 0; code < unknowns; ++code) x[code] = work[crossbar_band_index(l, code)];
  return true;
}

}  // namespace mc

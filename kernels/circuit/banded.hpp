// The nodal solve of one passive crossbar as a banded Cholesky factorisation, written once for every backend
// (kernels/circuit/crossbar.hpp has the circuit; host/crossbar/circuit.hpp the CPU's sparse Eigen solve).
//
// Why banded. With wire resistance on both line sets every cell has two nodes, the driven line's and the sensed
// line's. Numbered crossing by crossing along the shorter line set — node pairs (driven, sensed) of crossing
// (d, s) at 2·(d·n_s + s) and 2·(d·n_s + s) + 1 when n_s ≤ n_d — a device couples neighbours (distance 1), a
// driven-wire segment two crossings of one line (distance 2) and a sensed-wire segment crossings n_s apart
// (distance 2·n_s). The nodal matrix K (symmetric positive definite, an M-matrix) is then banded with half-width
// 2·min(n_d, n_s): 40 for a 20×20 array, whose 800 unknowns factor in n·w² ≈ 1.3 Mflop and 260 kB, against
// n³/3 ≈ 170 Mflop and 5 MB dense. Without wire resistance a line is one node; the system is then small
// (n_d + n_s unknowns) and stored dense (half-width n − 1). One-sided wire resistance couples every node of the
// other set and gives no narrow band; those geometries stay with the sparse solver.
//
// Storage. LAPACK's lower band layout: K(r, c), r ≥ c, at (c·(w + 1) + r − c)·stride, column after column, so
// that a batch of chips can interleave (stride = chips: thread c reads element e of its chip at e·chips + c, and
// neighbouring threads of a warp read neighbouring words). Nothing here allocates; the caller gives the band
// (n·(w + 1) entries) and the node voltages (n·n_driven entries).
#pragma once
#include <cmath>

#include "circuit/crossbar.hpp"
#include "common/mc_hd.hpp"

namespace mc {

/// How the unknowns of a geometry are ordered in the band, and its half-width.
struct CrossbarBand {
  bool usable;    ///< false: one-sided wire resistance (no narrow band); use the sparse solver
  int order;      ///< 0: slot order (no wire resistance: dense); 1: crossing by crossing, sensed index fastest; 2: driven index fastest
  long n;         ///< unknowns (node slots)
  long width;     ///< half-bandwidth w
  MC_HD long entries() const { return n * (width + 1); }
};

MC_HD CrossbarBand crossbar_band(const CrossbarGeometry& g) {
  const CrossbarLines l = crossbar_lines(g);
  CrossbarBand b;
  b.n = crossbar_unknowns(g);
  const bool wd = l.r_wire_driven > 0.0, ws = l.r_wire_sensed > 0.0;
  b.usable = wd == ws;
  if (wd && ws) {
    b.order = l.n_sensed <= l.n_driven ? 1 : 2;
    b.width = 2L * (l.n_sensed <= l.n_driven ? l.n_sensed : l.n_driven);
  } else {
    b.order = 0;
    b.width = b.n > 0 ? b.n - 1 : 0;
  }
  if (b.width > b.n - 1) b.width = b.n > 0 ? b.n - 1 : 0;
  return b;
}

/// Band position of an unknown node code (crossbar.hpp's numbering).
MC_HD long crossbar_band_pos(const CrossbarGeometry& g, const CrossbarBand& b, long code) {
  if (b.order == 0) return code;
  const CrossbarLines l = crossbar_lines(g);
  long d, s, side;
  if (code < l.driven_nodes) {  // driven line d at position s
    d = code / l.n_sensed, s = code % l.n_sensed, side = 0;
  } else {  // sensed line s at position d
    const long k = code - l.driven_nodes;
    s = k / l.n_driven, d = k % l.n_driven, side = 1;
  }
  const long crossing = b.order == 1 ? d * l.n_sensed + s : s * l.n_driven + d;
  return 2 * crossing + side;
}

/// Element (r, c), r ≥ c, of a lower band of half-width w at stride `stride`.
MC_HD double& band_at(double* a, long w, long stride, long r, long c) { return a[(c * (w + 1) + (r - c)) * stride]; }
MC_HD double band_get(const double* a, long w, long stride, long r, long c) { return a[(c * (w + 1) + (r - c)) * stride]; }

/// Assemble the nodal matrix K (µS) of array G into the band a (every entry written).
MC_HD void crossbar_band_assemble(const CrossbarGeometry& g, const CrossbarBand& b, const float* G, double* a, long stride) {
  const long w = b.width;
  for (long e = 0; e < b.entries(); ++e) a[e * stride] = 0.0;
  for_each_crossbar_edge(g, G, [&](long p, long q, double cond) {
    const bool up = is_unknown(p), uq = is_unknown(q);
    const long i = up ? crossbar_band_pos(g, b, p) : -1, j = uq ? crossbar_band_pos(g, b, q) : -1;
    if (up) band_at(a, w, stride, i, i) += cond;
    if (uq) band_at(a, w, stride, j, j) += cond;
    if (up && uq) band_at(a, w, stride, i > j ? i : j, i > j ? j : i) -= cond;
  });
  // Slots of nodes fixed by a zero contact resistance take no part: a unit diagonal keeps K regular.
  for (long i = 0; i < b.n; ++i)
    if (band_at(a, w, stride, i, i) == 0.0) band_at(a, w, stride, i, i) = 1.0;
}

/// In-place Cholesky K = L·Lᵀ of a lower band (right-looking, column by column). Returns false, leaving the band
/// partly factored, when a pivot is not positive (K not positive definite).
MC_HD bool band_cholesky(double* a, long n, long w, long stride) {
  for (long j = 0; j < n; ++j) {
    const double d = band_at(a, w, stride, j, j);
    if (!(d > 0.0)) return false;
    const double l = sqrt(d), inv = 1.0 / l;
    band_at(a, w, stride, j, j) = l;
    const long m = w < n - 1 - j ? w : n - 1 - j;
    for (long i = 1; i <= m; ++i) band_at(a, w, stride, j + i, j) *= inv;
    for (long k = 1; k <= m; ++k) {
      const double lkj = band_at(a, w, stride, j + k, j);
      if (lkj == 0.0) continue;
      for (long i = k; i <= m; ++i) band_at(a, w, stride, j + i, j + k) -= band_at(a, w, stride, j + i, j) * lkj;
    }
  }
  return true;
}

/// Solve L·Lᵀ·X = X in place with the factored band for r right-hand sides at once: X(i, k) at (i·r + k)·xstride,
/// so that each band entry, loaded once, serves every right-hand side (the inner loop runs over them).
MC_HD void band_solve(const double* a, long n, long w, long stride, double* X, int r, long xstride) {
  for (long j = 0; j < n; ++j) {  // L·Y = B
    const double inv = 1.0 / band_get(a, w, stride, j, j);
    double* xj = X + j * r * xstride;
    for (int k = 0; k < r; ++k) xj[k * xstride] *= inv;
    const long m = w < n - 1 - j ? w : n - 1 - j;
    for (long i = 1; i <= m; ++i) {
      const double lij = band_get(a, w, stride, j + i, j);
      double* xi = X + (j + i) * r * xstride;
      for (int k = 0; k < r; ++k) xi[k * xstride] -= lij * xj[k * xstride];
    }
  }
  for (long j = n - 1; j >= 0; --j) {  // Lᵀ·X = Y
    const long m = w < n - 1 - j ? w : n - 1 - j;
    double* xj = X + j * r * xstride;
    for (long i = 1; i <= m; ++i) {
      const double lij = band_get(a, w, stride, j + i, j);
      const double* xi = X + (j + i) * r * xstride;
      for (int k = 0; k < r; ++k) xj[k * xstride] -= lij * xi[k * xstride];
    }
    const double inv = 1.0 / band_get(a, w, stride, j, j);
    for (int k = 0; k < r; ++k) xj[k * xstride] *= inv;
  }
}

/// The transfer matrix T (µS, n_sensed × n_driven row-major, i_out = T·v_in) of one array from its factored band:
/// the node voltages X (n × n_driven, X(i, d) at (i·n_driven + d)·xstride) for a unit voltage on each driver, all
/// solved at once, then the currents into every virtual ground. T is written whole.
MC_HD void crossbar_band_transfer(const CrossbarGeometry& g, const CrossbarBand& b, const float* G, const double* a, long stride,
                                  double* X, long xstride, double* T) {
  const CrossbarLines l = crossbar_lines(g);
  const int nd = l.n_driven, ns = l.n_sensed;
  for (long k = 0; k < static_cast<long>(nd) * ns; ++k) T[k] = 0.0;
  for (long k = 0; k < b.n * nd; ++k) X[k * xstride] = 0.0;
  // Right-hand sides: a unit voltage on driver d feeds every unknown it touches through that element's conductance.
  for_each_crossbar_edge(g, G, [&](long p, long q, double cond) {
    if (is_unknown(p) == is_unknown(q) || is_ground(p) || is_ground(q)) return;
    const long u = is_unknown(p) ? p : q, src = is_unknown(p) ? q : p;
    X[(crossbar_band_pos(g, b, u) * nd + source_of(src)) * xstride] += cond;
  });
  band_solve(a, b.n, b.width, stride, X, nd, xstride);
  // Output currents: every element into a virtual ground, from an unknown node or straight from a driver.
  for_each_crossbar_edge(g, G, [&](long p, long q, double cond) {
    long other;
    int s;
    if (is_ground(q)) other = p, s = ground_of(q);
    else if (is_ground(p)) other = q, s = ground_of(p);
    else return;
    double* row = T + static_cast<long>(s) * nd;
    if (is_unknown(other)) {
      const double* x = X + crossbar_band_pos(g, b, other) * nd * xstride;
      for (int d = 0; d < nd; ++d) row[d] += cond * x[d * xstride];
    } else if (!is_ground(other)) {
      row[source_of(other)] += cond;
    }
  });
}

}  // namespace mc

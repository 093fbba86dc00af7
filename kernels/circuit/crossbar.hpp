// A passive crossbar as a linear circuit (docs/physics.md §5; notes/neural-workloads.md B5), written once for every
// backend. Units in this header: conductance µS, resistance Ω, voltage V, current µA (µS·V = µA).
//
// Geometry. Device (i, j) of an m×n array joins row line i and column line j. One set of lines is driven (the
// inputs), the other is sensed: its far end is held at virtual ground by the first op-amp of the neuron
// [Merrikh-Bayat 2018, Fig. 2], and the current it sinks is the output. Each line is a chain of wire segments
// (one per cell) with a terminal (contact) resistance at its end: the driver's end for a driven line, the op-amp's
// end for a sensed line. The paper's ≈ 800 Ω pad-to-pad is mostly that contact [Merrikh-Bayat 2018].
//
// Driven line d has its driver at cell position 0; sensed line s has its op-amp at its last cell position. With
// inputs on the rows: row i is driven at (i, 0) and column j is sensed at (m−1, j). With inputs on the columns:
// column j is driven at (0, j) and row i sensed at (i, n−1). So the transpose of an array driven on its columns
// is the same circuit as the array driven on its rows (a test checks it; CrossSim's issue #18 was a row/column
// swap of this kind).
//
// Nodes. A line with wire resistance has one node per cell; a line without it is one node. A node is an unknown
// (code ≥ 0) unless a zero contact resistance ties it to its driver (code kSourceCode − d) or to its op-amp's
// virtual ground (code kGroundCode − s). Every element is enumerated once as an edge (a, b, g) between two node
// codes, so the matrix assembly, the output currents and the KCL residual all read the same list.
#pragma once
#include "common/mc_hd.hpp"

namespace mc {

struct CrossbarGeometry {
  int rows, cols;          ///< array size
  double r_wire_row;       ///< Ω per cell segment along a row line, ≥ 0
  double r_wire_col;       ///< Ω per cell segment along a column line, ≥ 0
  double r_in;             ///< Ω, contact (terminal) resistance at each driven line's driver end, ≥ 0
  double r_out;            ///< Ω, contact resistance at each sensed line's virtual-ground end, ≥ 0
  bool input_on_rows;      ///< true: rows driven, columns sensed; false: the reverse
};

/// Node codes below this are fixed nodes: kSourceCode − d is driver d, kGroundCode − s is sensed line s's ground.
constexpr long kSourceCode = -1;
constexpr long kGroundCode = -(1L << 40);

/// Lines, their lengths and wire resistances as seen from the driven/sensed roles.
struct CrossbarLines {
  int n_driven, n_sensed;  ///< n_driven inputs, n_sensed outputs
  double r_wire_driven, r_wire_sensed;
  long driven_nodes;       ///< unknown-or-fixed node slots of the driven lines
};

MC_HD CrossbarLines crossbar_lines(const CrossbarGeometry& g) {
  CrossbarLines l;
  l.n_driven = g.input_on_rows ? g.rows : g.cols;
  l.n_sensed = g.input_on_rows ? g.cols : g.rows;
  l.r_wire_driven = g.input_on_rows ? g.r_wire_row : g.r_wire_col;
  l.r_wire_sensed = g.input_on_rows ? g.r_wire_col : g.r_wire_row;
  l.driven_nodes = l.r_wire_driven > 0.0 ? static_cast<long>(l.n_driven) * l.n_sensed : l.n_driven;
  return l;
}

/// Unknowns of the nodal system (node slots; fixed slots are never referenced but keep the numbering simple).
MC_HD long crossbar_unknowns(const CrossbarGeometry& g) {
  const CrossbarLines l = crossbar_lines(g);
  const long sensed_nodes = l.r_wire_sensed > 0.0 ? static_cast<long>(l.n_driven) * l.n_sensed : l.n_sensed;
  return l.driven_nodes + sensed_nodes;
}

/// Node code of driven line d at position p (p = the sensed line it crosses).
MC_HD long driven_node(const CrossbarGeometry& g, const CrossbarLines& l, int d, int p) {
  if (l.r_wire_driven > 0.0) {
    if (p == 0 && g.r_in == 0.0) return kSourceCode - d;
    return static_cast<long>(d) * l.n_sensed + p;
  }
  return g.r_in == 0.0 ? kSourceCode - d : d;
}

/// Node code of sensed line s at position p (p = the driven line it crosses).
MC_HD long sensed_node(const CrossbarGeometry& g, const CrossbarLines& l, int s, int p) {
  if (l.r_wire_sensed > 0.0) {
    if (p == l.n_driven - 1 && g.r_out == 0.0) return kGroundCode - s;
    return l.driven_nodes + static_cast<long>(s) * l.n_driven + p;
  }
  return g.r_out == 0.0 ? kGroundCode - s : l.driven_nodes + s;
}

/// Conductance (µS) of the device where driven line d crosses sensed line s; G is row-major rows×cols.
MC_HD double crossbar_g(const CrossbarGeometry& g, const float* G, int d, int s) {
  return g.input_on_rows ? G[static_cast<long>(d) * g.cols + s] : G[static_cast<long>(s) * g.cols + d];
}

/// Call f(a, b, conductance µS) once for every element of the circuit: devices, wire segments, contacts.
/// Every device is an edge, even at 0 µS, so the sparsity pattern depends on the geometry only.
template <class F>
MC_HD void for_each_crossbar_edge(const CrossbarGeometry& g, const float* G, F&& f) {
  const CrossbarLines l = crossbar_lines(g);
  for (int d = 0; d < l.n_driven; ++d)
    for (int s = 0; s < l.n_sensed; ++s) {
      f(driven_node(g, l, d, s), sensed_node(g, l, s, d), crossbar_g(g, G, d, s));
    }
  if (l.r_wire_driven > 0.0) {
    const double gw = 1e6 / l.r_wire_driven;
    for (int d = 0; d < l.n_driven; ++d)
      for (int p = 0; p + 1 < l.n_sensed; ++p) f(driven_node(g, l, d, p), driven_node(g, l, d, p + 1), gw);
  }
  if (l.r_wire_sensed > 0.0) {
    const double gw = 1e6 / l.r_wire_sensed;
    for (int s = 0; s < l.n_sensed; ++s)
      for (int p = 0; p + 1 < l.n_driven; ++p) f(sensed_node(g, l, s, p), sensed_node(g, l, s, p + 1), gw);
  }
  if (g.r_in > 0.0)
    for (int d = 0; d < l.n_driven; ++d) f(kSourceCode - d, driven_node(g, l, d, 0), 1e6 / g.r_in);
  if (g.r_out > 0.0)
    for (int s = 0; s < l.n_sensed; ++s) f(sensed_node(g, l, s, l.n_driven - 1), kGroundCode - s, 1e6 / g.r_out);
}

MC_HD bool is_unknown(long code) { return code >= 0; }
MC_HD bool is_ground(long code) { return code <= kGroundCode; }
MC_HD int source_of(long code) { return static_cast<int>(kSourceCode - code); }
MC_HD int ground_of(long code) { return static_cast<int>(kGroundCode - code); }

/// Voltage (V) of a node code, given the unknowns x and the driven voltages v_in.
MC_HD double crossbar_node_voltage(long code, const double* x, const double* v_in) {
  if (is_unknown(code)) return x[code];
  if (is_ground(code)) return 0.0;
  return v_in[source_of(code)];
}

/// Output currents (µA, into each sensed line's virtual ground) from the solved node voltages x.
MC_HD void crossbar_outputs(const CrossbarGeometry& g, const float* G, const double* x, const double* v_in,
                            double* i_out) {
  const CrossbarLines l = crossbar_lines(g);
  for (int s = 0; s < l.n_sensed; ++s) i_out[s] = 0.0;
  for_each_crossbar_edge(g, G, [&](long a, long b, double c) {
    if (is_ground(b)) i_out[ground_of(b)] += c * crossbar_node_voltage(a, x, v_in);
    if (is_ground(a)) i_out[ground_of(a)] += c * crossbar_node_voltage(b, x, v_in);
  });
}

/// Ideal Kirchhoff MVM (no line resistance): i_out[s] = Σ_d G(d, s)·v_in[d], µA.
MC_HD void crossbar_ideal(const CrossbarGeometry& g, const float* G, const double* v_in, double* i_out) {
  const CrossbarLines l = crossbar_lines(g);
  for (int s = 0; s < l.n_sensed; ++s) {
    double acc = 0.0;
    for (int d = 0; d < l.n_driven; ++d) acc += crossbar_g(g, G, d, s) * v_in[d];
    i_out[s] = acc;
  }
}

}  // namespace mc

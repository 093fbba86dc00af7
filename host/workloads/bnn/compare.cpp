// Compare rules of the bnn workload (tests and thresholds: host/compare/compare.hpp).
#include <cmath>

#include "compare/rules.hpp"
#include "workloads/bnn/bnn.hpp"

namespace mc {

namespace {

struct Chips {
  double n = 0, mean = 0, sd = 0, flips = 0, bits = 0;
};

Chips read_chips(const std::string& dir) {
  const CsvFile c = read_csv(dir + "/chips.csv");
  const std::size_t ca = c.require_column("accuracy"), cf = c.require_column("flips"), cb = c.require_column("bits");
  Chips s;
  std::vector<double> v;
  for (std::size_t r = 0; r < c.rows.size(); ++r) {
    v.push_back(c.number(r, ca));
    s.flips += c.number(r, cf);
    s.bits += c.number(r, cb);
  }
  s.n = static_cast<double>(v.size());
  for (double x : v) s.mean += x;
  s.mean = s.n > 0 ? s.mean / s.n : 0.0;
  for (double x : v) s.sd += (x - s.mean) * (x - s.mean);
  s.sd = s.n > 1 ? std::sqrt(s.sd / (s.n - 1)) : 0.0;
  return s;
}

}  // namespace

void compare_bnn(const Manifest& ma, const Manifest& mb, std::vector<CompareRow>& rows) {
  const CsvFile ra = read_csv(ma.dir + "/results.csv"), rb = read_csv(mb.dir + "/results.csv");
  if (ra.rows.size() != 1 || rb.rows.size() != 1) compare_fail("compare the folders of one bnn point (results.csv with one row)");
  for (const char* col : {"layers", "inputs", "errors", "timing", "cell"})
    if (ra.rows[0][ra.require_column(col)] != rb.rows[0][rb.require_column(col)])
      compare_fail(std::string("the runs are not comparable: ") + ma.dir + " and " + mb.dir + " differ in " + col);
  // The network comes from train_seed (not the point's seed): both runs must use the same one.
  require_equal(ma, mb, "bnn.train_seed", "train_seed");
  const Chips a = read_chips(ma.dir), b = read_chips(mb.dir);
  // Chips are independent Monte Carlo trials (each its own flip mask): the mean test accuracy over chips has
  // standard error sd/sqrt(chips); the two-mean z uses each run's own sample sd. With identical chips (no
  // errors) both sds are 0 and the means must agree exactly.
  rows.push_back(z_row("accuracy_mean", "chips", a.mean, b.mean, two_mean_z(a.mean, a.sd, a.n, b.mean, b.sd, b.n), "z mean/chip"));
  // Error-free accuracy of the folded network: one number per run, the same network; a difference beyond a
  // binomial SE of the test set means a different network (training on another BLAS, say).
  const double ea = ra.number(0, ra.require_column("error_free_accuracy")), eb = rb.number(0, rb.require_column("error_free_accuracy"));
  const double nt = ra.number(0, ra.require_column("test_images"));
  rows.push_back(z_row("error_free_accuracy", "network", ea, eb, two_proportion_z(ea, nt, eb, nt), "z proportion"));
  // Cell errors: each stored (or read) bit errs independently with the same probability, so flips over bits
  // is a binomial proportion and the two-proportion z is exact.
  const double pa = a.bits > 0 ? a.flips / a.bits : 0.0, pb = b.bits > 0 ? b.flips / b.bits : 0.0;
  rows.push_back(z_row("cell_ber", "bits", pa, pb, two_proportion_z(pa, a.bits, pb, b.bits), "z proportion"));
}

}  // namespace mc

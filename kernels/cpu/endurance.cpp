// CPU backend of the endurance and write-verify workloads: OpenMP over tiles of pairs, SIMD over the pairs
// of a tile, the cycle loop outside so a tile's state stays in L1. Launch and reduce only; the physics is
// kernels/device/rram.hpp.
#include <omp.h>

#include <algorithm>
#include <stdexcept>

#include "endurance/driver.hpp"

namespace mc {

void IntervalTally::merge(const IntervalTally& o) {
  errors_1t1r += o.errors_1t1r;
  errors_2t2r += o.errors_2t2r;
  read_energy += o.read_energy;
  for (auto [dst, src] : {std::pair{&lrs, &o.lrs}, std::pair{&hrs, &o.hrs}}) {
    dst->count += src->count;
    dst->sum += src->sum;
    dst->sum_sq += src->sum_sq;
    for (int b = 0; b < kHistBins; ++b) dst->hist[b] += src->hist[b];
  }
  stuck_lrs += o.stuck_lrs;
  stuck_hrs += o.stuck_hrs;
  unformed += o.unformed;
}

namespace {

constexpr std::uint64_t kTilePairs = 256;    // fixed: the reduction order must not depend on threads
constexpr std::uint64_t kCycleChunk = 2048;  // float accumulators are flushed to double this often

struct TilePartial {
  double read_energy = 0, lrs_sum = 0, lrs_sq = 0, hrs_sum = 0, hrs_sq = 0;
};

int thread_count(const RunHooks& hooks) { return hooks.threads > 0 ? hooks.threads : omp_get_max_threads(); }

/// The lanes of one tile: structure of arrays, lane l = pair first + l (devices a = 2·pair, b = 2·pair + 1).
struct Tile {
  float lrs[2][kTilePairs], hrs[2][kTilePairs], wstart[2][kTilePairs], wslope[2][kTilePairs], sig0[2][kTilePairs];
  float after[2][kTilePairs], stuck[2][kTilePairs];
  float e1[kTilePairs], e2[kTilePairs];  // exact: at most 4·kCycleChunk per chunk
  float gsum[kTilePairs];
  float last[4][kTilePairs];  // a.lrs, a.hrs, b.lrs, b.hrs at the most recent cycle
};

/// One cycle of every lane of a tile. Kept apart, with plain arguments, so that g++ vectorizes it.
template <SigmaLaw L, ReadNoise N>
__attribute__((noinline)) void tile_cycle(const DeviceModel& m, std::uint32_t seed, float threshold, std::uint32_t dev_lo0, std::uint32_t dev_hi,
                std::uint64_t cycle, int lanes, Tile& t) {
#pragma GCC ivdep  // not omp simd: its privatized struct locals block vectorization in g++ 12
  for (int l = 0; l < lanes; ++l) {
    const std::uint32_t dev_lo = dev_lo0 + 2u * static_cast<std::uint32_t>(l);
    const std::uint32_t dev_hi_l = dev_hi + (dev_lo < dev_lo0 ? 1u : 0u);  // carry when a tile crosses 2^32
    const CycleDevice ca{t.lrs[0][l], t.hrs[0][l], t.wstart[0][l], t.wslope[0][l], t.sig0[0][l], t.after[0][l], t.stuck[0][l]};
    const CycleDevice cb{t.lrs[1][l], t.hrs[1][l], t.wstart[1][l], t.wslope[1][l], t.sig0[1][l], t.after[1][l], t.stuck[1][l]};
    const CycleReads ra = device_cycle<L, N>(m, ca, seed, dev_lo, dev_hi_l, cycle);
    const CycleReads rb = device_cycle<L, N>(m, cb, seed, dev_lo + 1u, dev_hi_l, cycle);
    t.e1[l] += errors_1t1r(ra, threshold) + errors_1t1r(rb, threshold);
    t.e2[l] += errors_2t2r(ra, rb);
    t.gsum[l] += (ra.lrs + ra.hrs) + (rb.lrs + rb.hrs);
    t.last[0][l] = ra.lrs;
    t.last[1][l] = ra.hrs;
    t.last[2][l] = rb.lrs;
    t.last[3][l] = rb.hrs;
  }
}

template <SigmaLaw L, ReadNoise N>
void run_interval(const EnduranceParams& p, std::uint64_t pair_begin, std::uint64_t pair_end,
                  std::uint64_t cycle_begin, std::uint64_t cycle_end, IntervalTally& out, const RunHooks& hooks) {
  const DeviceModel& m = p.model;
  const std::uint64_t pairs = pair_end - pair_begin;
  const std::uint64_t tiles = (pairs + kTilePairs - 1) / kTilePairs;
  const float read_e_scale = read_energy(m, 1.0f);  // pJ per µS read: read energy is linear in G
  std::vector<TilePartial> partials(tiles);
  std::uint64_t e1_total = 0, e2_total = 0, stuck_l = 0, stuck_h = 0, unformed = 0;
  const float t_end = static_cast<float>(cycle_end);

#pragma omp parallel num_threads(thread_count(hooks)) reduction(+ : e1_total, e2_total, stuck_l, stuck_h, unformed)
  {
    std::vector<std::uint64_t> lrs_hist(kHistBins, 0), hrs_hist(kHistBins, 0);
    DeviceDraw draw[2][kTilePairs];
    double gsum_d[kTilePairs];
    std::uint64_t e1_l[kTilePairs], e2_l[kTilePairs];
    Tile t;

#pragma omp for schedule(dynamic, 1)
    for (std::uint64_t tile = 0; tile < tiles; ++tile) {
      if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) continue;
      const std::uint64_t first = pair_begin + tile * kTilePairs;
      const int lanes = static_cast<int>(std::min<std::uint64_t>(kTilePairs, pair_end - first));
      const std::uint32_t first_lo = static_cast<std::uint32_t>(2 * first);
      const std::uint32_t first_hi = static_cast<std::uint32_t>((2 * first) >> 32);
      for (int l = 0; l < lanes; ++l) {
        for (int k = 0; k < 2; ++k) {
          draw[k][l] = draw_device(m, p.seed, 2 * (first + l) + k, p.compliance);
          const CycleDevice c = cycle_device(m, draw[k][l], p.compliance);
          t.lrs[k][l] = c.lrs_med0, t.hrs[k][l] = c.hrs_med0, t.wstart[k][l] = c.wear_start, t.wslope[k][l] = c.wear_slope;
          t.sig0[k][l] = c.lrs_sigma0, t.after[k][l] = c.stuck_after, t.stuck[k][l] = c.stuck_g;
        }
        e1_l[l] = 0;
        e2_l[l] = 0;
        gsum_d[l] = 0.0;
      }
      for (std::uint64_t c0 = cycle_begin; c0 < cycle_end; c0 += kCycleChunk) {
        const std::uint64_t c1 = std::min(cycle_end, c0 + kCycleChunk);
        for (int l = 0; l < lanes; ++l) t.gsum[l] = t.e1[l] = t.e2[l] = 0.0f;
        for (std::uint64_t c = c0; c < c1; ++c)
          tile_cycle<L, N>(m, p.seed, p.read_threshold, first_lo, first_hi, c, lanes, t);
        for (int l = 0; l < lanes; ++l) {
          gsum_d[l] += t.gsum[l];
          e1_l[l] += static_cast<std::uint64_t>(t.e1[l]);
          e2_l[l] += static_cast<std::uint64_t>(t.e2[l]);
        }
      }
      TilePartial& part = partials[tile];
      for (int l = 0; l < lanes; ++l) {
        e1_total += e1_l[l];
        e2_total += e2_l[l];
        part.read_energy += gsum_d[l] * read_e_scale;
        for (const DeviceDraw* dd : {&draw[0][l], &draw[1][l]}) {
          const FailureState f = failure_state(*dd, t_end);
          unformed += f.unformed;
          stuck_l += f.stuck_lrs;
          stuck_h += f.stuck_hrs;
        }
        for (int dev = 0; dev < 2; ++dev) {
          const float gl = t.last[2 * dev][l], gh = t.last[2 * dev + 1][l];
          part.lrs_sum += gl;
          part.lrs_sq += static_cast<double>(gl) * gl;
          part.hrs_sum += gh;
          part.hrs_sq += static_cast<double>(gh) * gh;
          ++lrs_hist[histogram_bin(gl)];
          ++hrs_hist[histogram_bin(gh)];
        }
      }
      if (hooks.progress) hooks.progress->fetch_add(2 * lanes * (cycle_end - cycle_begin), std::memory_order_relaxed);
    }
#pragma omp critical
    for (int b = 0; b < kHistBins; ++b) {
      out.lrs.hist[b] += lrs_hist[b];
      out.hrs.hist[b] += hrs_hist[b];
    }
  }
  // Fixed-order reduction of the float sums (tile index order), independent of the thread count.
  for (const TilePartial& t : partials) {
    out.read_energy += t.read_energy;
    out.lrs.sum += t.lrs_sum;
    out.lrs.sum_sq += t.lrs_sq;
    out.hrs.sum += t.hrs_sum;
    out.hrs.sum_sq += t.hrs_sq;
  }
  out.lrs.count += 2 * pairs;
  out.hrs.count += 2 * pairs;
  out.errors_1t1r += e1_total;
  out.errors_2t2r += e2_total;
  out.stuck_lrs += stuck_l;
  out.stuck_hrs += stuck_h;
  out.unformed += unformed;
}

}  // namespace

void endurance_interval_cpu(const EnduranceParams& p, std::uint64_t pb, std::uint64_t pe, std::uint64_t cb,
                            std::uint64_t ce, IntervalTally& out, const RunHooks& hooks) {
  if (ce <= cb || pe <= pb) throw std::invalid_argument("endurance_interval_cpu: empty interval");
  // Batches of whole tiles bound the per-tile partials (memory does not grow with devices); they are reduced into
  // `out` in tile order batch after batch, the same order as one batch, so results do not depend on the batching.
  constexpr std::uint64_t kBatchPairs = kTilePairs << 16;
  dispatch_laws(p.model, [&](auto law, auto noise) {
    for (std::uint64_t b0 = pb; b0 < pe; b0 += kBatchPairs) {
      if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) return;
      run_interval<decltype(law)::value, decltype(noise)::value>(p, b0, std::min(pe, b0 + kBatchPairs), cb, ce, out, hooks);
    }
  });
}

void lifetime_histogram_cpu(const EnduranceParams& p, std::uint64_t begin, std::uint64_t end,
                            std::vector<std::uint64_t>& hist, const RunHooks& hooks) {
  hist.assign(kLifeBins, 0);
  // Chunks between progress reports and cancel checks (counts: the merge order does not matter).
  constexpr std::uint64_t kChunk = std::uint64_t{1} << 22;
  for (std::uint64_t c0 = begin; c0 < end; c0 += kChunk) {
    if (hooks.cancel && hooks.cancel->load(std::memory_order_relaxed)) return;
    const std::uint64_t c1 = std::min(end, c0 + kChunk);
#pragma omp parallel num_threads(thread_count(hooks))
    {
      std::vector<std::uint64_t> local(kLifeBins, 0);
#pragma omp for schedule(static)
      for (std::uint64_t d = c0; d < c1; ++d) ++local[lifetime_bin(draw_device(p.model, p.seed, d, p.compliance).lifetime)];
#pragma omp critical
      for (int b = 0; b < kLifeBins; ++b) hist[b] += local[b];
    }
    if (hooks.progress) hooks.progress->fetch_add(c1 - c0, std::memory_order_relaxed);
  }
}

void write_verify_cpu(const WriteVerifyParams& p, std::uint64_t begin, std::uint64_t end,
                      std::vector<WriteVerifyOutcome>& out, const RunHooks& hooks) {
  out.resize(end - begin);
  const std::int64_t n = static_cast<std::int64_t>(end - begin);
#pragma omp parallel for num_threads(thread_count(hooks)) schedule(dynamic, 4096)
  for (std::int64_t i = 0; i < n; ++i) {
    out[i] = write_verify(p, begin + i);
    if (hooks.progress && (i & 4095) == 0) hooks.progress->fetch_add(4096, std::memory_order_relaxed);
  }
}

}  // namespace mc

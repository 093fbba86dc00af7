// Progress of a long run: a bar with rate and ETA on a terminal, a plain line every 10 s otherwise.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace mc {

class Progress {
 public:
  /// total: work units (e.g. device-cycles); unit: their name in the rate ("device-cycles").
  /// items_total/items_name: also show "k/N <name>" (e.g. points of a sweep), counted through items().
  Progress(std::string label, double total, std::string unit, bool quiet = false, std::uint64_t items_total = 0,
           std::string items_name = "");
  ~Progress();
  std::atomic<std::uint64_t>& counter() { return done_; }
  std::atomic<std::uint64_t>& items() { return items_done_; }
  void finish();

 private:
  void loop();
  void print(bool final);
  std::string label_, unit_;
  std::uint64_t total_;
  std::atomic<std::uint64_t> done_{0};
  std::atomic<std::uint64_t> items_done_{0};
  std::uint64_t items_total_ = 0;
  std::string items_name_;
  std::atomic<bool> stop_{false};
  std::mutex wake_mu_;
  std::condition_variable wake_;  // finish() wakes the printer at once instead of waiting out its sleep
  bool tty_, quiet_;
  double start_;
  std::thread thread_;
};

/// A work figure as a counter value (clamped to 2^63: sizes beyond it cannot be counted anyway).
std::uint64_t work_count(double work);

/// Set by SIGINT/SIGTERM (installed by the CLI); workloads stop between tiles and nothing is written.
std::atomic<bool>& cancel_flag();

double now_seconds();

}  // namespace mc

#include "io/progress.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace mc {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::atomic<bool>& cancel_flag() {
  static std::atomic<bool> flag{false};
  return flag;
}

std::uint64_t work_count(double work) {
  return work >= 9.2e18 ? std::uint64_t{1} << 63 : work > 0 ? static_cast<std::uint64_t>(work) : 0;
}

Progress::Progress(std::string label, double total, std::string unit, bool quiet, std::uint64_t items_total,
                   std::string items_name)
    : label_(std::move(label)), unit_(std::move(unit)), total_(work_count(total)), items_total_(items_total),
      items_name_(std::move(items_name)), tty_(::isatty(2) != 0), quiet_(quiet), start_(now_seconds()) {
  if (!quiet_) thread_ = std::thread([this] { loop(); });
}

Progress::~Progress() { finish(); }

void Progress::finish() {
  {
    std::lock_guard<std::mutex> lock(wake_mu_);
    if (stop_.exchange(true)) return;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (!quiet_) print(true);
}

void Progress::loop() {
  double last_line = now_seconds();
  while (true) {
    {
      std::unique_lock<std::mutex> lock(wake_mu_);
      if (wake_.wait_for(lock, std::chrono::milliseconds(200), [this] { return stop_.load(); })) break;
    }
    if (tty_) {
      print(false);
    } else if (now_seconds() - last_line >= 10.0) {
      print(false);
      last_line = now_seconds();
    }
  }
}

namespace {
std::string duration_text(double s) {
  char buf[32];
  if (s < 60) std::snprintf(buf, sizeof buf, "%.0fs", s);
  else if (s < 3600) std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  else std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600, (static_cast<int>(s) / 60) % 60);
  return buf;
}
}  // namespace

void Progress::print(bool final) {
  const double elapsed = now_seconds() - start_;
  const std::uint64_t done = std::min(done_.load(), total_);
  const double frac = total_ ? static_cast<double>(done) / total_ : 1.0;
  const double rate = elapsed > 0 ? done / elapsed : 0.0;
  const double eta = rate > 0 ? (total_ - done) / rate : 0.0;
  const char* verb = final ? (cancel_flag().load() ? "stopped after" : "took") : "ETA";
  const std::string items =
      items_total_ ? " " + std::to_string(items_done_.load()) + "/" + std::to_string(items_total_) + " " + items_name_ : "";
  if (tty_) {
    const int width = 30;
    const int filled = static_cast<int>(frac * width);
    std::string bar(filled, '#');
    bar.resize(width, '.');
    std::fprintf(stderr, "\r%s%s [%s] %5.1f%%  %.3g %s/s  %s %s\033[K", label_.c_str(), items.c_str(), bar.c_str(), 100 * frac, rate,
                 unit_.c_str(), verb, duration_text(final ? elapsed : eta).c_str());
    if (final) std::fputc('\n', stderr);
  } else {
    std::fprintf(stderr, "%s%s: %.1f%% (%.3g %s/s, %s %s)\n", label_.c_str(), items.c_str(), 100 * frac, rate, unit_.c_str(), verb,
                 duration_text(final ? elapsed : eta).c_str());
  }
  std::fflush(stderr);
}

}  // namespace mc

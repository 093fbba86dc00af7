#include "io/output.hpp"
#include "io/manifest.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "scenario/error.hpp"
#include "build_info.h"

namespace mc {

namespace fs = std::filesystem;

void atomic_write(const std::string& path, const std::string& content) {
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw std::runtime_error("cannot write " + tmp);
    out << content;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write " + tmp + " (disk full?)");
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename " + tmp + " to " + path + ": " + ec.message());
  }
}

void CsvTable::add_row(const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) body_ += (i ? "," : "") + cells[i];
  body_ += "\n";
}

std::string CsvTable::str() const {
  std::string head;
  for (std::size_t i = 0; i < columns_.size(); ++i) head += (i ? "," : "") + columns_[i];
  return head + "\n" + body_;
}

std::string cell(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

bool is_scratch_file(const std::string& n) { return n == kLockFile || n.find(".tmp.") != std::string::npos; }

OutputFolder::~OutputFolder() {
  if (lock_fd_ >= 0) ::close(lock_fd_);  // releases the flock
}

OutputFolder::OutputFolder(std::string dir, const std::string& fingerprint, const std::function<void(const Manifest&)>& other)
    : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) throw InputError("cannot create output folder " + dir_ + ": " + ec.message());
  // One writer per folder: an advisory lock the kernel drops when the process dies (kill -9 included).
  const std::string lock = path(kLockFile);
  lock_fd_ = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd_ < 0) throw InputError("cannot create " + lock + ": " + std::strerror(errno));
  if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    char holder[256] = {0};
    const ssize_t n = ::pread(lock_fd_, holder, sizeof holder - 1, 0);
    std::string who = n > 0 ? std::string(holder, static_cast<std::size_t>(n)) : std::string("another process");
    while (!who.empty() && (who.back() == '\n' || who.back() == ' ')) who.pop_back();
    ::close(lock_fd_);
    lock_fd_ = -1;
    throw InputError(dir_ + ": error: another memcarlo run (" + who + ") is writing this folder; wait for it to finish or choose another --out");
  }
  {
    char host[128] = "unknown";
    ::gethostname(host, sizeof host - 1);
    const std::string me = "pid " + std::to_string(::getpid()) + " on " + host + "\n";
    if (::ftruncate(lock_fd_, 0) != 0 || ::pwrite(lock_fd_, me.data(), me.size(), 0) < 0) { /* the lock holds without the note */ }
  }
  try {
    check_contents(fingerprint, other);
  } catch (...) {
    ::close(lock_fd_);  // a refused folder is not held: the same process may open it again
    lock_fd_ = -1;
    throw;
  }
}

void OutputFolder::check_contents(const std::string& fingerprint, const std::function<void(const Manifest&)>& other) {
  std::error_code ec;
  // Holding the lock, every temporary file here is a killed run's leftover.
  for (const auto& e : fs::directory_iterator(dir_, ec))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) fs::remove(e.path(), ec);
  const Manifest m = read_manifest(dir_);
  if (m.state == Manifest::State::kUnreadable)
    throw InputError(m.path + ": error: not a memcarlo manifest; choose another --out folder");
  if (m.ok()) {
    if (m.fingerprint() != fingerprint && other) {
      other(m);  // throws to refuse
      return;
    }
    if (m.fingerprint() != fingerprint)
      throw InputError(m.path + ": error: this folder holds results of a different scenario (fingerprint " +
                       (m.fingerprint().empty() ? std::string("?") : m.fingerprint()) + ", this one " + fingerprint + "); choose another --out folder");
    complete_ = m.complete_with_files();  // a finished run whose tables were deleted since runs again
  } else {
    // Never write into a folder of someone else's files: only memcarlo's own sub-folders may be there already
    // (a submit folder holds slurm/ and shards/ before its merge writes the results next to them).
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string n = e.path().filename().string();
      if (n == "points" || n == "shards" || n == "slurm" || is_scratch_file(n)) continue;
      throw InputError(dir_ + ": error: the folder is not empty and holds no memcarlo manifest (found '" + n +
                       "'); choose a new or empty --out folder");
    }
  }
}

nlohmann::ordered_json provenance() {
  char host[256] = "unknown";
  ::gethostname(host, sizeof host - 1);
  const std::time_t now = std::time(nullptr);
  char when[64];
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return {{"memcarlo_version", MC_VERSION}, {"git_revision", MC_GIT_REVISION}, {"build_flags", MC_BUILD_FLAGS},
          {"host", host}, {"finished_at", when}};
}

}  // namespace mc

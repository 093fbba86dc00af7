#include "io/output.hpp"
#include "io/manifest.hpp"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <system_error>

#include "scenario/error.hpp"

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

OutputFolder::OutputFolder(std::string dir, const std::string& fingerprint) : dir_(std::move(dir)) {
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec || !fs::is_directory(dir_)) throw InputError("cannot create output folder " + dir_ + ": " + ec.message());
  const Manifest m = read_manifest(dir_);
  if (m.state == Manifest::State::kUnreadable)
    throw InputError(m.path + ": error: not a memcarlo manifest; choose another --out folder");
  if (m.ok()) {
    if (m.fingerprint() != fingerprint)
      throw InputError(m.path + ": error: this folder holds results of a different scenario (fingerprint " +
                       (m.fingerprint().empty() ? std::string("?") : m.fingerprint()) + ", this one " + fingerprint + "); choose another --out folder");
    complete_ = m.complete();
  } else {
    // Never write into a folder of someone else's files: only memcarlo's own sub-folders may be there already
    // (a submit folder holds slurm/ and shards/ before its merge writes the results next to them).
    for (const auto& e : fs::directory_iterator(dir_)) {
      const std::string n = e.path().filename().string();
      if (n == "points" || n == "shards" || n == "slurm" || n.find(".tmp.") != std::string::npos) continue;
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

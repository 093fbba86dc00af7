#include "scenario/search_path.hpp"

#include <cstdlib>
#include <stdexcept>

#include "build_info.h"

namespace mc {

namespace fs = std::filesystem;

namespace {

enum class RootKind { kNone, kInstalled, kBuildTree, kConfigured };

struct Root {
  fs::path path;
  RootKind kind = RootKind::kNone;
};

bool inside(const fs::path& file, const fs::path& folder) {
  std::error_code ec;
  const fs::path f = fs::weakly_canonical(file, ec);
  const fs::path d = fs::weakly_canonical(folder, ec);
  if (ec || d.empty()) return false;
  auto fi = f.begin();
  for (auto di = d.begin(); di != d.end(); ++di, ++fi) {
    if (di->empty()) continue;  // a trailing separator
    if (fi == f.end() || *fi != *di) return false;
  }
  return true;
}

const Root& root() {
  static const Root r = [] {
    std::error_code ec;
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && !exe.empty()) {
      // <prefix>/bin/memcarlo -> <prefix>/<datadir>/memcarlo
      const fs::path installed = exe.parent_path().parent_path() / MC_INSTALL_DATADIR / "memcarlo";
      if (fs::is_directory(installed / "configs", ec)) return Root{installed.lexically_normal(), RootKind::kInstalled};
      if (inside(exe, MC_BINARY_DIR)) return Root{fs::path(MC_SOURCE_DIR), RootKind::kBuildTree};
    }
    const fs::path configured = fs::path(MC_INSTALL_FULL_DATADIR) / "memcarlo";
    if (fs::is_directory(configured / "configs", ec)) return Root{configured, RootKind::kConfigured};
    return Root{};
  }();
  return r;
}

}  // namespace

const fs::path& shipped_root() { return root().path; }

std::string shipped_root_description() {
  const Root& r = root();
  switch (r.kind) {
    case RootKind::kInstalled: return r.path.string() + " (installed)";
    case RootKind::kBuildTree: return r.path.string() + " (source tree of this build)";
    case RootKind::kConfigured: return r.path.string() + " (install prefix)";
    default: return "none found (install memcarlo with cmake --install, or set MC_PRESET_PATH and MC_DATA_PATH)";
  }
}

std::vector<fs::path> path_list_from_env(const char* variable) {
  std::vector<fs::path> out;
  const char* env = std::getenv(variable);
  if (!env) return out;
  std::string rest = env;
  while (true) {
    const std::size_t colon = rest.find(':');
    const std::string item = rest.substr(0, colon);
    if (!item.empty()) out.emplace_back(item);
    if (colon == std::string::npos) break;
    rest = rest.substr(colon + 1);
  }
  return out;
}

std::string shipped_file(const std::string& relative) {
  const fs::path& r = shipped_root();
  std::error_code ec;
  if (!r.empty() && fs::is_regular_file(r / relative, ec)) return (r / relative).string();
  throw std::runtime_error("memcarlo's shipped file " + relative + " not found (shipped files: " + shipped_root_description() + ")");
}

fs::path without_leading_parents(const fs::path& p) {
  fs::path out;
  bool leading = true;
  for (const fs::path& part : p) {
    if (leading && (part == "." || part == "..")) continue;
    leading = false;
    out /= part;
  }
  return out;
}

}  // namespace mc

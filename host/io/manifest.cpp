#include "io/manifest.hpp"

#include <filesystem>
#include <fstream>

namespace mc {

bool Manifest::complete() const {
  return ok() && json.contains("complete") && json["complete"].is_boolean() && json["complete"].get<bool>();
}

bool Manifest::complete_with_files() const {
  if (!complete() || !json.contains("files") || !json["files"].is_array()) return false;
  for (const auto& f : json["files"]) {
    std::error_code ec;
    if (!f.is_string()) return false;
    const std::string name = f.get<std::string>();
    if (!name.empty() && name.back() == '/') continue;  // a folder pattern (a sweep's points/NNNNNN/)
    if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / name, ec)) return false;
  }
  return true;
}

std::string Manifest::text(const char* key) const {
  return ok() && json.contains(key) && json[key].is_string() ? json[key].get<std::string>() : std::string();
}

Manifest read_manifest(const std::string& dir) {
  Manifest m;
  m.dir = dir;
  m.path = dir + "/manifest.json";
  std::ifstream in(m.path);
  if (!in) return m;
  try {
    m.json = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    m.state = Manifest::State::kUnreadable;
    m.error = e.what();
    return m;
  }
  if (!m.json.is_object()) {
    m.state = Manifest::State::kUnreadable;
    m.error = "not a JSON object";
    return m;
  }
  m.state = Manifest::State::kOk;
  return m;
}

}  // namespace mc

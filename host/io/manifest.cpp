#include "io/manifest.hpp"

#include <fstream>

namespace mc {

bool Manifest::complete() const {
  return ok() && json.contains("complete") && json["complete"].is_boolean() && json["complete"].get<bool>();
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

#pragma once

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

/// Where the e-invoice corpus lives and how tests read it.
namespace larder::extract::test {

inline std::filesystem::path einvoice_dir() {
  return std::filesystem::path{LARDER_CORPUS_DIR} / "einvoice";
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream in{p, std::ios::binary};
  return std::string{std::istreambuf_iterator<char>{in},
                     std::istreambuf_iterator<char>{}};
}

} // namespace larder::extract::test

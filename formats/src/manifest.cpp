#include "bnconf/formats/manifest.hpp"

#include <openssl/evp.h>

#include <bit>
#include <fstream>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "bnconf/formats/file_bytes.hpp"
#include "case_names.hpp"

namespace bnconf::formats {

namespace {

using Json = nlohmann::ordered_json;

class Sha256 {
 public:
  Sha256() : context_(EVP_MD_CTX_new(), EVP_MD_CTX_free) {
    if (!context_ || EVP_DigestInit_ex(context_.get(), EVP_sha256(), nullptr) != 1) {
      throw std::runtime_error("OpenSSL: cannot initialise SHA-256");
    }
  }
  void update(const void* data, std::size_t size) { EVP_DigestUpdate(context_.get(), data, size); }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(context_.get(), digest, &length);
    std::ostringstream out;
    for (unsigned int i = 0; i < length; ++i) {
      out << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(digest[i]);
    }
    return out.str();
  }

 private:
  std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> context_;
};

void append_little_endian(std::vector<unsigned char>& bytes, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<unsigned char>(value >> (8 * i)));
}

}  // namespace

std::string sha256_hex(const void* data, std::size_t size) {
  Sha256 hash;
  hash.update(data, size);
  return hash.hex();
}

std::string file_sha256(const std::string& path) {
  const std::string bytes = read_regular_file(path, kMaxDataFileBytes);
  return sha256_hex(bytes.data(), bytes.size());
}

std::string dataset_sha256(const Array& array, bool integer) {
  std::vector<unsigned char> bytes;
  bytes.reserve(array.values.size() * 8);
  for (double v : array.values) {
    append_little_endian(bytes, integer ? static_cast<std::uint64_t>(static_cast<std::int64_t>(v))
                                        : std::bit_cast<std::uint64_t>(v));
  }
  return sha256_hex(bytes.data(), bytes.size());
}

std::string canonical_spec_text(const CaseSpec& spec) {
  std::ostringstream out;
  out << "tier=" << spec.tier << '\n'
      << "operation=" << to_string(spec.operation) << '\n'
      << "preset=" << spec.spec.preset << '\n'
      << "eps=" << reference::shortest_decimal(spec.spec.eps) << '\n'
      << "momentum="
      << (spec.spec.momentum ? reference::shortest_decimal(*spec.spec.momentum) : "none") << '\n'
      << "momentum_convention=" << reference::to_string(spec.spec.momentum_convention) << '\n'
      << "running_var_estimator=" << reference::to_string(spec.spec.running_var_estimator) << '\n'
      << "affine=" << spec.spec.affine << '\n'
      << "track_running_stats=" << spec.spec.track_running_stats << '\n'
      << "shape=" << reference::format_shape(spec.shape) << '\n'
      << "layout=" << reference::to_string(spec.layout) << '\n';
  // Written only when present, so that the cases without them keep their checksums.
  if (spec.dy_layout) out << "dy_layout=" << reference::to_string(*spec.dy_layout) << '\n';
  if (spec.view != cases::View::dense) out << "view=" << cases::to_string(spec.view) << '\n';
  out << "dtype=" << ieee::to_string(spec.dtype) << '\n' << "tags=";
  for (const auto& tag : spec.tags) out << tag << ',';
  out << '\n'
      << "seed=" << spec.seed << '\n'
      << "steps=" << spec.steps << '\n'
      << "expected_error="
      << (spec.expected_error ? reference::to_string(*spec.expected_error) : "") << '\n'
      << "call=" << (spec.expected_error ? to_string(spec.call) : "") << '\n'
      << "description=" << spec.description << '\n';
  return out.str();
}

ManifestCase manifest_entry(const Case& c) {
  ManifestCase entry;
  const std::string text = canonical_spec_text(c.spec);
  entry.attributes_sha256 = sha256_hex(text.data(), text.size());
  for (auto section : {Section::inputs, Section::expected}) {
    for (const auto& [name, array] : section == Section::inputs ? c.inputs : c.expected) {
      const DatasetRule* rule = find_dataset_rule(section, name);
      entry.datasets[to_string(section) + "/" + name] =
          dataset_sha256(array, rule && rule->integer);
    }
  }
  return entry;
}

std::vector<std::string> manifest_mismatches(const ManifestCase& expected, const Case& c) {
  const ManifestCase actual = manifest_entry(c);
  std::vector<std::string> problems;
  if (actual.attributes_sha256 != expected.attributes_sha256) {
    problems.push_back("attributes: sha256 " + actual.attributes_sha256 + " but the manifest has " +
                       expected.attributes_sha256);
  }
  for (const auto& [name, hash] : expected.datasets) {
    const auto found = actual.datasets.find(name);
    if (found == actual.datasets.end()) {
      problems.push_back(name + ": listed in the manifest but missing");
    } else if (found->second != hash) {
      problems.push_back(name + ": sha256 " + found->second + " but the manifest has " + hash);
    }
  }
  for (const auto& [name, hash] : actual.datasets) {
    if (!expected.datasets.count(name)) problems.push_back(name + ": not in the manifest");
  }
  return problems;
}

void write_manifest(const std::string& path, const Manifest& manifest) {
  Json json;
  json["schema_version"] = manifest.schema_version;
  json["generator_version"] = manifest.generator_version;
  Json files = Json::object();
  for (const auto& [name, file] : manifest.files) {
    Json cases = Json::object();
    for (const auto& [id, entry] : file.cases) {
      cases[id] = {{"attributes", entry.attributes_sha256}, {"datasets", entry.datasets}};
    }
    files[name] = {
        {"sha256", file.sha256}, {"catalogue_sha256", file.catalogue_sha256}, {"cases", cases}};
  }
  json["files"] = files;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << json.dump(1) << '\n';
  if (!out) throw std::runtime_error(path + ": cannot be written");
}

namespace {

// A SHA-256 digest as the manifest holds it: 64 lowercase hexadecimal digits.
std::string digest(const Json& value, const std::string& what) {
  const std::string text = value.get<std::string>();
  if (text.size() != 64 || text.find_first_not_of("0123456789abcdef") != std::string::npos) {
    throw std::runtime_error(what + ": '" + text.substr(0, 80) +
                             "' is not a SHA-256 digest (64 lowercase hex digits)");
  }
  return text;
}

}  // namespace

Manifest read_manifest(const std::string& path) {
  const std::string bytes = read_regular_file(path, kMaxManifestBytes);
  try {
    const Json json = Json::parse(bytes);
    Manifest manifest;
    manifest.schema_version = json.at("schema_version").get<std::int64_t>();
    const std::string version = std::to_string(manifest.schema_version);
    const std::string known = std::to_string(kManifestSchemaVersion);
    if (manifest.schema_version < kManifestSchemaVersion) {
      throw std::runtime_error(path + ": schema_version " + version +
                               " is an older manifest than this bnconf reads (" + known +
                               "): regenerate the fixtures with bnconf gen --out DIR");
    }
    if (manifest.schema_version != kManifestSchemaVersion) {
      throw std::runtime_error(path + ": schema_version " + version +
                               " is not one this bnconf reads (" + known + ")");
    }
    manifest.generator_version = json.at("generator_version").get<std::string>();
    for (const auto& [name, file] : json.at("files").items()) {
      ManifestFile entry;
      entry.sha256 = digest(file.at("sha256"), path + ": files." + name + ".sha256");
      // A digest for a generated file; a case set built elsewhere (a fuzzer's reproducer) says
      // where it came from instead.
      entry.catalogue_sha256 = file.at("catalogue_sha256").get<std::string>();
      if (file.contains("size")) {
        if (!file.at("size").is_number_unsigned()) {
          throw std::runtime_error(path + ": files." + name + ".size should be a byte count");
        }
        entry.size = file.at("size").get<std::uint64_t>();
      }
      for (const auto& [id, c] : file.at("cases").items()) {
        ManifestCase listed;
        listed.attributes_sha256 =
            digest(c.at("attributes"), path + ": files." + name + ".cases." + id + ".attributes");
        for (const auto& [dataset, hash] : c.at("datasets").items()) {
          listed.datasets[dataset] =
              digest(hash, path + ": files." + name + ".cases." + id + ".datasets." + dataset);
        }
        entry.cases[id] = std::move(listed);
      }
      manifest.files[name] = std::move(entry);
    }
    return manifest;
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(path + ": malformed manifest: " + e.what());
  }
}

}  // namespace bnconf::formats

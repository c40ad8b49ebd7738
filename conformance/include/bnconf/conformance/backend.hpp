// Backends the runner can judge: bundled ones by name, any shared library implementing the
// adapter ABI by path, and discoverable plug-ins (BNCONF_BACKEND_PATH, and an installed bnconf's
// backend folder or the build's).
//
// A plug-in's code never runs in the runner's process: it is loaded and probed (entry point,
// table, capabilities, name) in a child process, and each case's child process loads it again
// to run the case. A constructor that crashes or hangs, a capabilities() that aborts, an atexit
// handler that never returns, threads left running: each costs the child, not the run.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bnconf/adapter.h"

namespace bnconf::conformance {

class Backend {
 public:
  // A bundled name ("reference", "cpu-f32"), a discovered plug-in's name, or a path to a shared
  // library (anything with a '/'). Throws std::runtime_error saying what is wrong: no such
  // backend (with the names known), cannot be loaded, crashed or hung while loading or probing,
  // no entry point, ABI version or table size mismatch, no capabilities function.
  static Backend open(const std::string& name_or_path, double probe_timeout_seconds = 30);
  // A backend whose table is already in this process (embedding, tests, benchmarks): trusted,
  // called in this process.
  static Backend from_table(const bnconf_backend_v1* table, const std::string& origin);

  // The table to call. A plug-in's is loaded into the calling process on first use (throwing
  // std::runtime_error if it cannot be): call it only in a child process (the runner's plug-in
  // host, a case's process), never in the runner's.
  const bnconf_backend_v1& table() const;
  std::string name() const { return name_; }
  std::string version() const { return version_; }
  const bnconf_capabilities& capabilities() const { return capabilities_; }
  const std::string& origin() const { return origin_; }  // "bundled" or the library path
  bool is_plugin() const { return !path_.empty(); }

 private:
  const bnconf_backend_v1* table_ = nullptr;  // in-process backends, and a plug-in once loaded
  std::string path_;                          // plug-ins
  std::string name_ = "?";
  std::string version_ = "?";
  bnconf_capabilities capabilities_{};
  std::string origin_;
  mutable const bnconf_backend_v1* loaded_ = nullptr;  // in a case's process
};

struct BackendListing {
  std::string name;
  std::string origin;
  std::string version;
  std::string capabilities;  // one line, e.g. "dtypes f32,f16 layouts cf,cl ranks 2-5 ..."
  std::string error;         // set when a discovered library could not be opened
};

// Bundled backends and every library found in the discovery folders, each plug-in probed in its
// own child process.
std::vector<BackendListing> list_backends(double probe_timeout_seconds = 30);

std::string describe_capabilities(const bnconf_capabilities& capabilities);

}  // namespace bnconf::conformance

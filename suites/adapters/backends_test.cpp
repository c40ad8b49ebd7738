// Smoke tests of the bundled backends and the test plug-ins, through the runner's own execution
// (conformance::execute_case: the case driver with the ABI engine) and judge
// (conformance::judge_execution): the bundled reference and cpu-f32 on committed and generated
// cases, the mutants loaded through dlopen, and the faulty plug-ins shown to fail the way their
// names say when called in a child process.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bnconf/adapter.hpp"
#include "bnconf/backends/bundled.hpp"
#include "bnconf/cases/driver.hpp"
#include "bnconf/cases/reference_engine.hpp"
#include "bnconf/conformance/execute.hpp"
#include "bnconf/conformance/judge.hpp"
#include "bnconf/formats/fixture_set.hpp"
#include "bnconf/ieee/rounding.hpp"
#include "bnconf/version.h"

namespace {

namespace ref = bnconf::reference;
namespace fmt = bnconf::formats;
namespace cases = bnconf::cases;
namespace conf = bnconf::conformance;
namespace ieee = bnconf::ieee;
using cases::Array;
using cases::CallStatus;
using cases::Operation;
using conf::CaseStatus;

const fmt::FixtureSet& committed() {
  static const fmt::FixtureSet set = fmt::load_fixture_set({BNCONF_FIXTURES_DIR});
  return set;
}

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::stringstream in(text);
  for (std::string part; std::getline(in, part, separator);) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

conf::Backend reference_backend() {
  return conf::Backend::from_table(bnconf_reference_backend(), "bundled");
}
conf::Backend cpu_f32_backend() {
  return conf::Backend::from_table(bnconf_cpu_f32_backend(), "bundled");
}

bool supports_dtype(const conf::Backend& backend, ieee::Dtype dtype) {
  return (backend.capabilities().dtypes & (1u << static_cast<int>(dtype))) != 0;
}

bool valid(const cases::Case& c) { return c.spec.operation != Operation::error; }

// The runner's verdict on one case, in this process.
conf::CaseResult verdict(const conf::Backend& backend, const cases::Case& c) {
  conf::CaseResult result = conf::new_result(c);
  conf::judge_execution(c, conf::execute_case(backend, c), result);
  return result;
}

// "output[index]: error e, bound b" of the worst output of a result (by error / bound).
struct Worst {
  double ratio = 0;
  std::string where;
};
Worst worst_of(const conf::CaseResult& r) {
  Worst w;
  for (const auto& o : r.outputs) {
    const double ratio = o.bound > 0 ? o.error / o.bound : (o.error > 0 ? INFINITY : 0.0);
    if (ratio > w.ratio) {
      w.ratio = ratio;
      std::ostringstream text;
      text << o.name << o.index << ": error " << o.error << ", bound " << o.bound;
      w.where = text.str();
    }
  }
  return w;
}

std::string problems(const conf::CaseResult& r) {
  std::string text = conf::to_string(r.status) + ": " + r.message;
  for (const auto& o : r.outputs) {
    if (!o.passed) text += "; " + o.name + ": " + o.reason;
  }
  return text;
}

TEST(BackendSmoke, CommittedFixturesLoad) {
  EXPECT_TRUE(committed().errors.empty()) << committed().errors.size() << " load errors";
  EXPECT_GT(committed().cases.size(), 200u);
}

// ---------------------------------------------------------------------------------------------
// The reference backend.

// A bundled table's identity and capabilities: every layout, ranks 2 to 5, every operation,
// convention, estimator and feature (input validation included), for `dtypes`.
void expect_bundled_table(const bnconf_backend_v1* backend, const char* name,
                          std::uint32_t dtypes) {
  ASSERT_NE(backend, nullptr);
  EXPECT_EQ(backend->abi_version, static_cast<std::uint32_t>(BNCONF_ABI_VERSION));
  EXPECT_EQ(backend->struct_size, sizeof(bnconf_backend_v1));
  EXPECT_STREQ(backend->name, name);
  EXPECT_STREQ(backend->version, BNCONF_VERSION);
  bnconf_capabilities caps{};
  backend->capabilities(&caps);
  EXPECT_EQ(caps.dtypes, dtypes);
  EXPECT_EQ(caps.layouts, 0x3u);
  EXPECT_EQ(caps.ranks, 0x3Cu);
  EXPECT_EQ(caps.operations, 0xFu);
  EXPECT_EQ(caps.conventions, 0x3u);
  EXPECT_EQ(caps.estimators, 0x7u);
  // Everything but GLOBAL_STATS (implied by RUNNING_STATS), strided inputs included.
  EXPECT_EQ(caps.features, 0x3Fu | BNCONF_FEATURE_STRIDED);
}

TEST(ReferenceBackend, DescribesItself) {
  expect_bundled_table(bnconf_reference_backend(), "reference", 0xFu);
}

bool same_bits(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b);
}

// f64: the expected outputs bit for bit; narrower dtypes: activations (the outputs of the
// dtype) are the expected values rounded once to it, per-channel outputs (double in the ABI)
// bit for bit. Every committed valid case, sequences and the pipeline included.
TEST(ReferenceBackend, ReproducesExpectedOutputs) {
  const conf::Backend backend = reference_backend();
  std::size_t checked = 0;
  for (const auto& c : committed().cases) {
    if (!valid(c)) continue;
    SCOPED_TRACE(c.spec.id);
    const cases::Execution e = conf::execute_case(backend, c);
    ASSERT_EQ(e.status, CallStatus::ok) << e.message;
    EXPECT_TRUE(e.violations.empty()) << e.violations.front();
    for (const auto& [name, expected] : c.expected) {
      ASSERT_TRUE(e.outputs.count(name)) << name;
      const Array& actual = e.outputs.at(name);
      ASSERT_EQ(actual.values.size(), expected.values.size()) << name;
      // The pipeline passes its activations and gradients through the dtype on every call, so
      // only its f64 case is bit-exact.
      if (c.spec.operation == Operation::pipeline && c.spec.dtype != ieee::Dtype::f64) continue;
      const bool activation =
          cases::find_output(c.spec.operation, name)->shape == cases::ShapeRule::activation ||
          cases::find_output(c.spec.operation, name)->shape == cases::ShapeRule::stepped_activation;
      std::size_t differing = 0, first = 0;
      for (std::size_t i = 0; i < expected.values.size(); ++i) {
        const double want =
            activation ? ieee::round_to(expected.values[i], c.spec.dtype) : expected.values[i];
        if (!same_bits(want, actual.values[i]) && differing++ == 0) first = i;
      }
      EXPECT_EQ(differing, 0u) << name << "[" << first << "] = " << actual.values[first]
                               << ", expected " << expected.values[first];
    }
    ++checked;
  }
  EXPECT_GT(checked, 300u);
}

TEST(ReferenceBackend, RejectsEveryErrorCase) {
  const conf::Backend backend = reference_backend();
  for (const auto& c : committed().cases) {
    if (valid(c)) continue;
    SCOPED_TRACE(c.spec.id);
    const cases::Execution e = conf::execute_case(backend, c);
    EXPECT_EQ(e.status, CallStatus::invalid_argument) << e.message;
    EXPECT_FALSE(e.message.empty());
    EXPECT_TRUE(e.violations.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// cpu-f32.

TEST(CpuF32Backend, DescribesItself) {
  expect_bundled_table(bnconf_cpu_f32_backend(), "cpu-f32",
                       (1u << BNCONF_F32) | (1u << BNCONF_F16) | (1u << BNCONF_BF16));
}

// Every committed valid case of its dtypes passes under the error model; prints how much of the
// bound it uses at most.
TEST(CpuF32Backend, PassesEveryCommittedCaseOfItsDtypes) {
  const conf::Backend backend = cpu_f32_backend();
  std::size_t checked = 0;
  Worst worst;
  std::string worst_case;
  for (const auto& c : committed().cases) {
    if (!valid(c) || !supports_dtype(backend, c.spec.dtype)) continue;
    const conf::CaseResult r = verdict(backend, c);
    EXPECT_TRUE(conf::within_bounds(r.status)) << c.spec.id << ": " << problems(r);
    const Worst w = worst_of(r);
    if (w.ratio > worst.ratio) worst = w, worst_case = c.spec.id;
    ++checked;
  }
  EXPECT_GT(checked, 200u);
  std::printf("cpu-f32: %zu cases; largest error / bound %.3g at %s (%s)\n", checked, worst.ratio,
              worst_case.c_str(), worst.where.c_str());
}

TEST(CpuF32Backend, RejectsEveryErrorCase) {
  const conf::Backend backend = cpu_f32_backend();
  for (const auto& c : committed().cases) {
    if (valid(c) || !supports_dtype(backend, c.spec.dtype)) continue;
    SCOPED_TRACE(c.spec.id);
    const cases::Execution e = conf::execute_case(backend, c);
    EXPECT_EQ(e.status, CallStatus::invalid_argument) << e.message;
    EXPECT_FALSE(e.message.empty());
  }
}

TEST(CpuF32Backend, DeclinesF64) {
  const conf::Backend backend = cpu_f32_backend();
  for (const auto& c : committed().cases) {
    if (!valid(c) || c.spec.dtype != ieee::Dtype::f64) continue;
    const cases::Execution e = conf::execute_case(backend, c);
    EXPECT_EQ(e.status, CallStatus::unsupported) << c.spec.id;
    EXPECT_NE(e.message.find("f64"), std::string::npos) << e.message;
    return;
  }
  FAIL() << "no f64 case";
}

// An f32 activation of `array`'s logical values stored in `layout`.
struct F32Tensor {
  std::vector<float> storage;
  bnconf_tensor view{};
};
F32Tensor f32_tensor(const Array& array, ref::Layout layout) {
  F32Tensor t;
  t.view.rank = static_cast<std::int32_t>(array.shape.size());
  for (std::size_t i = 0; i < array.shape.size(); ++i) {
    t.view.shape[i] = static_cast<std::int64_t>(array.shape[i]);
  }
  t.view.layout = static_cast<std::int32_t>(layout);
  t.view.dtype = BNCONF_F32;
  t.storage.resize(array.values.size());
  // Logical row-major index -> storage offset in the layout.
  std::vector<std::int64_t> index(array.shape.size(), 0);
  for (std::size_t i = 0; i < array.values.size(); ++i) {
    t.storage[bnconf::adapter::storage_offset(t.view, index.data())] =
        static_cast<float>(array.values[i]);
    for (std::size_t axis = index.size(); axis-- > 0;) {
      if (++index[axis] < t.view.shape[axis]) break;
      index[axis] = 0;
    }
  }
  t.view.data = t.storage.data();
  return t;
}

// dy may come in the other layout than x (the ABI allows it): dx is the same as with dy in x's.
TEST(CpuF32Backend, AcceptsGradOutputInTheOtherLayout) {
  const bnconf_backend_v1& backend = *bnconf_cpu_f32_backend();
  for (const auto& c : committed().cases) {
    if (c.spec.operation != Operation::backward_train || c.spec.dtype != ieee::Dtype::f32 ||
        c.spec.layout != ref::Layout::channels_last || c.spec.shape.size() < 3) {
      continue;
    }
    SCOPED_TRACE(c.spec.id);
    const F32Tensor x = f32_tensor(c.inputs.at("x"), c.spec.layout);
    const std::vector<double> w =
        c.inputs.count("weight") ? c.inputs.at("weight").values : std::vector<double>{};
    bnconf_params params{};
    params.struct_size = sizeof params;
    params.eps = c.spec.spec.eps;
    params.affine = c.spec.spec.affine;
    params.track_running_stats = c.spec.spec.track_running_stats;
    std::vector<std::vector<float>> dx;
    for (const auto dy_layout : ref::kAllLayouts) {
      const F32Tensor dy = f32_tensor(c.inputs.at("dy"), dy_layout);
      std::vector<float> out(x.storage.size());
      std::vector<double> dw(w.size()), db(w.size());
      char message[256] = {0};
      ASSERT_EQ(
          backend.backward_train(
              &params, &x.view, &dy.view,
              {w.empty() ? nullptr : w.data(), static_cast<std::int64_t>(w.size())}, {out.data()},
              {dw.empty() ? nullptr : dw.data(), static_cast<std::int64_t>(dw.size())},
              {db.empty() ? nullptr : db.data(), static_cast<std::int64_t>(db.size())},
              {message, sizeof message}),
          BNCONF_OK)
          << message;
      dx.push_back(out);
    }
    EXPECT_EQ(dx[0], dx[1]);
    return;
  }
  FAIL() << "no channels-last f32 backward_train case";
}

// cpu-f32 judged against the reference engine on generated cases the fixtures do not hold: every
// preset with and without affine and tracking, both layouts, one value per channel and the
// empty batch, in f32 and bf16.
cases::Case generated_case(const std::string& preset, bool affine, bool track,
                           const std::vector<std::size_t>& shape, ref::Layout layout,
                           ieee::Dtype dtype, Operation operation, std::uint64_t seed) {
  cases::Case c;
  c.spec.id = "generated." + preset + "." + std::to_string(seed);
  c.spec.tier = "generated";
  c.spec.operation = operation;
  c.spec.spec = ref::preset(preset);
  c.spec.spec.affine = affine;
  c.spec.spec.track_running_stats = track;
  c.spec.shape = shape;
  c.spec.layout = layout;
  c.spec.dtype = dtype;
  std::uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
  auto uniform = [&] {  // in [-1, 1), exactly representable in every dtype once rounded
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1p-52 - 1.0;
  };
  auto values = [&](std::size_t n, double offset, double spread) {
    std::vector<double> v(n);
    for (auto& value : v) value = ieee::round_to(offset + spread * uniform(), dtype);
    return v;
  };
  std::size_t n = 1;
  for (auto extent : shape) n *= extent;
  const std::size_t channels = shape[1];
  c.inputs["x"] = Array{shape, values(n, 3.0, 2.0)};
  c.inputs["dy"] = Array{shape, values(n, 0.5, 1.0)};
  if (affine) {
    c.inputs["weight"] = Array::vector(values(channels, 1.0, 0.5));
    c.inputs["bias"] = Array::vector(values(channels, 0.0, 0.5));
  }
  if (track) {
    c.inputs["running_mean"] = Array::vector(values(channels, 2.0, 1.0));
    c.inputs["running_var"] = Array::vector(values(channels, 2.0, 1.0));
    c.inputs["num_batches_tracked"] = Array::scalar(static_cast<double>(seed % 4));
  }
  return c;
}

TEST(CpuF32Backend, PassesGeneratedCasesJudgedAgainstTheReference) {
  const conf::Backend cpu = cpu_f32_backend();
  const std::vector<std::vector<std::size_t>> shapes{
      {1, 3}, {1, 2, 1, 1}, {0, 3, 4}, {0, 2}, {5, 3, 7}, {2, 4, 3, 5}, {2, 3, 2, 3, 4}};
  std::size_t compared = 0, rejected = 0;
  std::uint64_t seed = 0;
  for (const auto& preset : ref::preset_names()) {
    for (const bool affine : {true, false}) {
      for (const bool track : {true, false}) {
        for (const auto& shape : shapes) {
          for (const auto layout : ref::kAllLayouts) {
            for (const auto dtype : {ieee::Dtype::f32, ieee::Dtype::bf16}) {
              for (const auto op : {Operation::forward_train, Operation::forward_eval,
                                    Operation::backward_train, Operation::backward_eval}) {
                cases::Case c =
                    generated_case(preset, affine, track, shape, layout, dtype, op, ++seed);
                SCOPED_TRACE(c.spec.id + " " + ref::describe(c.spec.spec) + " " +
                             ref::format_shape(shape) + " " + std::string(ref::to_string(layout)) +
                             " " + std::string(ieee::to_string(dtype)) + " " +
                             std::string(cases::to_string(op)));
                cases::ReferenceEngine reference;
                const cases::Execution want = cases::run_case(c, reference);
                const cases::Execution got = conf::execute_case(cpu, c);
                ASSERT_EQ(got.status, want.status) << got.message << " / " << want.message;
                EXPECT_TRUE(got.violations.empty()) << got.violations.front();
                if (want.status != CallStatus::ok) {
                  ++rejected;
                  continue;
                }
                c.expected = want.outputs;
                conf::CaseResult r = conf::new_result(c);
                conf::judge_execution(c, got, r);
                EXPECT_TRUE(conf::within_bounds(r.status)) << problems(r);
                ++compared;
              }
            }
          }
        }
      }
    }
  }
  EXPECT_GT(compared, 1000u);
  EXPECT_GT(rejected, 0u);  // M = 1 with the unbiased estimator in training
}

// ---------------------------------------------------------------------------------------------
// Mutants, loaded as plug-ins.

struct Plugin {
  void* handle = nullptr;
  const bnconf_backend_v1* table = nullptr;
};

Plugin open_plugin(const std::string& path) {
  Plugin plugin;
  plugin.handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!plugin.handle) {
    ADD_FAILURE() << path << ": " << dlerror();
    return plugin;
  }
  auto entry =
      reinterpret_cast<bnconf_backend_v1_entry_fn>(dlsym(plugin.handle, BNCONF_BACKEND_V1_ENTRY));
  if (!entry) {
    ADD_FAILURE() << path << " does not export " << BNCONF_BACKEND_V1_ENTRY;
    return plugin;
  }
  plugin.table = entry();
  return plugin;
}

// "<dir>/libbnconf_mutant_<name>.so" -> "<name>"
std::string stem_after(const std::string& path, const std::string& prefix) {
  const std::string file = path.substr(path.find_last_of('/') + 1);
  return file.substr(prefix.size(), file.size() - prefix.size() - 3);
}

TEST(MutantBackends, OneLoadsThroughDlopen) {
  const Plugin plugin = open_plugin(BNCONF_ONE_MUTANT);
  ASSERT_NE(plugin.table, nullptr);
  EXPECT_EQ(plugin.table->abi_version, static_cast<std::uint32_t>(BNCONF_ABI_VERSION));
  EXPECT_STREQ(plugin.table->name, "mutant_unbiased_normalise");
  EXPECT_STREQ(plugin.table->version, BNCONF_VERSION);
  // Only the entry point is exported: the plug-in's copy of the helper stays private.
  EXPECT_EQ(dlsym(plugin.handle,
                  "_ZN6bnconf7adapter8validateERK13bnconf_paramsRK13bnconf_tensorPS4_"
                  "RK13bnconf_vectorS9_PK14bnconf_runningb"),
            nullptr);
}

TEST(MutantBackends, AllLoadWithTheirNameAndCpuF32Capabilities) {
  bnconf_capabilities expected{};
  bnconf_cpu_f32_backend()->capabilities(&expected);
  const auto paths = split(BNCONF_MUTANT_LIBRARIES, ':');
  EXPECT_GE(paths.size(), 16u);
  for (const auto& path : paths) {
    SCOPED_TRACE(path);
    const Plugin plugin = open_plugin(path);
    ASSERT_NE(plugin.table, nullptr);
    EXPECT_EQ(std::string(plugin.table->name), "mutant_" + stem_after(path, "libbnconf_mutant_"));
    bnconf_capabilities caps{};
    plugin.table->capabilities(&caps);
    EXPECT_EQ(std::memcmp(&caps, &expected, sizeof caps), 0);
  }
}

// ---------------------------------------------------------------------------------------------
// Faulty plug-ins, each executed in a child process on a small case.

const cases::Case& small_forward_train_case() {
  for (const auto& c : committed().cases) {
    if (c.spec.operation == Operation::forward_train && c.spec.dtype == ieee::Dtype::f32) return c;
  }
  throw std::runtime_error("no f32 forward_train case");
}

struct ChildResult {
  bool timed_out = false;
  int signal = 0;      // terminating signal, or 0
  int exit_code = -1;  // exit status when it exited
};

// Runs body() in a child process; kills it after `limit`.
template <class Body>
ChildResult in_child(Body&& body, std::chrono::milliseconds limit) {
  std::fflush(nullptr);
  const pid_t pid = fork();
  if (pid == 0) {
    // No core files from the deliberate crashes.
    signal(SIGABRT, SIG_DFL);
    _exit(body());
  }
  ChildResult result;
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      result.timed_out = true;
      return result;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

std::string faulty_path(const std::string& fault) {
  for (const auto& path : split(BNCONF_FAULTY_LIBRARIES, ':')) {
    if (stem_after(path, "libbnconf_faulty_") == fault) return path;
  }
  ADD_FAILURE() << "no faulty plug-in " << fault;
  return "";
}

// Exit codes of the child: 0 the call returned ok with NaN in y, 10 + status otherwise, 100 the
// plug-in cannot be opened (the message names why: "ABI version", "no backend", "export").
int call_faulty(const std::string& path, const std::string& refusal) {
  try {
    const conf::Backend backend = conf::Backend::open(path);
    const cases::Execution e = conf::execute_case(backend, small_forward_train_case());
    if (e.status != CallStatus::ok) {
      return e.message.empty() ? 50 : 10 + static_cast<int>(e.status);
    }
    for (double v : e.outputs.at("y").values) {
      if (!std::isnan(v)) return 60;
    }
    return 0;
  } catch (const std::exception& e) {
    return std::string(e.what()).find(refusal) != std::string::npos ? 100 : 101;
  }
}

TEST(FaultyBackends, FailAsNamed) {
  small_forward_train_case();  // load fixtures before forking
  const auto limit = std::chrono::milliseconds(3000);
  auto run = [&](const char* fault, const char* refusal = "") {
    const std::string path = faulty_path(fault);
    return in_child([&] { return call_faulty(path, refusal); }, limit);
  };
  const ChildResult segfault = run("segfault");
#if defined(__SANITIZE_ADDRESS__)
  // AddressSanitizer catches the SIGSEGV, reports it and exits with status 1.
  EXPECT_TRUE(segfault.signal == SIGSEGV || segfault.exit_code == 1);
#else
  EXPECT_EQ(segfault.signal, SIGSEGV);
#endif
  EXPECT_EQ(run("abort").signal, SIGABRT);
  EXPECT_EQ(run("throw_through_c").signal, SIGABRT);
  const auto hang = in_child([&] { return call_faulty(faulty_path("hang"), ""); },
                             std::chrono::milliseconds(500));
  EXPECT_TRUE(hang.timed_out);
  EXPECT_EQ(run("backend_error").exit_code, 10 + BNCONF_BACKEND_ERROR);
  EXPECT_EQ(run("nan_everywhere").exit_code, 0);
  EXPECT_EQ(run("bad_abi", "ABI version").exit_code, 100);
  EXPECT_EQ(run("null_table", "no backend").exit_code, 100);
  EXPECT_EQ(run("no_entry", "does not export").exit_code, 100);
}

}  // namespace

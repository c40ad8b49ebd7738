// Test-only backends that misbehave in one way each (BNCONF_FAULT=<what>, one of faults.def),
// for the runner's fault isolation: every case runs in a child process, and whatever a backend
// does there must end as a verdict for that case, never as the end of the run.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <stdexcept>
#include <thread>
#include <vector>

#include "bnconf/adapter.hpp"
#include "bnconf/version.h"

#ifndef BNCONF_FAULT
#error "BNCONF_FAULT must name a bnconf::faulty::Fault"
#endif

#define BNCONF_STRINGIFY_(x) #x
#define BNCONF_STRINGIFY(x) BNCONF_STRINGIFY_(x)

namespace bnconf::faulty {

enum class Fault {
#define BNCONF_FAULT_KIND(name, what) name,
#include "faults.def"
#undef BNCONF_FAULT_KIND
};
inline constexpr Fault kFault = Fault::BNCONF_FAULT;

bnconf_capabilities all_capabilities() {
  return bnconf::adapter::full_capabilities((1u << BNCONF_F64) | (1u << BNCONF_F32) |
                                            (1u << BNCONF_F16) | (1u << BNCONF_BF16));
}

// Stores through a null pointer. Both volatile: the compiler can neither see that the pointer
// is null (and emit a trap instead) nor drop the store as dead.
void null_store() {
  volatile int* volatile target = nullptr;
  *target = 1;
}

// The load-time kinds: a constructor that runs when the library is loaded (dlopen(3)).
__attribute__((constructor)) void on_load() {
  if constexpr (kFault == Fault::crash_on_load) {
    null_store();
  } else if constexpr (kFault == Fault::hang_on_load) {
    for (;;) ::sleep(1000);
  } else if constexpr (kFault == Fault::linger) {
    std::thread([] {
      for (;;) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }).detach();
    std::atexit([] {
      for (;;) ::sleep(1000);
    });
  }
}

// 3 GiB into every descriptor open for writing on a pipe, stdout and stderr excepted.
void flood_pipes() {
  static const std::vector<char> block(1 << 20, 'x');
  for (int fd = 3; fd < 1024; ++fd) {
    struct stat info {};
    const int flags = ::fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY || ::fstat(fd, &info) != 0 ||
        !S_ISFIFO(info.st_mode)) {
      continue;
    }
    for (int i = 0; i < 3072; ++i) {
      if (::write(fd, block.data(), block.size()) < 0) break;
    }
  }
}

// A process that outlives the call holding every descriptor of this one.
void fork_and_linger() {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::sleep(3600);
    ::_exit(0);
  }
  if (const char* file = std::getenv("BNCONF_TEST_PID_FILE"); file && pid > 0) {
    if (FILE* out = std::fopen(file, "a")) {
      std::fprintf(out, "%d\n", static_cast<int>(pid));
      std::fclose(out);
    }
  }
}

void eat_memory() {
  std::vector<std::unique_ptr<char[]>> blocks;
  for (;;) {
    blocks.emplace_back(new char[64 << 20]);
    std::memset(blocks.back().get(), 1, 64 << 20);
  }
}

void burn_cpu() {
  std::atomic<unsigned long> counter{0};
  for (;;) counter.fetch_add(1, std::memory_order_relaxed);
}

// Text no report may pass through raw: invalid UTF-8 (a lone continuation byte, an overlong
// form, a surrogate, a truncated sequence), C0 controls and ESC, and XML markup.
constexpr const char* kBadText =
    "bad \x80 \xC0\xAF \xED\xA0\x80 \x01\x02\x1B[31m <tag attr=\"&amp;\"> ]]> \xF0\x9F";

// The fault of the process-killing kinds; returns for the others.
void misbehave() {
  if constexpr (kFault == Fault::segfault) {
    null_store();
  } else if constexpr (kFault == Fault::abort) {
    std::abort();
  } else if constexpr (kFault == Fault::hang) {
    for (;;) ::sleep(1000);
  } else if constexpr (kFault == Fault::backend_error) {
    // The helper turns this into BNCONF_BACKEND_ERROR with the message.
    throw std::runtime_error("faulty backend: simulated internal error (device lost)");
  } else if constexpr (kFault == Fault::flood_result_pipe) {
    flood_pipes();
  } else if constexpr (kFault == Fault::fork_holding_pipe) {
    fork_and_linger();
  } else if constexpr (kFault == Fault::eat_memory) {
    eat_memory();
  } else if constexpr (kFault == Fault::burn_cpu) {
    burn_cpu();
  } else if constexpr (kFault == Fault::bad_text) {
    throw std::runtime_error(kBadText);
  }
}

// The kinds that misuse the output y of a call that otherwise returns normally.
void misuse_output(const bnconf_tensor& x, void* out) {
  if (!out) return;
  if constexpr (kFault == Fault::write_before_output) {
    std::memset(static_cast<char*>(out) - 4096, 0, 8);
  } else if constexpr (kFault == Fault::write_after_return) {
    const std::size_t bytes = adapter::element_count(x) * (x.dtype == BNCONF_F64   ? 8
                                                           : x.dtype == BNCONF_F32 ? 4
                                                                                   : 2);
    std::thread([out, bytes] {
      const auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(200);
      while (std::chrono::steady_clock::now() < end) {
        std::memset(out, 0, bytes);
      }
    }).detach();
  }
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void fill_nan(const bnconf_tensor& like, void* out) {
  if (!out || kFault == Fault::unwritten_output) return;
  adapter::store_from_double(std::vector<double>(adapter::element_count(like), kNaN),
                             static_cast<bnconf_dtype>(like.dtype), out);
}

void fill_nan(bnconf_vector_out out) {
  if (!out.data || kFault == Fault::unwritten_output) return;
  for (std::int64_t i = 0; i < out.length; ++i) out.data[i] = kNaN;
}

class FaultyBackend final : public adapter::Backend {
 public:
  const char* name() const override {
    return kFault == Fault::bad_text ? kBadText : "faulty_" BNCONF_STRINGIFY(BNCONF_FAULT);
  }
  const char* version() const override {
    return kFault == Fault::bad_text ? kBadText : BNCONF_VERSION;
  }
  bnconf_capabilities capabilities() const override {
    if constexpr (kFault == Fault::crash_in_capabilities) null_store();
    return all_capabilities();
  }

  void forward_train(const bnconf_params&, const bnconf_tensor& x, const bnconf_vector&,
                     const bnconf_vector&, const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out* running_out) override {
    misbehave();
    fill_nan(x, y.data);
    misuse_output(x, y.data);
    fill_nan(batch_mean);
    fill_nan(batch_var);
    fill_nan(saved_invstd);
    if (running_out) {
      fill_nan(running_out->mean);
      fill_nan(running_out->var);
      running_out->num_batches_tracked = running_in ? running_in->num_batches_tracked + 1 : 1;
    }
  }

  void forward_eval(const bnconf_params&, const bnconf_tensor& x, const bnconf_vector&,
                    const bnconf_vector&, const bnconf_running*, bnconf_tensor_out y) override {
    misbehave();
    fill_nan(x, y.data);
    misuse_output(x, y.data);
  }

  void backward_train(const bnconf_params&, const bnconf_tensor& x, const bnconf_tensor&,
                      const bnconf_vector&, bnconf_tensor_out dx, bnconf_vector_out dweight,
                      bnconf_vector_out dbias) override {
    misbehave();
    fill_nan(x, dx.data);
    fill_nan(dweight);
    fill_nan(dbias);
  }

  void backward_eval(const bnconf_params&, const bnconf_tensor& x, const bnconf_tensor&,
                     const bnconf_vector&, const bnconf_running*, bnconf_tensor_out dx,
                     bnconf_vector_out dweight, bnconf_vector_out dbias) override {
    misbehave();
    fill_nan(x, dx.data);
    fill_nan(dweight);
    fill_nan(dbias);
  }
};

// throw_through_c: entry points written against the C header directly, without the helper's
// exception guard. A C entry point is a noexcept boundary (as unwinding into C frames would
// be): the exception ends in std::terminate, which aborts the child process.
namespace throwing {

[[noreturn]] __attribute__((noinline)) void fail() {
  throw std::runtime_error("faulty backend: C++ exception escaping a C entry point");
}

void capabilities(bnconf_capabilities* out) noexcept { *out = all_capabilities(); }

bnconf_status forward_train(const bnconf_params*, const bnconf_tensor*, bnconf_vector,
                            bnconf_vector, const bnconf_running*, bnconf_tensor_out,
                            bnconf_vector_out, bnconf_vector_out, bnconf_vector_out,
                            bnconf_running_out*, bnconf_message) noexcept {
  fail();
}

bnconf_status forward_eval(const bnconf_params*, const bnconf_tensor*, bnconf_vector, bnconf_vector,
                           const bnconf_running*, bnconf_tensor_out, bnconf_message) noexcept {
  fail();
}

bnconf_status backward_train(const bnconf_params*, const bnconf_tensor*, const bnconf_tensor*,
                             bnconf_vector, bnconf_tensor_out, bnconf_vector_out, bnconf_vector_out,
                             bnconf_message) noexcept {
  fail();
}

bnconf_status backward_eval(const bnconf_params*, const bnconf_tensor*, const bnconf_tensor*,
                            bnconf_vector, const bnconf_running*, bnconf_tensor_out,
                            bnconf_vector_out, bnconf_vector_out, bnconf_message) noexcept {
  fail();
}

const bnconf_backend_v1 kTable = {
    BNCONF_ABI_VERSION,
    sizeof(bnconf_backend_v1),
    "faulty_throw_through_c",
    BNCONF_VERSION,
    capabilities,
    forward_train,
    forward_eval,
    backward_train,
    backward_eval,
};

}  // namespace throwing

const bnconf_backend_v1* entry() {
  if constexpr (kFault == Fault::throw_through_c) {
    return &throwing::kTable;
  } else if constexpr (kFault == Fault::null_table) {
    return nullptr;
  } else if constexpr (kFault == Fault::short_table) {
    static const bnconf_backend_v1 table = [] {
      bnconf_backend_v1 t = *adapter::detail::table_of<FaultyBackend>();
      t.struct_size = 16;
      return t;
    }();
    return &table;
  } else if constexpr (kFault == Fault::bad_abi) {
    static const bnconf_backend_v1 table = [] {
      bnconf_backend_v1 t = *adapter::detail::table_of<FaultyBackend>();
      t.abi_version = 99;
      return t;
    }();
    return &table;
  } else {
    return adapter::detail::table_of<FaultyBackend>();
  }
}

}  // namespace bnconf::faulty

#define BNCONF_EXPORTED extern "C" __attribute__((visibility("default")))

#if BNCONF_FAULT_NO_ENTRY
// Exported under a wrong name: dlsym(BNCONF_BACKEND_V1_ENTRY) must fail.
BNCONF_EXPORTED const bnconf_backend_v1* bnconf_backend_entry(void) {
  return bnconf::faulty::entry();
}
#else
BNCONF_EXPORTED const bnconf_backend_v1* bnconf_backend_v1_entry(void) {
  return bnconf::faulty::entry();
}
#endif

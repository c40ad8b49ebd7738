// Test-only backends that misbehave in one way each (BNCONF_FAULT=<what>, one of faults.def),
// for the runner's fault isolation: every case runs in a child process, and whatever a backend
// does there must end as a verdict for that case, never as the end of the run.
#include <unistd.h>

#include <cstdlib>
#include <limits>
#include <stdexcept>
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

// The fault of the process-killing kinds; returns for the others.
void misbehave() {
  if constexpr (kFault == Fault::segfault) {
    // Both volatile: the compiler can neither see that the pointer is null (and emit a trap
    // instead) nor drop the store as dead.
    volatile int* volatile target = nullptr;
    *target = 1;
  } else if constexpr (kFault == Fault::abort) {
    std::abort();
  } else if constexpr (kFault == Fault::hang) {
    for (;;) ::sleep(1000);
  } else if constexpr (kFault == Fault::backend_error) {
    // The helper turns this into BNCONF_BACKEND_ERROR with the message.
    throw std::runtime_error("faulty backend: simulated internal error (device lost)");
  }
}

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void fill_nan(const bnconf_tensor& like, void* out) {
  if (!out) return;
  adapter::store_from_double(std::vector<double>(adapter::element_count(like), kNaN),
                             static_cast<bnconf_dtype>(like.dtype), out);
}

void fill_nan(bnconf_vector_out out) {
  if (!out.data) return;
  for (std::int64_t i = 0; i < out.length; ++i) out.data[i] = kNaN;
}

class FaultyBackend final : public adapter::Backend {
 public:
  const char* name() const override { return "faulty_" BNCONF_STRINGIFY(BNCONF_FAULT); }
  const char* version() const override { return BNCONF_VERSION; }
  bnconf_capabilities capabilities() const override { return all_capabilities(); }

  void forward_train(const bnconf_params&, const bnconf_tensor& x, const bnconf_vector&,
                     const bnconf_vector&, const bnconf_running* running_in, bnconf_tensor_out y,
                     bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                     bnconf_vector_out saved_invstd, bnconf_running_out* running_out) override {
    misbehave();
    fill_nan(x, y.data);
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

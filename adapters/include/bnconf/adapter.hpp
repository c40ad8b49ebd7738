// C++ helper for writing a bnconf backend: derive from bnconf::adapter::Backend, override the
// operations you support, and export it with BNCONF_EXPORT_BACKEND(YourClass). Exceptions never
// cross the C ABI: Unsupported and InvalidArgument map to their status codes, anything else to
// BNCONF_BACKEND_ERROR, each with its message.
#pragma once

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "bnconf/adapter.h"

namespace bnconf::adapter {

// Throw from an operation: the case is reported unsupported, not failed.
struct Unsupported : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// Throw from an operation on invalid input (the right answer to the errors tier).
struct InvalidArgument : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Capabilities declaring everything ABI v1 offers (every layout, rank 2..5, operation,
// convention, estimator and feature) for the dtypes in `dtypes` (bit 1 << bnconf_dtype each).
bnconf_capabilities full_capabilities(std::uint32_t dtypes);

// Element count of a tensor (product of its shape).
std::size_t element_count(const bnconf_tensor& tensor);
// Channel count C = shape[1] (0 for rank < 2).
std::size_t channel_count(const bnconf_tensor& tensor);
// Storage offset of logical index `index` (rank entries) in the tensor's layout (for a strided
// view: storage_offset + index . strides).
std::size_t storage_offset(const bnconf_tensor& tensor, const std::int64_t* index);

// The tensor's elements as float / double in storage order (f16 and bf16 decoded); for a
// strided view (BNCONF_STRIDED) in channels-first order, as a dense copy would hold them.
std::vector<float> load_as_float(const bnconf_tensor& tensor);
std::vector<double> load_as_double(const bnconf_tensor& tensor);

// A dense channels-first copy of a strided view (BNCONF_STRIDED), its elements' bytes kept in
// `storage`; any other tensor is returned as it is. What a backend that computes on dense
// memory does with a non-contiguous input (PyTorch's .contiguous()).
bnconf_tensor dense_copy(const bnconf_tensor& tensor, std::vector<unsigned char>& storage);
// Writes values (storage order) into out, encoded in `dtype` (rounded to nearest even).
void store_from_float(const std::vector<float>& values, bnconf_dtype dtype, void* out);
void store_from_double(const std::vector<double>& values, bnconf_dtype dtype, void* out);

// Channel of every storage offset: for channels-first (and the channels-first order in which
// strided views are loaded) (offset / inner) % C, for channels-last offset % C.
std::size_t channel_of(const bnconf_tensor& tensor, std::size_t offset);

// Throws InvalidArgument with a PyTorch-style message unless the call's shapes and parameters
// are valid (rank 2..5, vector lengths equal to C, one value per channel only when legal, eps
// and momentum in range, running statistics present exactly when tracking, dy shaped like x).
void validate(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor* dy,
              const bnconf_vector& weight, const bnconf_vector& bias, const bnconf_running* running,
              bool training);

// The operation a call is, for validate_call.
enum class Entry { forward_train, forward_eval, backward_train, backward_eval };

// Every check a backend makes before computing, so that the errors tier gets
// BNCONF_INVALID_ARGUMENT wherever the reference rejects the call: what the ABI header leaves
// open (rank, negative extents, unknown layout or dtype, negative strides or storage offset of a
// strided view, elements without data, vectors with a
// negative length or without data, unknown momentum convention or estimator), validate's
// PyTorch-style checks, and what validate leaves to the caller (weight and bias empty without
// affine, running statistics absent when not tracking and present for a tracked training step,
// num_batches_tracked >= 0, dy in x's dtype). dy is null for the forward entries; the backward
// entries have no bias and pass an empty vector.
void validate_call(const bnconf_params& params, const bnconf_tensor& x, const bnconf_tensor* dy,
                   const bnconf_vector& weight, const bnconf_vector& bias,
                   const bnconf_running* running, Entry entry);

// Throws std::invalid_argument when an output activation with elements has no buffer.
void check_output(const bnconf_tensor& x, const void* out, const char* name);

class Backend {
 public:
  virtual ~Backend() = default;
  virtual const char* name() const = 0;
  virtual const char* version() const = 0;
  virtual bnconf_capabilities capabilities() const = 0;

  virtual void forward_train(const bnconf_params&, const bnconf_tensor& /*x*/,
                             const bnconf_vector& /*weight*/, const bnconf_vector& /*bias*/,
                             const bnconf_running* /*running_in*/, bnconf_tensor_out /*y*/,
                             bnconf_vector_out /*batch_mean*/, bnconf_vector_out /*batch_var*/,
                             bnconf_vector_out /*saved_invstd*/,
                             bnconf_running_out* /*running_out*/) {
    throw Unsupported("this backend has no forward_train");
  }
  virtual void forward_eval(const bnconf_params&, const bnconf_tensor& /*x*/,
                            const bnconf_vector& /*weight*/, const bnconf_vector& /*bias*/,
                            const bnconf_running* /*running*/, bnconf_tensor_out /*y*/) {
    throw Unsupported("this backend has no forward_eval");
  }
  virtual void backward_train(const bnconf_params&, const bnconf_tensor& /*x*/,
                              const bnconf_tensor& /*dy*/, const bnconf_vector& /*weight*/,
                              bnconf_tensor_out /*dx*/, bnconf_vector_out /*dweight*/,
                              bnconf_vector_out /*dbias*/) {
    throw Unsupported("this backend has no backward_train");
  }
  virtual void backward_eval(const bnconf_params&, const bnconf_tensor& /*x*/,
                             const bnconf_tensor& /*dy*/, const bnconf_vector& /*weight*/,
                             const bnconf_running* /*running*/, bnconf_tensor_out /*dx*/,
                             bnconf_vector_out /*dweight*/, bnconf_vector_out /*dbias*/) {
    throw Unsupported("this backend has no backward_eval");
  }
};

namespace detail {

// Runs `body`, turning exceptions into a status and message.
template <class Body>
bnconf_status guarded(bnconf_message message, Body&& body) noexcept {
  auto say = [&](const char* text) {
    if (message.text && message.size > 0) {
      std::strncpy(message.text, text, message.size - 1);
      message.text[message.size - 1] = '\0';
    }
  };
  try {
    body();
    return BNCONF_OK;
  } catch (const Unsupported& e) {
    say(e.what());
    return BNCONF_UNSUPPORTED;
  } catch (const InvalidArgument& e) {
    say(e.what());
    return BNCONF_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    say(e.what());
    return BNCONF_BACKEND_ERROR;
  } catch (...) {
    say("unknown C++ exception");
    return BNCONF_BACKEND_ERROR;
  }
}

// The C table of a Backend instance of type T (one per process).
template <class T>
const bnconf_backend_v1* table_of() {
  static T backend;
  static const bnconf_backend_v1 table = {
      BNCONF_ABI_VERSION,
      sizeof(bnconf_backend_v1),
      backend.name(),
      backend.version(),
      [](bnconf_capabilities* out) { *out = backend.capabilities(); },
      [](const bnconf_params* p, const bnconf_tensor* x, bnconf_vector w, bnconf_vector b,
         const bnconf_running* r, bnconf_tensor_out y, bnconf_vector_out m, bnconf_vector_out v,
         bnconf_vector_out s, bnconf_running_out* ro, bnconf_message msg) {
        return guarded(msg, [&] { backend.forward_train(*p, *x, w, b, r, y, m, v, s, ro); });
      },
      [](const bnconf_params* p, const bnconf_tensor* x, bnconf_vector w, bnconf_vector b,
         const bnconf_running* r, bnconf_tensor_out y, bnconf_message msg) {
        return guarded(msg, [&] { backend.forward_eval(*p, *x, w, b, r, y); });
      },
      [](const bnconf_params* p, const bnconf_tensor* x, const bnconf_tensor* dy, bnconf_vector w,
         bnconf_tensor_out dx, bnconf_vector_out dw, bnconf_vector_out db, bnconf_message msg) {
        return guarded(msg, [&] { backend.backward_train(*p, *x, *dy, w, dx, dw, db); });
      },
      [](const bnconf_params* p, const bnconf_tensor* x, const bnconf_tensor* dy, bnconf_vector w,
         const bnconf_running* r, bnconf_tensor_out dx, bnconf_vector_out dw, bnconf_vector_out db,
         bnconf_message msg) {
        return guarded(msg, [&] { backend.backward_eval(*p, *x, *dy, w, r, dx, dw, db); });
      },
  };
  return &table;
}

}  // namespace detail
}  // namespace bnconf::adapter

// Exports T as this shared library's backend.
#define BNCONF_EXPORT_BACKEND(T)                                             \
  extern "C" __attribute__((visibility("default"))) const bnconf_backend_v1* \
  bnconf_backend_v1_entry(void) {                                            \
    return ::bnconf::adapter::detail::table_of<T>();                         \
  }

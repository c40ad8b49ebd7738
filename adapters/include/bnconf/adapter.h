/* bnconf backend adapter ABI, version 1.
 *
 * A backend is a shared library exporting one C function,
 *
 *     const bnconf_backend_v1* bnconf_backend_v1_entry(void);
 *
 * that returns a table of function pointers valid for the life of the process. Any compiler or
 * language that can export a C function can implement it; C++ backends can use the helper in
 * bnconf/adapter.hpp instead. docs/adapter-guide.md walks through writing one.
 *
 * Conventions
 * - Activations (x, dy, y, dx) are dense tensors of logical shape (N, C, spatial...) stored in
 *   the memory order of their layout (channels-first: N, C, D, H, W; channels-last: N, D, H, W,
 *   C), with elements in the tensor's dtype: double (f64), float (f32), IEEE binary16 bits
 *   (f16, uint16_t) or bfloat16 bits (bf16, uint16_t).
 * - Per-channel vectors (weight, bias, running statistics, batch statistics, weight gradients)
 *   are double, whatever the dtype. Inputs are exactly representable in the dtype; a backend
 *   narrows them without loss. Vectors that do not apply have data == NULL and length 0.
 * - Inputs are const and must not be written. Outputs are separate buffers of exactly the
 *   announced size; the runner places guard bytes around them and checks both rules.
 * - A call returns BNCONF_OK, BNCONF_UNSUPPORTED (the backend cannot do this case: not a
 *   failure), BNCONF_INVALID_ARGUMENT (the input is invalid: the expected answer for cases of
 *   the errors tier) or BNCONF_BACKEND_ERROR (anything else), and may write a NUL-terminated
 *   explanation into message (at most message_size bytes).
 * - The runner calls a backend from one thread at a time, in a child process per case.
 * - Versioning: fields are only ever appended; every struct but bnconf_tensor starts with
 *   struct_size so that both sides can tell which fields the other knows. bnconf_tensor's
 *   appended fields are read only for a layout value that a backend must declare support for.
 */
#ifndef BNCONF_ADAPTER_H
#define BNCONF_ADAPTER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BNCONF_ABI_VERSION 1
#define BNCONF_MAX_RANK 8

typedef enum bnconf_status {
  BNCONF_OK = 0,
  BNCONF_UNSUPPORTED = 1,
  BNCONF_INVALID_ARGUMENT = 2,
  BNCONF_BACKEND_ERROR = 3
} bnconf_status;

typedef enum bnconf_dtype {
  BNCONF_F64 = 0,
  BNCONF_F32 = 1,
  BNCONF_F16 = 2,
  BNCONF_BF16 = 3
} bnconf_dtype;

typedef enum bnconf_layout {
  BNCONF_CHANNELS_FIRST = 0,
  BNCONF_CHANNELS_LAST = 1,
  /* Appended: an input given as a strided view (BNCONF_FEATURE_STRIDED); see bnconf_tensor. */
  BNCONF_STRIDED = 2
} bnconf_layout;

typedef enum bnconf_momentum_convention {
  BNCONF_WEIGHTS_BATCH = 0,  /* new = (1 - m) old + m batch   (PyTorch, cuDNN, TF) */
  BNCONF_WEIGHTS_RUNNING = 1 /* new = m old + (1 - m) batch   (ONNX, Keras) */
} bnconf_momentum_convention;

typedef enum bnconf_var_estimator {
  BNCONF_VAR_UNBIASED = 0,         /* / (M - 1) */
  BNCONF_VAR_UNBIASED_CLAMPED = 1, /* / max(M - 1, 1) */
  BNCONF_VAR_POPULATION = 2        /* / M */
} bnconf_var_estimator;

/* Capability bits. */
#define BNCONF_OP_FORWARD_TRAIN (1u << 0)
#define BNCONF_OP_FORWARD_EVAL (1u << 1)
#define BNCONF_OP_BACKWARD_TRAIN (1u << 2)
#define BNCONF_OP_BACKWARD_EVAL (1u << 3)

#define BNCONF_FEATURE_RUNNING_STATS (1u << 0)   /* updates running statistics in forward_train */
#define BNCONF_FEATURE_SAVED_STATS (1u << 1)     /* returns batch mean, var and saved invstd */
#define BNCONF_FEATURE_MOMENTUM_NONE (1u << 2)   /* cumulative average (momentum none) */
#define BNCONF_FEATURE_NO_AFFINE (1u << 3)       /* affine = 0 */
#define BNCONF_FEATURE_UNTRACKED (1u << 4)       /* track_running_stats = 0 */
#define BNCONF_FEATURE_VALIDATES_INPUT (1u << 5) /* rejects invalid input (errors tier) */
/* Normalises with given running statistics in forward_eval and backward_eval without keeping
 * any itself (oneDNN's global statistics): implied by RUNNING_STATS. A backend with GLOBAL_STATS
 * but not RUNNING_STATS is judged on y and the batch statistics of training cases that track
 * running statistics; their running outputs are reported as not checked. */
#define BNCONF_FEATURE_GLOBAL_STATS (1u << 6)
/* Appended: accepts x and dy as strided views with a storage offset (layout BNCONF_STRIDED, a
 * non-contiguous tensor such as a slice of a larger one). Outputs of such a call are dense and
 * channels-first. Without it, cases with strided inputs are unsupported. */
#define BNCONF_FEATURE_STRIDED (1u << 7)

typedef struct bnconf_capabilities {
  uint32_t struct_size;
  uint32_t dtypes;      /* bit (1 << bnconf_dtype) per supported dtype */
  uint32_t layouts;     /* bit (1 << bnconf_layout) per supported layout */
  uint32_t ranks;       /* bit (1 << r) per supported rank r */
  uint32_t operations;  /* BNCONF_OP_* */
  uint32_t conventions; /* bit (1 << bnconf_momentum_convention) */
  uint32_t estimators;  /* bit (1 << bnconf_var_estimator) */
  uint32_t features;    /* BNCONF_FEATURE_* */
} bnconf_capabilities;

/* The configuration of one call. */
typedef struct bnconf_params {
  uint32_t struct_size;
  double eps;
  double momentum;             /* ignored when momentum_none */
  int32_t momentum_none;       /* 1: m = 1 / num_batches_tracked after the increment */
  int32_t momentum_convention; /* bnconf_momentum_convention */
  int32_t var_estimator;       /* bnconf_var_estimator, for the running variance */
  int32_t affine;              /* 0: gamma = 1, beta = 0, weight and bias absent */
  int32_t track_running_stats; /* 0: batch statistics in every mode, running stats absent */
} bnconf_params;

typedef struct bnconf_tensor {
  const void* data;
  int32_t rank;
  int64_t shape[BNCONF_MAX_RANK]; /* logical (N, C, spatial...) */
  int32_t layout;                 /* bnconf_layout */
  int32_t dtype;                  /* bnconf_dtype */
  /* Appended fields, read only when layout == BNCONF_STRIDED (a backend that does not declare
   * BNCONF_FEATURE_STRIDED never sees that layout): logical element (i0, i1, ...) is at
   * ((const T*)data)[storage_offset + i0 * strides[0] + i1 * strides[1] + ...]; strides and
   * offset count elements, strides >= 0. Elements between those positions are not the
   * tensor's and must not be read as its values nor written. */
  int64_t strides[BNCONF_MAX_RANK];
  int64_t storage_offset;
} bnconf_tensor;

typedef struct bnconf_tensor_out {
  void* data; /* same shape, layout and dtype as x (channels-first when x is strided) */
} bnconf_tensor_out;

typedef struct bnconf_vector {
  const double* data;
  int64_t length;
} bnconf_vector;

typedef struct bnconf_vector_out {
  double* data;
  int64_t length;
} bnconf_vector_out;

typedef struct bnconf_running {
  bnconf_vector mean;
  bnconf_vector var;
  int64_t num_batches_tracked;
} bnconf_running;

typedef struct bnconf_running_out {
  bnconf_vector_out mean;
  bnconf_vector_out var;
  int64_t num_batches_tracked;
} bnconf_running_out;

typedef struct bnconf_message {
  char* text;
  size_t size;
} bnconf_message;

typedef struct bnconf_backend_v1 {
  uint32_t abi_version; /* BNCONF_ABI_VERSION */
  uint32_t struct_size;
  const char* name;
  const char* version;
  void (*capabilities)(bnconf_capabilities* out);

  /* Training forward: y, batch statistics (when FEATURE_SAVED_STATS: batch_mean, biased
   * batch_var, saved_invstd), and, when tracking, updated running statistics in running_out
   * (running_in is NULL when not tracking). */
  bnconf_status (*forward_train)(const bnconf_params* params, const bnconf_tensor* x,
                                 bnconf_vector weight, bnconf_vector bias,
                                 const bnconf_running* running_in, bnconf_tensor_out y,
                                 bnconf_vector_out batch_mean, bnconf_vector_out batch_var,
                                 bnconf_vector_out saved_invstd, bnconf_running_out* running_out,
                                 bnconf_message message);

  /* Inference forward with running statistics (NULL when not tracking: batch statistics). */
  bnconf_status (*forward_eval)(const bnconf_params* params, const bnconf_tensor* x,
                                bnconf_vector weight, bnconf_vector bias,
                                const bnconf_running* running, bnconf_tensor_out y,
                                bnconf_message message);

  /* Gradients through batch statistics. dweight and dbias have length 0 when !affine. */
  bnconf_status (*backward_train)(const bnconf_params* params, const bnconf_tensor* x,
                                  const bnconf_tensor* dy, bnconf_vector weight,
                                  bnconf_tensor_out dx, bnconf_vector_out dweight,
                                  bnconf_vector_out dbias, bnconf_message message);

  /* Gradients with frozen running statistics (NULL when not tracking: as backward_train). */
  bnconf_status (*backward_eval)(const bnconf_params* params, const bnconf_tensor* x,
                                 const bnconf_tensor* dy, bnconf_vector weight,
                                 const bnconf_running* running, bnconf_tensor_out dx,
                                 bnconf_vector_out dweight, bnconf_vector_out dbias,
                                 bnconf_message message);
} bnconf_backend_v1;

typedef const bnconf_backend_v1* (*bnconf_backend_v1_entry_fn)(void);
#define BNCONF_BACKEND_V1_ENTRY "bnconf_backend_v1_entry"

#ifdef __cplusplus
}
#endif

#endif /* BNCONF_ADAPTER_H */

// BatchNorm kernels of the bnconf OpenCL backend (OpenCL C 1.2).
//
// Compiled once per storage dtype with one of -DBN_F64, -DBN_F32, -DBN_F16, -DBN_BF16. acc_t is
// the working precision: double for f64, float otherwise (f16 and bf16 are storage formats only:
// loaded into float, computed in float, rounded back to nearest even when stored).
//
// An activation is seen as (N, C, S), S the product of the spatial extents, M = N * S values per
// channel. Channels-first storage is [N][C][S], channels-last [N*S][C]; the reduction index
// i = n * S + s of channel c lives at ((i / S) * C + c) * S + i % S or at i * C + c.
//
// Reductions run one work-group per channel: each work-item sums the elements i = lid,
// lid + WG, ... sequentially, then the WG partial sums are combined by a tree in local memory
// (log2(WG) levels), so the error grows like (M / WG + log2 WG) * u rather than M * u.
//
// Per-channel buffers (acc_t):
//   stats[3C]: batch mean (c), biased variance (C + c), inverse std (2C + c)
//   coef[4C]:  c0, c1, a, b with y = ((x - c0) - c1) * a + b
//   grad[2C]:  dweight (c), dbias (C + c);  gcoef[3C]: a, b, k of the input gradient

#if defined(BN_F64)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double acc_t;
#define STORE_T double
#define LOAD(p, i) ((p)[i])
#define STORE(p, i, v) ((p)[i] = (v))
#elif defined(BN_F32)
typedef float acc_t;
#define STORE_T float
#define LOAD(p, i) ((p)[i])
#define STORE(p, i, v) ((p)[i] = (v))
#elif defined(BN_F16)
// vload_half / vstore_half_rte are core OpenCL: half storage needs no cl_khr_fp16 when the
// arithmetic is done in float.
typedef float acc_t;
#define STORE_T half
#define LOAD(p, i) vload_half((i), (p))
#define STORE(p, i, v) vstore_half_rte((v), (i), (p))
#elif defined(BN_BF16)
typedef float acc_t;
#define STORE_T ushort
#define LOAD(p, i) as_float(((uint)(p)[i]) << 16)
#define STORE(p, i, v) ((p)[i] = bf16_from_float(v))

// bfloat16 is the upper half of a float: round to nearest even by adding 0x7FFF plus the lowest
// kept bit (a carry into the exponent gives the right power of two or infinity); NaN stays a
// quiet NaN of the same sign.
inline ushort bf16_from_float(float v) {
  uint bits = as_uint(v);
  if (isnan(v)) return (ushort)((bits >> 16) | 0x40u);
  bits += 0x7FFFu + ((bits >> 16) & 1u);
  return (ushort)(bits >> 16);
}
#else
#error "define one of BN_F64, BN_F32, BN_F16, BN_BF16"
#endif

// Storage offset of value i (= n * S + s) of channel c.
inline ulong reduction_offset(ulong i, ulong c, ulong C, ulong S, int last) {
  return last ? i * C + c : ((i / S) * C + c) * S + i % S;
}

// Channel of storage offset g.
inline ulong channel_at(ulong g, ulong C, ulong S, int last) { return last ? g % C : (g / S) % C; }

// Offset in the other layout of the element at offset g (dy may come in the other layout).
inline ulong other_layout_offset(ulong g, ulong C, ulong S, int from_last) {
  if (from_last) {
    const ulong i = g / C, c = g % C;  // i = n * S + s
    return ((i / S) * C + c) * S + i % S;
  }
  const ulong s = g % S, c = (g / S) % C, n = g / (S * C);
  return (n * S + s) * C + c;
}

// Sum of every work-item's v: a tree over local memory (the work-group size is a power of two).
// Every work-item gets the total; the trailing barrier lets the caller reuse scratch.
inline acc_t tree_sum(__local acc_t* scratch, acc_t v) {
  const uint lid = get_local_id(0);
  scratch[lid] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (uint stride = get_local_size(0) / 2; stride > 0; stride >>= 1) {
    if (lid < stride) scratch[lid] += scratch[lid + stride];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  const acc_t total = scratch[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return total;
}

// Batch statistics of channel get_group_id(0), by the corrected two-pass algorithm (Chan, Golub
// and LeVeque 1983): centre = sum(x) / M, d = x - centre, then
//   mean = centre + sum(d) / M,   M * var = sum(d^2) - sum(d)^2 / M   (biased variance),
// so that x - mean is never formed from a rounded mean and there is no E[x^2] - E[x]^2
// cancellation. invstd = 1 / sqrt(var + eps), 0 when var + eps == 0 (PyTorch's InvStd rule).
// Also writes the normalisation coefficients c0 = centre, c1 = sum(d) / M, a = gamma * invstd,
// b = beta.
__kernel void bn_batch_stats(__global const STORE_T* x, ulong C, ulong S, ulong M, int last,
                             acc_t eps, __global const acc_t* gamma, __global const acc_t* beta,
                             __global acc_t* stats, __global acc_t* coef,
                             __local acc_t* scratch) {
  const ulong c = get_group_id(0);
  const ulong wg = get_local_size(0);
  const acc_t count = (acc_t)M;

  acc_t partial = 0;
  for (ulong i = get_local_id(0); i < M; i += wg) partial += LOAD(x, reduction_offset(i, c, C, S, last));
  const acc_t centre = tree_sum(scratch, partial) / count;

  acc_t d1 = 0, d2 = 0;
  for (ulong i = get_local_id(0); i < M; i += wg) {
    const acc_t d = LOAD(x, reduction_offset(i, c, C, S, last)) - centre;
    d1 += d;
    d2 += d * d;
  }
  const acc_t sum_d = tree_sum(scratch, d1);
  const acc_t sum_d2 = tree_sum(scratch, d2);

  if (get_local_id(0) == 0) {
    const acc_t shift = sum_d / count;
    acc_t m2 = sum_d2 - sum_d * shift;
    if (m2 < 0) m2 = 0;  // rounding only; a comparison (not fmax) so that NaN stays NaN
    const acc_t var = m2 / count;
    const acc_t denom = var + eps;
    const acc_t invstd = denom == 0 ? (acc_t)0 : (acc_t)1 / sqrt(denom);
    // An infinite (or NaN) sum makes sum(d) NaN: the mean is then the sum's own value, as the
    // exact formula gives (one +inf: mean +inf, variance NaN).
    stats[c] = isfinite(centre) ? centre + shift : centre;
    stats[C + c] = var;
    stats[2 * C + c] = invstd;
    coef[4 * c] = centre;
    coef[4 * c + 1] = shift;
    coef[4 * c + 2] = gamma[c] * invstd;
    coef[4 * c + 3] = beta[c];
  }
}

// Normalisation with frozen running statistics, one work-item per channel:
// invstd = 1 / sqrt(running_var + eps) (no zero rule: IEEE gives inf), c0 = running_mean, c1 = 0.
__kernel void bn_frozen_coefficients(ulong C, acc_t eps, __global const acc_t* running_mean,
                                     __global const acc_t* running_var,
                                     __global const acc_t* gamma, __global const acc_t* beta,
                                     __global acc_t* stats, __global acc_t* coef) {
  const ulong c = get_global_id(0);
  const acc_t invstd = (acc_t)1 / sqrt(running_var[c] + eps);
  stats[2 * C + c] = invstd;
  coef[4 * c] = running_mean[c];
  coef[4 * c + 1] = 0;
  coef[4 * c + 2] = gamma[c] * invstd;
  coef[4 * c + 3] = beta[c];
}

// y = ((x - c0) - c1) * a + b, one work-item per element (offsets in x's layout).
__kernel void bn_normalize(__global const STORE_T* x, __global STORE_T* y, ulong C, ulong S,
                           int last, __global const acc_t* coef) {
  const ulong g = get_global_id(0);
  const ulong c = channel_at(g, C, S, last);
  const acc_t v = LOAD(x, g);
  STORE(y, g, ((v - coef[4 * c]) - coef[4 * c + 1]) * coef[4 * c + 2] + coef[4 * c + 3]);
}

// Weight gradients of channel get_group_id(0): D = sum(dy) (dbias) and
// G = invstd * sum(dy * ((x - c0) - c1)) (dweight), then the coefficients of
//   dx = a * ((dy - b) - ((x - c0) - c1) * k),   a = gamma * invstd,
// which through batch statistics are b = D / M and k = invstd * G / M
// (dx = gamma * invstd * (dy - mean(dy) - xhat * mean(dy * xhat)), xhat = (x - mean) * invstd),
// and with frozen statistics b = k = 0 (dx = dy * gamma * invstd).
__kernel void bn_backward_reduce(__global const STORE_T* x, __global const STORE_T* dy, ulong C,
                                 ulong S, ulong M, int x_last, int dy_last, int frozen,
                                 __global const acc_t* gamma, __global const acc_t* stats,
                                 __global const acc_t* coef, __global acc_t* grad,
                                 __global acc_t* gcoef, __local acc_t* scratch) {
  const ulong c = get_group_id(0);
  const ulong wg = get_local_size(0);
  const acc_t c0 = coef[4 * c], c1 = coef[4 * c + 1];

  acc_t sum_dy = 0, sum_dy_xc = 0;
  for (ulong i = get_local_id(0); i < M; i += wg) {
    const acc_t g = LOAD(dy, reduction_offset(i, c, C, S, dy_last));
    const acc_t v = LOAD(x, reduction_offset(i, c, C, S, x_last));
    sum_dy += g;
    sum_dy_xc += g * ((v - c0) - c1);
  }
  const acc_t d = tree_sum(scratch, sum_dy);
  const acc_t e = tree_sum(scratch, sum_dy_xc);

  if (get_local_id(0) == 0) {
    const acc_t invstd = stats[2 * C + c];
    const acc_t count = (acc_t)M;
    const acc_t g = invstd * e;
    grad[c] = g;
    grad[C + c] = d;
    gcoef[3 * c] = gamma[c] * invstd;
    gcoef[3 * c + 1] = frozen ? (acc_t)0 : d / count;
    gcoef[3 * c + 2] = frozen ? (acc_t)0 : invstd * (g / count);
  }
}

// dx, one work-item per element of dx (x's layout); dy is read in its own layout.
__kernel void bn_backward_apply(__global const STORE_T* x, __global const STORE_T* dy,
                                __global STORE_T* dx, ulong C, ulong S, int x_last, int dy_last,
                                int frozen, __global const acc_t* coef,
                                __global const acc_t* gcoef) {
  const ulong g = get_global_id(0);
  const ulong c = channel_at(g, C, S, x_last);
  const ulong gy = x_last == dy_last ? g : other_layout_offset(g, C, S, x_last);
  const acc_t a = gcoef[3 * c];
  const acc_t grad = LOAD(dy, gy);
  if (frozen) {
    // dx = dy * gamma / sqrt(running_var + eps) does not depend on x (an infinite x must not
    // turn it into NaN).
    STORE(dx, g, grad * a);
    return;
  }
  const acc_t centred = (LOAD(x, g) - coef[4 * c]) - coef[4 * c + 1];
  STORE(dx, g, a * ((grad - gcoef[3 * c + 1]) - centred * gcoef[3 * c + 2]));
}

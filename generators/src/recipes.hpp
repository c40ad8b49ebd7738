// Input recipes: how a case's tensors are drawn from its seed (generators/catalogue.json, key
// "data"). Every value is rounded to the case's dtype, so the reference computes on exactly
// the numbers a backend of that dtype receives.
//
//   x, dy:   {"kind": "normal", "offset": r, "std": s}   per channel std s*U(0.5, 2), mean
//                                                          r * std with a random sign
//            {"kind": "constant", "value": v}            channel c holds v * (1 + c / 4)
//            {"kind": "uniform", "low": a, "high": b}
//            {"kind": "mixed_magnitude", "min_exp": a, "max_exp": b}   +-(1 + U) * 2^k
//            {"kind": "near_max", "fraction": f}         +-f * max(dtype) * U(0.5, 1)
//            {"kind": "subnormal"}                       +-k * smallest subnormal, k in 1..64
//            {"kind": "sparse", "density": p}            normal values kept with probability p
//            optional "inject": [{"value": "nan" | "inf" | "-inf" | number, "element": k}]
//            (k: index in logical row-major order)
//   params:  {"kind": "random"} gamma = +-U(0.5, 2), beta = U(-1, 1); {"kind": "default"} 1, 0;
//            {"kind": "values", "weight": w, "bias": b} the same in every channel;
//            optional "weight_inject" / "bias_inject": [{"value": ..., "element": c}]
//   running: {"kind": "random"} mean N(0, 1), var U(0.5, 2), counter U{0..5} (or "count": n);
//            {"kind": "default"} 0, 1, 0; {"kind": "values", "mean": m, "var": v, "count": n}
#pragma once

#include <nlohmann/json.hpp>
#include <optional>

#include "bnconf/cases/case.hpp"
#include "bnconf/reference/batch_norm.hpp"

namespace bnconf::generators {

// Stream ids of the tensors of one case (the seed already differs between cases).
enum class TensorId : std::uint32_t {
  x = 1,
  dy = 2,
  params = 3,
  running = 4,
  x_eval = 5,
  channel_moments = 6,  // per-channel mean and std of normal data
  labels = 7,
  linear = 8,
  step_x = 100,  // + step index: the batch of sequence step k
};

// A tensor of `shape` drawn by `recipe`, rounded to `dtype`, in `layout`.
reference::Tensor draw_tensor(const nlohmann::ordered_json& recipe,
                              const std::vector<std::size_t>& shape, reference::Layout layout,
                              ieee::Dtype dtype, std::uint64_t seed, std::uint64_t stream);

reference::AffineParams draw_params(const nlohmann::ordered_json& recipe, std::size_t channels,
                                    ieee::Dtype dtype, std::uint64_t seed);

reference::RunningStats draw_running(const nlohmann::ordered_json& recipe, std::size_t channels,
                                     ieee::Dtype dtype, std::uint64_t seed);

}  // namespace bnconf::generators

// The data of the seed pipeline (bnconf/cases/seed_pipeline.hpp defines the training loop):
// drawn from the case's seed with the portable random streams.
#pragma once

#include <cstdint>

#include "bnconf/cases/seed_pipeline.hpp"
#include "bnconf/ieee/dtype.hpp"

namespace bnconf::generators {

// 1000 x 10 inputs, feature f drawn from N(5f - 20, (0.5 (f + 1))^2) and rounded to `dtype`;
// labels from a random linear teacher on the standardised features; BatchNorm1d's initial
// parameters and running statistics (PyTorch's); the linear layer from U(-1/sqrt(10), 1/sqrt(10))
// (PyTorch's nn.Linear default), rounded to `dtype`.
cases::PipelineData make_seed_pipeline_data(std::uint64_t seed, ieee::Dtype dtype);

}  // namespace bnconf::generators

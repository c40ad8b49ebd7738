// The seed example as a training scenario (operation "pipeline"): a 1000 x 10 input through
// BatchNorm1d(10), then a Linear(10 -> 5) layer with softmax cross-entropy, trained for a few
// epochs of mini-batch SGD that updates gamma, beta and the linear weights. BatchNorm is called
// through an engine: the reference for the expected trace, a backend under test otherwise.
//
// Fixed procedure (schema v1): mini-batches of 100 rows in row order, learning rate 0.1, plain
// SGD; after each epoch the mean mini-batch loss and the accuracy of the model in eval mode
// (running statistics) over all rows are recorded. exp and log are the portable ones of
// bnconf::ieee, so the trace is bit-reproducible.
#pragma once

#include <cstddef>
#include <vector>

#include "bnconf/cases/engine.hpp"

namespace bnconf::cases {

struct PipelineData {
  Array x;  // (rows, features)
  std::vector<int> labels;
  Affine batch_norm;                  // initial gamma, beta
  Running running;                    // initial running statistics
  std::vector<double> linear_weight;  // (classes, features), row-major
  std::vector<double> linear_bias;    // (classes)
};

struct PipelineTrace {
  std::vector<double> epoch_loss;
  std::vector<double> epoch_accuracy;
  Affine batch_norm;
  Running running;
  std::vector<double> linear_weight;
  std::vector<double> linear_bias;
};

inline constexpr std::size_t kPipelineRows = 1000;
inline constexpr std::size_t kPipelineFeatures = 10;
inline constexpr std::size_t kPipelineClasses = 5;
inline constexpr std::size_t kPipelineBatch = 100;
inline constexpr double kPipelineLearningRate = 0.1;

// spec.steps epochs; BatchNorm as spec says, through `engine`. Throws what the engine throws.
PipelineTrace train_seed_pipeline(const CaseSpec& spec, const PipelineData& data, Engine& engine);

}  // namespace bnconf::cases

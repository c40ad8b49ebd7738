#include "bnconf/cases/seed_pipeline.hpp"

#include <algorithm>
#include <stdexcept>

#include "bnconf/ieee/portable_exp.hpp"
#include "bnconf/ieee/portable_log.hpp"

namespace bnconf::cases {
namespace {

constexpr std::size_t kF = kPipelineFeatures;
constexpr std::size_t kK = kPipelineClasses;

// logits(i, k) = sum_f h(i, f) W(k, f) + b(k), summed in order f = 0, 1, ...
std::vector<double> logits_of(const Array& h, const std::vector<double>& w,
                              const std::vector<double>& b) {
  const std::size_t rows = h.shape[0];
  std::vector<double> logits(rows * kK);
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t k = 0; k < kK; ++k) {
      double sum = b[k];
      for (std::size_t f = 0; f < kF; ++f) sum += h.values[i * kF + f] * w[k * kF + f];
      logits[i * kK + k] = sum;
    }
  }
  return logits;
}

std::size_t argmax_row(const std::vector<double>& logits, std::size_t i) {
  const auto row = logits.begin() + static_cast<std::ptrdiff_t>(i * kK);
  return static_cast<std::size_t>(std::max_element(row, row + kK) - row);
}

// Rows [first, first + count) of a (rows, kF) array.
Array rows_of(const Array& x, std::size_t first, std::size_t count) {
  const auto begin = x.values.begin() + static_cast<std::ptrdiff_t>(first * kF);
  return Array{{count, kF},
               std::vector<double>(begin, begin + static_cast<std::ptrdiff_t>(count * kF))};
}

// Softmax cross-entropy of the rows of `logits` against `labels` from row `first` on: the mean
// loss, and d loss / d logits = (softmax - onehot) / rows into `dlogits`.
double softmax_cross_entropy(const std::vector<double>& logits, const std::vector<int>& labels,
                             std::size_t first, std::vector<double>& dlogits) {
  const std::size_t rows = logits.size() / kK;
  dlogits.assign(rows * kK, 0.0);
  double loss = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    const double top = logits[i * kK + argmax_row(logits, i)];
    double total = 0;
    for (std::size_t k = 0; k < kK; ++k) total += ieee::portable_exp(logits[i * kK + k] - top);
    const auto label = static_cast<std::size_t>(labels[first + i]);
    loss += top + ieee::portable_log(total) - logits[i * kK + label];
    for (std::size_t k = 0; k < kK; ++k) {
      const double p = ieee::portable_exp(logits[i * kK + k] - top) / total;
      dlogits[i * kK + k] = (p - (k == label ? 1.0 : 0.0)) / static_cast<double>(rows);
    }
  }
  return loss / static_cast<double>(rows);
}

// One SGD step on the mini-batch of rows [first, first + kPipelineBatch): BatchNorm forward
// (training), linear layer, loss, linear backward, BatchNorm backward, parameter updates.
// Returns the mini-batch's mean loss.
double sgd_step(const CaseSpec& spec, const PipelineData& data, std::size_t first, Engine& engine,
                PipelineTrace& trace) {
  const Array x = rows_of(data.x, first, kPipelineBatch);
  const TrainOutputs forward = engine.forward_train(spec, x, trace.batch_norm, trace.running);
  if (!forward.running) throw std::runtime_error("the pipeline needs running statistics");
  trace.running = *forward.running;
  std::vector<double> dlogits;
  const double loss = softmax_cross_entropy(
      logits_of(forward.y, trace.linear_weight, trace.linear_bias), data.labels, first, dlogits);
  // Linear backward: dW = dlogits^T h, db = sum dlogits, dh = dlogits W.
  Array dh{{kPipelineBatch, kF}, std::vector<double>(kPipelineBatch * kF, 0.0)};
  std::vector<double> dw(kK * kF, 0.0), db(kK, 0.0);
  for (std::size_t i = 0; i < kPipelineBatch; ++i) {
    for (std::size_t k = 0; k < kK; ++k) {
      const double g = dlogits[i * kK + k];
      db[k] += g;
      for (std::size_t f = 0; f < kF; ++f) {
        dw[k * kF + f] += g * forward.y.values[i * kF + f];
        dh.values[i * kF + f] += g * trace.linear_weight[k * kF + f];
      }
    }
  }
  const Gradients gradients = engine.backward_train(spec, x, dh, trace.batch_norm);
  for (std::size_t j = 0; j < dw.size(); ++j) {
    trace.linear_weight[j] -= kPipelineLearningRate * dw[j];
  }
  for (std::size_t k = 0; k < kK; ++k) trace.linear_bias[k] -= kPipelineLearningRate * db[k];
  for (std::size_t f = 0; f < kF; ++f) {
    trace.batch_norm.weight[f] -= kPipelineLearningRate * gradients.dweight[f];
    trace.batch_norm.bias[f] -= kPipelineLearningRate * gradients.dbias[f];
  }
  return loss;
}

// The fraction of all rows the model classifies right in eval mode (running statistics).
double eval_accuracy(const CaseSpec& spec, const PipelineData& data, Engine& engine,
                     const PipelineTrace& trace) {
  const Array h = engine.forward_eval(spec, data.x, trace.batch_norm, trace.running);
  const auto logits = logits_of(h, trace.linear_weight, trace.linear_bias);
  const std::size_t rows = data.x.shape.at(0);
  std::size_t correct = 0;
  for (std::size_t i = 0; i < rows; ++i) {
    correct += argmax_row(logits, i) == static_cast<std::size_t>(data.labels[i]) ? 1 : 0;
  }
  return static_cast<double>(correct) / static_cast<double>(rows);
}

}  // namespace

PipelineTrace train_seed_pipeline(const CaseSpec& spec, const PipelineData& data, Engine& engine) {
  PipelineTrace trace{{}, {}, data.batch_norm, data.running, data.linear_weight, data.linear_bias};
  const std::size_t rows = data.x.shape.at(0);
  for (int epoch = 0; epoch < spec.steps; ++epoch) {
    double loss_sum = 0;
    std::size_t batches = 0;
    for (std::size_t first = 0; first + kPipelineBatch <= rows; first += kPipelineBatch) {
      loss_sum += sgd_step(spec, data, first, engine, trace);
      ++batches;
    }
    trace.epoch_loss.push_back(loss_sum / static_cast<double>(batches));
    trace.epoch_accuracy.push_back(eval_accuracy(spec, data, engine, trace));
  }
  return trace;
}

}  // namespace bnconf::cases

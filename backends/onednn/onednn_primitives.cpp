#include "onednn_primitives.hpp"

#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <unordered_map>

#include "bnconf/adapter.hpp"

namespace bnconf::backends::onednn {
namespace {

using dnnl::memory;
using dnnl::normalization_flags;
using dnnl::prop_kind;
using Tag = memory::format_tag;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::data_type data_type_of(bnconf_dtype dtype) {
  switch (dtype) {
    case BNCONF_F32:
      return memory::data_type::f32;
    case BNCONF_BF16:
      return memory::data_type::bf16;
    case BNCONF_F16:
      return memory::data_type::f16;
    case BNCONF_F64:
      break;
  }
  throw adapter::Unsupported("oneDNN has no f64 batch normalization");
}

// The oneDNN format tag that is the ABI's storage order for this rank and layout.
Tag format_of(std::size_t rank, bnconf_layout layout) {
  const bool last = layout == BNCONF_CHANNELS_LAST;
  switch (rank) {
    case 2:
      return Tag::nc;
    case 3:
      return last ? Tag::nwc : Tag::ncw;
    case 4:
      return last ? Tag::nhwc : Tag::nchw;
    case 5:
      return last ? Tag::ndhwc : Tag::ncdhw;
  }
  throw adapter::Unsupported("oneDNN batch normalization takes ranks 2 to 5, not " +
                             std::to_string(rank));
}

memory::desc data_desc(const Problem& p) {
  return memory::desc(memory::dims(p.shape.begin(), p.shape.end()), data_type_of(p.dtype),
                      format_of(p.shape.size(), p.layout));
}

memory channel_memory(const Channels& values) {
  const memory::desc md({static_cast<memory::dim>(values.size())}, memory::data_type::f32, Tag::x);
  // oneDNN never writes its inputs; its memory objects take a non-const handle.
  return memory(md, cpu_engine(), const_cast<float*>(values.data()));
}

memory channel_output(Channels& values) {
  const memory::desc md({static_cast<memory::dim>(values.size())}, memory::data_type::f32, Tag::x);
  return memory(md, cpu_engine(), values.data());
}

memory data_memory(const memory::desc& md, const void* data) {
  return memory(md, cpu_engine(), const_cast<void*>(data));
}

normalization_flags flags_of(const Problem& p, bool global_stats) {
  auto flags = normalization_flags::none;
  if (p.affine) flags = flags | normalization_flags::use_scale | normalization_flags::use_shift;
  if (global_stats) flags = flags | normalization_flags::use_global_stats;
  return flags;
}

std::size_t channels_of(const Problem& p) { return static_cast<std::size_t>(p.shape.at(1)); }

// oneDNN errors (e.g. "could not create a primitive descriptor") name the failing step; the
// status says whether the configuration is simply unimplemented on this machine.
[[noreturn]] void rethrow(const dnnl::error& e, const char* step) {
  const std::string text = std::string("oneDNN ") + step + ": " + e.what();
  if (e.status == dnnl_unimplemented) throw adapter::Unsupported(text);
  throw std::runtime_error(text);
}

dnnl::batch_normalization_forward::primitive_desc forward_pd(const Problem& p, prop_kind kind,
                                                             bool global_stats) {
  const dnnl::batch_normalization_forward::desc d(kind, data_desc(p), p.eps,
                                                  flags_of(p, global_stats));
  return dnnl::batch_normalization_forward::primitive_desc(d, cpu_engine());
}

void add_affine(std::unordered_map<int, memory>& args, const Problem& p, const Channels& scale,
                const Channels& shift) {
  if (!p.affine) return;
  args.insert({DNNL_ARG_SCALE, channel_memory(scale)});
  args.insert({DNNL_ARG_SHIFT, channel_memory(shift)});
}

}  // namespace

ForwardTrainResult forward_training(const Problem& p, const void* x, void* y, const Channels& scale,
                                    const Channels& shift) {
  ForwardTrainResult result{Channels(channels_of(p)), Channels(channels_of(p))};
  try {
    const auto pd = forward_pd(p, prop_kind::forward_training, false);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, data_memory(pd.src_desc(), x)},
                                         {DNNL_ARG_DST, data_memory(pd.dst_desc(), y)},
                                         {DNNL_ARG_MEAN, channel_output(result.mean)},
                                         {DNNL_ARG_VARIANCE, channel_output(result.variance)}};
    add_affine(args, p, scale, shift);
    dnnl::stream stream(cpu_engine());
    dnnl::batch_normalization_forward(pd).execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    rethrow(e, "forward training");
  }
  return result;
}

void forward_inference(const Problem& p, const void* x, void* y, const Channels& scale,
                       const Channels& shift, const Channels* mean, const Channels* variance) {
  const bool global_stats = mean != nullptr;
  try {
    const auto pd = forward_pd(p, prop_kind::forward_inference, global_stats);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, data_memory(pd.src_desc(), x)},
                                         {DNNL_ARG_DST, data_memory(pd.dst_desc(), y)}};
    Channels batch_mean, batch_variance;  // outputs oneDNN needs when it computes them
    if (global_stats) {
      args.insert({DNNL_ARG_MEAN, channel_memory(*mean)});
      args.insert({DNNL_ARG_VARIANCE, channel_memory(*variance)});
    } else {
      batch_mean.resize(channels_of(p));
      batch_variance.resize(channels_of(p));
      args.insert({DNNL_ARG_MEAN, channel_output(batch_mean)});
      args.insert({DNNL_ARG_VARIANCE, channel_output(batch_variance)});
    }
    add_affine(args, p, scale, shift);
    dnnl::stream stream(cpu_engine());
    dnnl::batch_normalization_forward(pd).execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    rethrow(e, "forward inference");
  }
}

BackwardResult backward(const Problem& p, const void* x, const void* dy, void* dx,
                        const Channels& scale, const Channels& mean, const Channels& variance,
                        bool global_stats) {
  BackwardResult result;
  try {
    // The forward primitive descriptor is oneDNN's hint for the backward's formats.
    const auto hint = forward_pd(p, prop_kind::forward_training, global_stats);
    const auto kind = p.affine ? prop_kind::backward : prop_kind::backward_data;
    const dnnl::batch_normalization_backward::desc d(kind, data_desc(p), data_desc(p), p.eps,
                                                     flags_of(p, global_stats));
    const dnnl::batch_normalization_backward::primitive_desc pd(d, cpu_engine(), hint);
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, data_memory(pd.src_desc(), x)},
                                         {DNNL_ARG_DIFF_DST, data_memory(pd.diff_dst_desc(), dy)},
                                         {DNNL_ARG_DIFF_SRC, data_memory(pd.diff_src_desc(), dx)},
                                         {DNNL_ARG_MEAN, channel_memory(mean)},
                                         {DNNL_ARG_VARIANCE, channel_memory(variance)}};
    const Channels unused_shift(p.affine ? channels_of(p) : 0, 0.0f);
    if (p.affine) {
      // oneDNN 2.6 checks that a use_shift backward is given the shift as well, though no
      // gradient depends on it.
      args.insert({DNNL_ARG_SHIFT, channel_memory(unused_shift)});
      result.diff_scale.resize(channels_of(p));
      result.diff_shift.resize(channels_of(p));
      args.insert({DNNL_ARG_SCALE, channel_memory(scale)});
      args.insert({DNNL_ARG_DIFF_SCALE, channel_output(result.diff_scale)});
      args.insert({DNNL_ARG_DIFF_SHIFT, channel_output(result.diff_shift)});
    }
    dnnl::stream stream(cpu_engine());
    dnnl::batch_normalization_backward(pd).execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    rethrow(e, "backward");
  }
  return result;
}

bool dtype_available(bnconf_dtype dtype) {
  try {
    Problem probe{{2, 3, 4, 4}, BNCONF_CHANNELS_FIRST, dtype, 1e-5f, true};
    (void)forward_pd(probe, prop_kind::forward_training, false);
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

std::string version_text() {
  const dnnl_version_t* v = dnnl_version();
  std::string runtime = v->cpu_runtime == DNNL_RUNTIME_OMP   ? "OpenMP"
                        : v->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB"
                        : v->cpu_runtime == DNNL_RUNTIME_SEQ ? "sequential"
                                                             : "other";
  return std::to_string(v->major) + "." + std::to_string(v->minor) + "." +
         std::to_string(v->patch) + " (cpu, " + runtime + ")";
}

}  // namespace bnconf::backends::onednn

// The OpenCL adapter on inputs the committed fixtures do not cover (backends/opencl/README.md).
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "bnconf/adapter.h"

namespace {

const bnconf_backend_v1* backend() {
  static const bnconf_backend_v1* table = [] {
    void* handle = dlopen(BNCONF_OPENCL_ADAPTER, RTLD_NOW | RTLD_LOCAL);
    if (!handle) return static_cast<const bnconf_backend_v1*>(nullptr);
    auto entry =
        reinterpret_cast<bnconf_backend_v1_entry_fn>(dlsym(handle, BNCONF_BACKEND_V1_ENTRY));
    return entry ? entry() : nullptr;
  }();
  return table;
}

bnconf_params pytorch_params() {
  bnconf_params p{};
  p.struct_size = sizeof p;
  p.eps = 1e-5;
  p.momentum = 0.1;
  p.momentum_convention = BNCONF_WEIGHTS_BATCH;
  p.var_estimator = BNCONF_VAR_UNBIASED;
  p.affine = 1;
  p.track_running_stats = 1;
  return p;
}

bnconf_tensor tensor(const void* data, std::vector<std::int64_t> shape, bnconf_dtype dtype) {
  bnconf_tensor t{};
  t.data = data;
  t.rank = static_cast<std::int32_t>(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) t.shape[i] = shape[i];
  t.layout = BNCONF_CHANNELS_FIRST;
  t.dtype = dtype;
  return t;
}

class OpenClAdapter : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_NE(backend(), nullptr) << dlerror(); }
  char text_[512] = {};
  bnconf_message message_{text_, sizeof text_};
};

TEST_F(OpenClAdapter, EmptyBatchGivesNanStatisticsAndCountsTheStep) {
  const bnconf_params p = pytorch_params();
  const std::vector<double> w{1, 2, 3}, b{0, 0, 0}, rm{1, 2, 3}, rv{4, 5, 6};
  for (const std::vector<std::int64_t>& shape :
       {std::vector<std::int64_t>{0, 3, 4}, std::vector<std::int64_t>{2, 3, 0}}) {
    const bnconf_tensor x = tensor(nullptr, shape, BNCONF_F32);
    const bnconf_running in{{rm.data(), 3}, {rv.data(), 3}, 7};
    std::vector<double> mean(3), var(3), invstd(3), out_m(3), out_v(3);
    bnconf_running_out out{{out_m.data(), 3}, {out_v.data(), 3}, 0};
    ASSERT_EQ(backend()->forward_train(&p, &x, {w.data(), 3}, {b.data(), 3}, &in, {nullptr},
                                       {mean.data(), 3}, {var.data(), 3}, {invstd.data(), 3}, &out,
                                       message_),
              BNCONF_OK)
        << text_;
    for (int c = 0; c < 3; ++c) {
      EXPECT_TRUE(std::isnan(mean[c]) && std::isnan(var[c]) && std::isnan(invstd[c]));
      EXPECT_EQ(out_m[c], rm[c]);
      EXPECT_EQ(out_v[c], rv[c]);
    }
    EXPECT_EQ(out.num_batches_tracked, 8);
  }
}

TEST_F(OpenClAdapter, EmptyBatchBackwardGivesZeroWeightGradients) {
  const bnconf_params p = pytorch_params();
  const std::vector<double> w{1, 2};
  const bnconf_tensor x = tensor(nullptr, {0, 2, 5}, BNCONF_F64);
  std::vector<double> dw(2, -1), db(2, -1);
  ASSERT_EQ(backend()->backward_train(&p, &x, &x, {w.data(), 2}, {nullptr}, {dw.data(), 2},
                                      {db.data(), 2}, message_),
            BNCONF_OK)
      << text_;
  EXPECT_EQ(dw, std::vector<double>(2, 0.0));
  EXPECT_EQ(db, std::vector<double>(2, 0.0));
}

// One work-group per channel: 300000 of them, two values each.
TEST_F(OpenClAdapter, ManyChannelsMatchADoubleComputation) {
  bnconf_params p = pytorch_params();
  p.affine = 0;
  p.track_running_stats = 0;
  const std::int64_t channels = 300000;
  std::vector<float> x(2 * channels), y(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 1000) / 100;
  const bnconf_tensor t = tensor(x.data(), {2, channels}, BNCONF_F32);
  std::vector<double> mean(channels), var(channels), invstd(channels);
  ASSERT_EQ(backend()->forward_train(&p, &t, {}, {}, nullptr, {y.data()}, {mean.data(), channels},
                                     {var.data(), channels}, {invstd.data(), channels}, nullptr,
                                     message_),
            BNCONF_OK)
      << text_;
  for (std::int64_t c = 0; c < channels; ++c) {
    const double a = x[c], b = x[channels + c], m = (a + b) / 2, v = (a - m) * (a - m);
    const double s = 1 / std::sqrt(v + p.eps);
    ASSERT_NEAR(mean[c], m, 1e-5) << c;
    ASSERT_NEAR(var[c], v, 1e-4) << c;
    ASSERT_NEAR(y[c], (a - m) * s, 1e-4) << c;
    ASSERT_NEAR(y[channels + c], (b - m) * s, 1e-4) << c;
  }
}

TEST_F(OpenClAdapter, NanStaysInItsChannel) {
  bnconf_params p = pytorch_params();
  p.track_running_stats = 0;
  const std::vector<double> w{1, 1}, b{0, 0};
  std::vector<float> x{1, 2, 3, NAN, 4, 5, 6, 7}, y(8);  // (2, 2, 2): channel 1 holds the NaN
  const bnconf_tensor t = tensor(x.data(), {2, 2, 2}, BNCONF_F32);
  std::vector<double> mean(2), var(2), invstd(2);
  ASSERT_EQ(backend()->forward_train(&p, &t, {w.data(), 2}, {b.data(), 2}, nullptr, {y.data()},
                                     {mean.data(), 2}, {var.data(), 2}, {invstd.data(), 2}, nullptr,
                                     message_),
            BNCONF_OK)
      << text_;
  for (int i : {0, 1, 4, 5}) EXPECT_TRUE(std::isfinite(y[i])) << i;
  for (int i : {2, 3, 6, 7}) EXPECT_TRUE(std::isnan(y[i])) << i;
  EXPECT_TRUE(std::isfinite(mean[0]) && std::isnan(mean[1]));
}

TEST_F(OpenClAdapter, OneValuePerChannelNormalisesToBeta) {
  bnconf_params p = pytorch_params();
  p.var_estimator = BNCONF_VAR_POPULATION;
  const std::vector<double> w{2, 3}, b{0.5, -1}, rm{0, 0}, rv{1, 1};
  const std::vector<float> x{7, -9};
  std::vector<float> y(2);
  const bnconf_tensor t = tensor(x.data(), {1, 2}, BNCONF_F32);
  const bnconf_running in{{rm.data(), 2}, {rv.data(), 2}, 0};
  std::vector<double> mean(2), var(2), invstd(2), out_m(2), out_v(2);
  bnconf_running_out out{{out_m.data(), 2}, {out_v.data(), 2}, 0};
  ASSERT_EQ(backend()->forward_train(&p, &t, {w.data(), 2}, {b.data(), 2}, &in, {y.data()},
                                     {mean.data(), 2}, {var.data(), 2}, {invstd.data(), 2}, &out,
                                     message_),
            BNCONF_OK)
      << text_;
  EXPECT_EQ(y, (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ(var, (std::vector<double>{0, 0}));
  EXPECT_DOUBLE_EQ(out_m[0], 0.7);
  EXPECT_EQ(out.num_batches_tracked, 1);
}

}  // namespace

// The CUDA adapter through its C table, as the runner sees it (dlopen). Without a GPU every
// operation must answer BNCONF_UNSUPPORTED with the probe's message; with one, a small training
// forward must agree with a double computation on the host.
#include <dlfcn.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "bnconf/adapter.h"

namespace {

const bnconf_backend_v1* table() {
  static const bnconf_backend_v1* loaded = [] {
    void* library = dlopen(BNCONF_CUDA_PLUGIN, RTLD_NOW | RTLD_LOCAL);
    if (!library) return static_cast<const bnconf_backend_v1*>(nullptr);
    auto entry =
        reinterpret_cast<bnconf_backend_v1_entry_fn>(dlsym(library, BNCONF_BACKEND_V1_ENTRY));
    return entry ? entry() : nullptr;
  }();
  return loaded;
}

// A (4, 3, 5) f32 channels-first batch with PyTorch's defaults.
struct Case {
  static constexpr int kN = 4, kC = 3, kL = 5;
  bnconf_params params{sizeof(bnconf_params), 1e-5, 0.1, 0, BNCONF_WEIGHTS_BATCH,
                       BNCONF_VAR_UNBIASED,   1,    1};
  std::vector<float> x = std::vector<float>(kN * kC * kL);
  std::vector<double> weight{1.0, 2.0, 0.5}, bias{0.0, -1.0, 0.25};
  std::vector<double> running_mean{0.0, 0.0, 0.0}, running_var{1.0, 1.0, 1.0};
  bnconf_tensor tensor{};

  Case() {
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7) % 11) * 0.25f;
    tensor.data = x.data();
    tensor.rank = 3;
    tensor.shape[0] = kN;
    tensor.shape[1] = kC;
    tensor.shape[2] = kL;
    tensor.layout = BNCONF_CHANNELS_FIRST;
    tensor.dtype = BNCONF_F32;
  }
  bnconf_vector w() const { return {weight.data(), kC}; }
  bnconf_vector b() const { return {bias.data(), kC}; }
  bnconf_running running() const {
    return {{running_mean.data(), kC}, {running_var.data(), kC}, 0};
  }
};

TEST(CudaBackend, LoadsAndNamesItsLibraries) {
  ASSERT_NE(table(), nullptr) << dlerror();
  EXPECT_EQ(table()->abi_version, BNCONF_ABI_VERSION);
  EXPECT_STREQ(table()->name, "cuda");
  const std::string version = table()->version;
  EXPECT_EQ(version.rfind("cuDNN ", 0), 0u) << version;
  EXPECT_NE(version.find("CUDA runtime"), std::string::npos) << version;
}

TEST(CudaBackend, DeclaresOnlyWhatCudnnDoes) {
  ASSERT_NE(table(), nullptr);
  bnconf_capabilities c{};
  table()->capabilities(&c);
  EXPECT_EQ(c.dtypes, (1u << BNCONF_F64) | (1u << BNCONF_F32) | (1u << BNCONF_F16));
  EXPECT_EQ(c.conventions, 1u << BNCONF_WEIGHTS_BATCH);
  EXPECT_EQ(c.estimators, 1u << BNCONF_VAR_UNBIASED);
  EXPECT_EQ(c.ranks, (1u << 2) | (1u << 3) | (1u << 4) | (1u << 5));
}

TEST(CudaBackend, ForwardTrainMatchesHostOrReportsNoDevice) {
  ASSERT_NE(table(), nullptr);
  Case k;
  const bnconf_running running = k.running();
  std::vector<float> y(k.x.size());
  std::vector<double> mean(Case::kC), var(Case::kC), invstd(Case::kC), rmean(Case::kC),
      rvar(Case::kC);
  bnconf_running_out running_out{{rmean.data(), Case::kC}, {rvar.data(), Case::kC}, 0};
  char text[512] = {};
  const bnconf_status status = table()->forward_train(
      &k.params, &k.tensor, k.w(), k.b(), &running, {y.data()}, {mean.data(), Case::kC},
      {var.data(), Case::kC}, {invstd.data(), Case::kC}, &running_out, {text, sizeof text});
  const std::string message = text;
  if (message.rfind("no CUDA device: cudaGetDeviceCount returned", 0) == 0) {
    EXPECT_EQ(status, BNCONF_UNSUPPORTED);
    GTEST_SKIP() << message;
  }
  ASSERT_EQ(status, BNCONF_OK) << message;
  constexpr int m = Case::kN * Case::kL;
  for (int c = 0; c < Case::kC; ++c) {
    double sum = 0.0, squares = 0.0;
    for (int n = 0; n < Case::kN; ++n) {
      for (int l = 0; l < Case::kL; ++l) sum += k.x[(n * Case::kC + c) * Case::kL + l];
    }
    const double mu = sum / m;
    for (int n = 0; n < Case::kN; ++n) {
      for (int l = 0; l < Case::kL; ++l) {
        const double d = k.x[(n * Case::kC + c) * Case::kL + l] - mu;
        squares += d * d;
      }
    }
    const double biased = squares / m, inv = 1.0 / std::sqrt(biased + k.params.eps);
    EXPECT_NEAR(mean[c], mu, 1e-5);
    EXPECT_NEAR(var[c], biased, 1e-5);
    EXPECT_NEAR(invstd[c], inv, 1e-4);
    EXPECT_NEAR(rmean[c], 0.1 * mu, 1e-5);
    EXPECT_NEAR(rvar[c], 0.9 + 0.1 * squares / (m - 1), 1e-5);
    for (int n = 0; n < Case::kN; ++n) {
      for (int l = 0; l < Case::kL; ++l) {
        const int i = (n * Case::kC + c) * Case::kL + l;
        EXPECT_NEAR(y[i], (k.x[i] - mu) * inv * k.weight[c] + k.bias[c], 1e-4) << i;
      }
    }
  }
  EXPECT_EQ(running_out.num_batches_tracked, 1);
}

TEST(CudaBackend, EveryOperationAnswersWithoutCrashing) {
  ASSERT_NE(table(), nullptr);
  Case k;
  const bnconf_running running = k.running();
  std::vector<float> out(k.x.size());
  std::vector<double> dweight(Case::kC), dbias(Case::kC);
  char text[512] = {};
  const bnconf_status eval = table()->forward_eval(&k.params, &k.tensor, k.w(), k.b(), &running,
                                                   {out.data()}, {text, sizeof text});
  const bool no_device = std::string(text).rfind("no CUDA device", 0) == 0;
  EXPECT_EQ(eval, no_device ? BNCONF_UNSUPPORTED : BNCONF_OK) << text;
  const bnconf_status train = table()->backward_train(
      &k.params, &k.tensor, &k.tensor, k.w(), {out.data()}, {dweight.data(), Case::kC},
      {dbias.data(), Case::kC}, {text, sizeof text});
  EXPECT_EQ(train, no_device ? BNCONF_UNSUPPORTED : BNCONF_OK) << text;
  // With running statistics cuDNN has no backward: unsupported with or without a device.
  const bnconf_status frozen = table()->backward_eval(
      &k.params, &k.tensor, &k.tensor, k.w(), &running, {out.data()}, {dweight.data(), Case::kC},
      {dbias.data(), Case::kC}, {text, sizeof text});
  EXPECT_EQ(frozen, BNCONF_UNSUPPORTED) << text;
}

}  // namespace

// The minimal cases on which fuzzing the correct cpu-f32 first reported failures, each a defect
// of the judge since fixed (docs/fuzzing.md, "What the fuzzer found in bnconf itself"): cpu-f32
// must now pass every one, and the reference too. Each is built in memory exactly as the fuzzer
// builds a draw, and run by the runner as a fixture case.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "bnconf/conformance/runner.hpp"
#include "bnconf/generators/build_case.hpp"
#include "bnconf/generators/catalogue.hpp"

namespace {

namespace conf = bnconf::conformance;
using Json = nlohmann::ordered_json;

struct Found {
  const char* defect;
  const char* case_object;
};

const Found kFound[] = {
    {"bias check on elements whose bounds admit large computation errors (subnormal x, eps 0)",
     R"({"preset":"pytorch","dtype":"bf16","layout":"channels_first","operation":"backward_train",
         "shape":[31,4],"eps":0.0,"data":{"x":{"kind":"subnormal"}}})"},
    {"underflow of dy (x - c) products scaled by s",
     R"({"preset":"pytorch","dtype":"f32","layout":"channels_first","operation":"backward_train",
         "shape":[1,4,14],"data":{"x":{"kind":"subnormal"}}})"},
    {"invstd undetermined where the variance's error reaches var + eps",
     R"({"preset":"pytorch","dtype":"bf16","layout":"channels_first","operation":"forward_eval",
         "shape":[2,32],"track_running_stats":false,"eps":0.0,"data":{"x":{"kind":"subnormal"}}})"},
    {"invstd undetermined, through a sequence's running statistics",
     R"({"preset":"tf_fused","dtype":"f32","layout":"channels_first","operation":"sequence",
         "shape":[2,1],"steps":2,"eps":0.0,"data":{"x":{"kind":"subnormal"},
         "params":{"kind":"values","weight":0.0,"bias":0.75}}})"},
    {"an infinite weight meeting a gradient bracket that is exactly 0",
     R"({"preset":"pytorch","dtype":"f32","layout":"channels_first","operation":"backward_train",
         "shape":[4,1],"data":{"dy":{"kind":"constant","value":0.5},
         "params":{"kind":"random","weight_inject":[{"value":"-inf","element":0}]}}})"},
    {"an infinite weight with an undetermined invstd",
     R"({"preset":"pytorch","dtype":"f32","layout":"channels_first","operation":"backward_eval",
         "shape":[2,1],"track_running_stats":false,"eps":0.0,"data":{"x":{"kind":"subnormal"},
         "params":{"kind":"random","weight_inject":[{"value":"inf","element":0}]}}})"},
    {"bias check measured from the exact value: x / sqrt(1 + eps) in f16",
     R"({"preset":"keras","dtype":"f16","layout":"channels_first","operation":"forward_eval",
         "shape":[63,32],"affine":false,"data":{"running":{"kind":"default"}}})"},
    {"a zero running variance with eps 0 after a cumulative average",
     R"({"preset":"keras","dtype":"f32","layout":"channels_first","operation":"sequence",
         "shape":[1,32],"steps":3,"eps":0.0,"momentum":"none",
         "data":{"x":{"kind":"constant","value":10000000.0}}})"},
};

std::vector<bnconf::cases::Case> found_cases() {
  std::vector<bnconf::cases::Case> cases;
  for (std::size_t i = 0; i < std::size(kFound); ++i) {
    const std::string id = "core.fuzz_found." + std::to_string(i);
    cases.push_back(bnconf::generators::build_case(
        bnconf::generators::entry_from_json(Json::parse(kFound[i].case_object), id, "core")));
  }
  return cases;
}

TEST(FuzzFoundFalseFailures, CorrectBackendsPassEveryCaseTheJudgeOnceFailed) {
  const auto cases = found_cases();
  for (const char* backend : {"cpu-f32", "reference"}) {
    const conf::Report report =
        conf::run_backend_on(conf::Backend::open(backend), cases, "fuzz findings", {});
    ASSERT_EQ(report.results().size(), cases.size());
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const auto& r = report.results()[i];
      EXPECT_TRUE(conf::within_bounds(r.status))
          << backend << ", " << kFound[i].defect << ": " << to_string(r.status) << " " << r.message;
    }
  }
}

}  // namespace

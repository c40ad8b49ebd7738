// A training-mode BatchNorm forward by an installed bnconf's reference, on a batch of four values
// of one channel with weight 2, bias 1 and eps 0.5. Prints y, the batch mean and the batch
// variance, "name v1 v2 ..." one line each, with every digit, for the packaging tests to compare
// with the values they compute by hand.
#include <cstdio>

#include "bnconf/reference/batch_norm.hpp"

int main() {
  namespace ref = bnconf::reference;
  ref::BatchNormSpec spec = ref::preset("pytorch");
  spec.eps = 0.5;
  ref::Tensor x = ref::make_tensor({4, 1}, ref::Layout::channels_first);
  const double values[] = {1, 2, 3, 6};
  for (std::size_t n = 0; n < 4; ++n) x(n, 0) = values[n];
  ref::AffineParams params = ref::default_affine(1);
  params.weight(0) = 2;
  params.bias(0) = 1;
  const ref::ForwardTrainResult result =
      ref::forward_train(spec, x, params, ref::default_running_stats(1));

  std::printf("y");
  for (std::size_t n = 0; n < 4; ++n) std::printf(" %.17g", result.y(n, 0));
  std::printf("\nbatch_mean %.17g\nbatch_var %.17g\n", result.batch_mean(0), result.batch_var(0));
  return 0;
}

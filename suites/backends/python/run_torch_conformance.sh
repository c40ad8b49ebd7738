#!/usr/bin/env bash
# ctest driver: the PyTorch producer with PYTHON (default /usr/bin/python3, i.e. Debian's
# python3-torch) over the committed fixtures, then `bnconf check` with the explained failures.
# Exit 77 (ctest SKIP_RETURN_CODE) when torch or h5py cannot be imported.
#   run_torch_conformance.sh BNCONF OUT_DIR
set -eu
bnconf=$1 out=$2
python=${PYTHON:-/usr/bin/python3}
root=$(cd "$(dirname "$0")/../../.." && pwd)
if ! "$python" -c "import torch, h5py" >/dev/null 2>&1; then
  echo "SKIP: $python cannot import torch and h5py (apt-get install python3-torch python3-h5py)"
  exit 77
fi
mkdir -p "$out"
"$python" "$root/backends/python/torch_producer.py" --out "$out/results-torch.h5"
exec "$bnconf" check --results "$out/results-torch.h5" --json "$out/report-torch.json" \
  --expect "$root/backends/python/expected-failures-torch.json"

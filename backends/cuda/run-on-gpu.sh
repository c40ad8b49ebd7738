#!/usr/bin/env bash
# Runs the CUDA adapter on a machine with an NVIDIA GPU, from the repository root: builds the
# release preset, runs the conformance of backend "cuda" over the committed fixtures, then the
# cuDNN timing binary. Reports land in $OUT (default build/release):
#   report-cuda.json, report-cuda.xml, run-cuda.txt (the terminal table), timing-cuda.txt
# Exit status: the conformance run's (0 iff no case failed, crashed, timed out or errored).
set -euo pipefail

if [[ ! -f backends/cuda/CMakeLists.txt ]]; then
  echo "run-on-gpu.sh: run me from the repository root" >&2
  exit 2
fi
OUT=${OUT:-build/release}

cmake --preset release
cmake --build --preset release -j
mkdir -p "$OUT"

nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv || true

export BNCONF_BACKEND_PATH=$PWD/build/release/backends
status=0
build/release/cli/bnconf run --backend cuda --json "$OUT/report-cuda.json" \
  --junit "$OUT/report-cuda.xml" | tee "$OUT/run-cuda.txt" || status=${PIPESTATUS[0]}

build/release/backends/cuda/bnconf_cuda_timing | tee "$OUT/timing-cuda.txt"

echo "run-on-gpu.sh: conformance exit status $status; reports in $OUT"
exit "$status"

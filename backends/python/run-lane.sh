#!/usr/bin/env bash
# Runs one Python framework lane: its own virtual environment (pinned by
# backends/python/requirements/LANE.txt, no Debian site-packages), every producer of the lane
# over the committed fixtures, and `bnconf check` of each results file with that backend's
# explained failures. Writes backends/python/reports/BACKEND.json (committed: the matrix is
# regenerated from them) and build/python/{results,check,produce}-BACKEND.*.
#
#   backends/python/run-lane.sh LANE [--bnconf PATH] [--no-install] [--python PATH] [--check-only]
#
# LANE: flax, keras-jax, keras-torch, tensorflow, torch, onnxruntime, openvino, paddle, tinygrad,
# mlx (`--list` prints them).
# --bnconf: the bnconf executable (default build/release/cli/bnconf, else build/lean/cli/bnconf).
# --no-install: use the lane's existing venv as it is (or --python, e.g. on a machine with the
#   frameworks preinstalled); without it, a missing venv is created and pip-installs the pins.
# --check-only: judge the existing build/python/results-BACKEND.h5 again (after editing an
#   expected-failures file) without running the frameworks.
# Exit status: 0 when every backend of the lane was produced and judged and bnconf check
# passed (every failure explained); 1 when a backend was tested and has unexplained failures or
# stale explanations; 2 when the lane could not be tested (venv, install or import failed):
# a missing framework is an error, never a silent skip (run-frameworks.sh --skip names a lane
# to leave out on purpose).
# The producers import the bnconf package (python/, docs/python.md) from this checkout:
# PYTHONPATH=python/src, so that a lane always runs the package as it is here (no stale copy
# installed in the venv, and the same for a --python interpreter).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
here=backends/python
export PYTHONPATH="$root/python/src${PYTHONPATH:+:$PYTHONPATH}"

# lane -> "tag|import check|producer and its arguments" per backend
lane_backends() {
  case $1 in
    flax)
      echo "flax-linen-fast|flax|flax_producer.py --api linen --fast-variance true"
      echo "flax-linen-twopass|flax|flax_producer.py --api linen --fast-variance false"
      echo "flax-nnx-fast|flax|flax_producer.py --api nnx --fast-variance true"
      echo "flax-nnx-twopass|flax|flax_producer.py --api nnx --fast-variance false" ;;
    keras-jax)
      echo "keras-jax|keras, jax|keras_producer.py --backend jax"
      echo "keras-numpy|keras|keras_producer.py --backend numpy" ;;
    keras-torch)
      echo "keras-torch|keras, torch|keras_producer.py --backend torch" ;;
    tensorflow)
      echo "tf-fused|tensorflow|tf_producer.py --op fused"
      echo "tf-moments|tensorflow|tf_producer.py --op moments"
      echo "keras-tensorflow|keras, tensorflow|keras_producer.py --backend tensorflow" ;;
    torch)
      echo "torch|torch|torch_producer.py"
      echo "torch-compile|torch|torch_producer.py --compile" ;;
    onnxruntime)
      echo "onnxruntime|onnxruntime|onnx_producer.py" ;;
    openvino)
      echo "openvino|openvino|openvino_producer.py" ;;
    paddle)
      echo "paddle|paddle|paddle_producer.py" ;;
    tinygrad)
      echo "tinygrad|tinygrad|tinygrad_producer.py" ;;
    mlx)
      echo "mlx|mlx.core|mlx_producer.py" ;;
    *) return 1 ;;
  esac
}
LANES="flax keras-jax keras-torch tensorflow torch onnxruntime openvino paddle tinygrad mlx"

lane=${1:-}
[ "$lane" = --list ] && { echo "$LANES"; exit 0; }
[ "$lane" = --backends ] && { lane_backends "${2:-}"; exit; }  # tag|modules|producer lines
if [ -z "$lane" ] || ! lane_backends "$lane" >/dev/null; then
  echo "usage: $0 LANE [--bnconf PATH] [--no-install] [--python PATH]; lanes: $LANES" >&2
  exit 2
fi
shift
bnconf=
install=1
python=
check_only=0
while [ $# -gt 0 ]; do
  case $1 in
    --bnconf) bnconf=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    --python) python=$2; install=0; shift 2 ;;
    --check-only) check_only=1; install=0; shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$bnconf" ]; then
  for candidate in build/release/cli/bnconf build/lean/cli/bnconf; do
    [ -x "$candidate" ] && { bnconf=$candidate; break; }
  done
fi
[ -x "${bnconf:-}" ] || { echo "== $lane: no bnconf executable (build it or pass --bnconf)"; exit 2; }

out=build/python
mkdir -p "$out" "$here/reports"
venv=build/venvs/$lane
requirements=$here/requirements/$lane.txt
if [ -z "$python" ]; then
  python=$venv/bin/python
  if [ "$install" = 1 ]; then
    lane_start=$(date +%s)
    if [ ! -x "$python" ]; then
      # no --system-site-packages: Debian's numpy/h5py/torch must not mix with pip's
      /usr/bin/python3 -m venv "$venv" || { echo "== $lane: cannot create $venv"; exit 2; }
    fi
    echo "== $lane: pip install -r $requirements into $venv (log $out/pip-$lane.log)"
    if ! "$python" -m pip install -r "$requirements" >"$out/pip-$lane.log" 2>&1; then
      echo "== $lane: pip install failed (tail of $out/pip-$lane.log):"
      tail -n 5 "$out/pip-$lane.log"
      exit 2
    fi
    echo "== $lane: installed in $(( $(date +%s) - lane_start )) s, venv $(du -sh "$venv" | cut -f1)"
  fi
fi
[ "$check_only" = 1 ] || [ -x "$python" ] || command -v "$python" >/dev/null ||
  { echo "== $lane: no interpreter $python (run without --no-install)"; exit 2; }

status=0
while IFS='|' read -r tag modules producer; do
  results=$out/results-$tag.h5
  produced=0
  # keras picks its backend at import (the producer sets it from --backend)
  case $tag in keras-*) export KERAS_BACKEND=${tag#keras-} ;; *) unset KERAS_BACKEND ;; esac
  if [ "$check_only" = 1 ]; then
    [ -f "$results" ] || { echo "== $tag: no $results to judge"; status=2; continue; }
  elif ! "$python" -c "import h5py, numpy, bnconf, $modules" >"$out/import-$tag.log" 2>&1; then
    echo "== $tag: $python cannot import h5py, numpy, bnconf, $modules (see $out/import-$tag.log)"
    status=2
    continue
  else
    start=$(date +%s)
    # shellcheck disable=SC2086
    if ! nice "$python" "$here/"$producer --out "$results" >"$out/produce-$tag.txt" 2>&1; then
      echo "== $tag: the producer failed (tail of $out/produce-$tag.txt):"
      tail -n 5 "$out/produce-$tag.txt"
      status=2
      continue
    fi
    produced=$(( $(date +%s) - start ))
  fi
  expect=()
  [ -f "$here/expected-failures-$tag.json" ] && expect=(--expect "$here/expected-failures-$tag.json")
  "$bnconf" check --results "$results" --fixtures fixtures "${expect[@]}" \
    --json "$here/reports/$tag.json" >"$out/check-$tag.txt" 2>&1
  checked=$?
  echo "== $tag: $(tail -n 1 "$out/check-$tag.txt")  [producer ${produced} s; $out/check-$tag.txt]"
  grep -E "^STALE" "$out/check-$tag.txt" | head -n 20
  if [ "$checked" != 0 ] && [ "$status" = 0 ]; then status=1; fi
done < <(lane_backends "$lane")
exit $status

#!/usr/bin/env bash
# Runs every available Python producer over the committed fixtures and judges each results file.
#   backends/python/run-frameworks.sh [BNCONF] [--device cpu|cuda] [--no-install]
# BNCONF defaults to build/release/cli/bnconf. Writes build/python/results-<framework>.h5 and
# build/python/report-<framework>.json. Creates build/py-venv (system site packages visible, so
# Debian's python3-torch and python3-h5py are used when pip brings nothing newer) and pip
# installs each optional framework; a failed install skips that framework. --no-install uses
# whatever python3 has (a GPU machine with frameworks preinstalled: set PYTHON=...).
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
bnconf=$root/build/release/cli/bnconf
device=cpu
install=1
while [ $# -gt 0 ]; do
  case $1 in
    --device) device=$2; shift 2 ;;
    --no-install) install=0; shift ;;
    *) bnconf=$1; shift ;;
  esac
done
out=$root/build/python
mkdir -p "$out"
venv=$root/build/py-venv
if [ "$install" = 1 ]; then
  [ -x "$venv/bin/python" ] || /usr/bin/python3 -m venv --system-site-packages "$venv" || exit 1
  python=$venv/bin/python
  # pip name(s) per framework; each is optional.
  for spec in "torch:torch" "onnxruntime:onnx onnxruntime"; do
    name=${spec%%:*}
    "$python" -m pip install -q ${spec#*:} >"$out/pip-$name.log" 2>&1 ||
      echo "pip install of $name failed (see $out/pip-$name.log); using what is there"
  done
else
  python=${PYTHON:-python3}
fi
status=0
for framework in torch onnxruntime; do
  case $framework in
    torch) producer=torch_producer.py; module=torch ;;
    onnxruntime) producer=onnx_producer.py; module=onnxruntime ;;
  esac
  if ! "$python" -c "import h5py, $module" 2>/dev/null; then
    echo "== $framework: not importable with $python, skipped"
    continue
  fi
  echo "== $framework"
  results=$out/results-$framework.h5
  start=$(date +%s)
  "$python" "$root/backends/python/$producer" --device "$device" --out "$results" || { status=1; continue; }
  "$bnconf" check --results "$results" --json "$out/report-$framework.json" >"$out/check-$framework.txt" 2>&1
  echo "bnconf check: $(tail -n 1 "$out/check-$framework.txt") (details: $out/check-$framework.txt)"
  echo "total wall time $(( $(date +%s) - start )) s (producer and check)"
done
exit $status

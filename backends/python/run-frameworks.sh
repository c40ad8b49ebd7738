#!/usr/bin/env bash
# Runs every Python framework lane (backends/python/run-lane.sh) and says, lane by lane,
# whether it was tested. Each lane has its own venv (build/venvs/LANE) pinned by
# backends/python/requirements/LANE.txt; nothing is skipped unless named.
#   backends/python/run-frameworks.sh [--skip LANE]... [--bnconf PATH] [--no-install] [--check-only]
# Disk: the torch and keras-torch venvs hold the default (CUDA) torch wheel, about 5.5 GB each;
# the ten lanes took 16 GB under build/venvs here (pip kept no cache: each torch lane downloads).
# Exit status: 0 iff every lane not named by --skip was tested and passed bnconf check (every
# failure explained); 1 if a tested lane has unexplained failures; 2 if a lane could not be
# tested (install, import or producer failure), which is never silent.
set -u
here=$(cd "$(dirname "$0")" && pwd)
skip=" "
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --skip) skip="$skip$2 "; shift 2 ;;
    --bnconf) args+=(--bnconf "$2"); shift 2 ;;
    --no-install|--check-only) args+=("$1"); shift ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
for name in $skip; do
  case " $("$here/run-lane.sh" --list) " in *" $name "*) ;; *) echo "--skip $name: no such lane" >&2; exit 2 ;; esac
done
status=0
summary=()
for lane in $("$here/run-lane.sh" --list); do
  if [[ "$skip" == *" $lane "* ]]; then
    summary+=("$lane: skipped (--skip)")
    continue
  fi
  start=$(date +%s)
  "$here/run-lane.sh" "$lane" "${args[@]}"
  rc=$?
  case $rc in
    0) what="tested, every failure explained" ;;
    1) what="tested, UNEXPLAINED failures or stale explanations"; [ $status = 0 ] && status=1 ;;
    *) what="NOT TESTED (see above)"; status=2 ;;
  esac
  summary+=("$lane: $what ($(( $(date +%s) - start )) s)")
done
echo
echo "Python framework lanes:"
printf '  %s\n' "${summary[@]}"
exit $status

#!/usr/bin/env bash
# Reruns the mlx lane (backends/python/run-lane.sh): its venv from requirements/mlx.txt, its
# producers, bnconf check, reports/*.json. Arguments go to run-lane.sh (--bnconf, --no-install,
# --python, --check-only).
exec "$(dirname "$0")/../run-lane.sh" mlx "$@"

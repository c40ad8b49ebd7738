#!/usr/bin/env bash
# Reruns the torch lane (backends/python/run-lane.sh): its venv from requirements/torch.txt, its
# producers, bnconf check, reports/*.json. Arguments go to run-lane.sh (--bnconf, --no-install,
# --python, --check-only).
exec "$(dirname "$0")/../run-lane.sh" torch "$@"

#!/usr/bin/env bash
# Reruns the openvino lane (backends/python/run-lane.sh): its venv from requirements/openvino.txt, its
# producers, bnconf check, reports/*.json. Arguments go to run-lane.sh (--bnconf, --no-install,
# --python, --check-only).
exec "$(dirname "$0")/../run-lane.sh" openvino "$@"

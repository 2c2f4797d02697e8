#!/usr/bin/env bash
# The README's test command: installs what the tests need into .venv-test, then runs pytest.
# torch goes first and pinned: that pin is the CPU build (a plain `torch` pulls a multi-GB CUDA one).
set -euo pipefail
cd "$(dirname "$0")/.."
export GRADIO_ANALYTICS_ENABLED=False PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m venv .venv-test
. .venv-test/bin/activate
pip install -q torch==2.13.0
pip install -q -r requirements-test.txt -r requirements-train.txt
python -m pytest -q "$@"

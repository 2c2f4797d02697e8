#!/usr/bin/env bash
# The README's test command: installs what the tests need into .venv-test, then runs pytest.
# torch goes first and pinned: that pin is the CPU build (a plain `torch` pulls a multi-GB CUDA one).
# With RAGARENA_LINT=1 (CI sets it) ruff's lint and format check run first, with pyproject.toml's
# settings; off by default, so a local run of a few tests is not held up by the style of others.
set -euo pipefail
cd "$(dirname "$0")/.."
export GRADIO_ANALYTICS_ENABLED=False PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m venv .venv-test
. .venv-test/bin/activate
pip install -q torch==2.13.0
pip install -q -r requirements-test.txt -r requirements-train.txt
if [ "${RAGARENA_LINT:-0}" = 1 ]; then
  # Both run, so one CI log shows every finding; either failing stops before the tests.
  lint=0
  ruff check . || lint=1
  ruff format --check . || lint=1
  [ "$lint" = 0 ] || { echo "ruff found problems (above): fix them before the tests run" >&2; exit 1; }
fi
python -m pytest -q "$@"

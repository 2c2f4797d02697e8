#!/usr/bin/env bash
# The README's test command: installs what the tests need into .venv-test, then runs pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export GRADIO_ANALYTICS_ENABLED=False HF_HUB_OFFLINE=1 PIP_DISABLE_PIP_VERSION_CHECK=1
python3 -m venv .venv-test
. .venv-test/bin/activate
pip install -q -r requirements-test.txt
python -m pytest -q "$@"

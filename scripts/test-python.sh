#!/usr/bin/env bash
# The Python part of the test command (scripts/test.sh runs it after swift test, which builds
# fsnode and fsctl): a virtualenv in .venv-test with the package and its test extras from
# PyPI (pytest, mypy, feast), mypy --strict over the package, then pytest against real nodes.
#   scripts/test-python.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-python3}
venv=.venv-test
if [ ! -x "$venv/bin/python" ]; then
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --upgrade pip
fi
"$venv/bin/python" -m pip install -q --disable-pip-version-check './python[test]'
# The package itself again, whatever its version says: the feast CLI the tests run imports it
# from the virtualenv, so it must be this tree's.
"$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall ./python
export SKEWLESS_BIN_DIR="${SKEWLESS_BIN_DIR:-$(swift build --show-bin-path)}"
(cd python && "../$venv/bin/python" -m mypy)
cd python
exec "../$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"

#!/usr/bin/env bash
# Runs the kiosk's test suite from the checkout's virtualenv (set up by bootstrap.sh).
# Exits non-zero when any test fails or when no test ran at all.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
export QT_QPA_PLATFORM=offscreen
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" tests
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-tests: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$rc"

#!/usr/bin/env bash
# Runs the kiosk's test suite from the checkout's virtualenv (set up by bootstrap.sh).
# Exits non-zero when any test fails or when no test ran at all.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
export QT_QPA_PLATFORM=offscreen
# The layers (ui → ops → terminal → core → printing → receipt → central → shared), Qt only in the UI, and no
# import of the developer tools or the reference central from the terminal: see .importlinter.
.venv/bin/lint-imports --no-cache || { echo "run-tests: an import breaks the kiosk's layers (see above)" >&2; exit 1; }
# Types: states, events and outcomes are enums; mypy keeps their use honest across kiosk/ and central_server/.
.venv/bin/mypy kiosk central_server || { echo "run-tests: mypy found type errors in kiosk/ or central_server/ (see above)" >&2; exit 1; }
.venv/bin/python -m pytest -q -p no:cacheprovider "$@" tests
rc=$?
if [ "$rc" -eq 5 ]; then
  echo "run-tests: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$rc"

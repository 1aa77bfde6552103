#!/usr/bin/env bash
# Sets up a kiosk checkout on Debian 12 (as root): system packages, a virtualenv
# in .venv, the package with its extras; then runs `demo` or `test` if asked.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
export DEBIAN_FRONTEND=noninteractive

apt_packages=(
  python3-venv python3-dev
  fonts-noto-cjk fontconfig
  libegl1 libgl1 libopengl0 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libfreetype6 libdbus-1-3
  libxcb1 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
  libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1
  libnss3 libasound2 libpulse0 xvfb xauth libusb-1.0-0
  espeak-ng openbox xdotool
  postgresql   # the central tests start their own PostgreSQL cluster (Debian 12: version 15) beside SQLite
  wrk          # sends the province benchmark's heartbeats (benchmarks/central.py), and its test
)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: these system packages are missing and installing them needs root: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

python=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$python" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[central,test,usb,serial]"

case "${1:-}" in
  demo) shift; exec .venv/bin/kiosk demo "$@" ;;
  test) shift; exec "$here/deploy/run-tests.sh" "$@" ;;
  "") echo "bootstrap: done; run .venv/bin/kiosk demo" ;;
  *) echo "bootstrap: unknown action '$1' (expected demo or test)" >&2; exit 2 ;;
esac

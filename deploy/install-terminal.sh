#!/usr/bin/env bash
# Installs or updates the kiosk on a Debian 12 terminal (run as root). Safe to run again:
# it never overwrites /etc/kiosk/config.toml or the terminal secret, and updates everything else.
#
#   install-terminal.sh [--config FILE] [--secret-stdin] [--wheelhouse DIR] [--x11] [--no-apt] [--no-enable]
#
#   --config FILE     the terminal's configuration, copied to /etc/kiosk/config.toml if that does not exist
#                     (default: deploy/terminal-config.toml, to be edited afterwards)
#   --secret-stdin    read the terminal's secret from central on standard input into /etc/kiosk/terminal.secret
#   --wheelhouse DIR  install Python packages from DIR only (no network): pip download/wheel them beforehand
#   --x11             run the kiosk under X (xinit) instead of the cage Wayland compositor
#   --no-apt          do not install Debian packages (they are already there)
#   --no-enable       install, but do not enable the service at boot
set -euo pipefail

source_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
deploy_dir="$source_dir/deploy"
prefix=/opt/kiosk
etc_dir=/etc/kiosk
state_dir=/var/lib/kiosk
user=kiosk

config_file="$deploy_dir/terminal-config.toml"
secret_stdin=no
wheelhouse=""
use_x11=no
run_apt=yes
enable=yes

say() { printf 'install-terminal: %s\n' "$*"; }
die() { printf 'install-terminal: error: %s\n' "$*" >&2; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --config) [ $# -ge 2 ] || die "--config needs a file"; config_file=$2; shift 2 ;;
    --secret-stdin) secret_stdin=yes; shift ;;
    --wheelhouse) [ $# -ge 2 ] || die "--wheelhouse needs a folder"; wheelhouse=$2; shift 2 ;;
    --x11) use_x11=yes; shift ;;
    --no-apt) run_apt=no; shift ;;
    --no-enable) enable=no; shift ;;
    -h|--help) sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done

[ "$(id -u)" -eq 0 ] || die "run as root (sudo $0 ...)"
[ -f "$source_dir/setup.py" ] || die "$source_dir does not hold the kiosk's source (no setup.py)"
[ -f "$config_file" ] || die "configuration file $config_file does not exist"
if [ -n "$wheelhouse" ] && [ ! -d "$wheelhouse" ]; then die "wheelhouse $wheelhouse is not a folder"; fi
if [ "$secret_stdin" = yes ] && [ -t 0 ]; then die "--secret-stdin: pipe the secret in (… < secret-file)"; fi

# 1. Debian packages: Python, the compositor (or X), CJK fonts, and the libraries Qt needs.
if [ "$run_apt" = yes ]; then
  packages=(
    python3 python3-venv ca-certificates dbus systemd-timesyncd
    fonts-noto-cjk fontconfig libusb-1.0-0
    libegl1 libgl1 libopengl0 libgbm1 libdrm2 libfontconfig1 libfreetype6 libdbus-1-3 libglib2.0-0
    libxkbcommon0 libwayland-client0 libwayland-cursor0 libwayland-egl1
  )
  if [ "$use_x11" = yes ]; then
    packages+=(xserver-xorg-core xserver-xorg-input-libinput xinit x11-xserver-utils
               libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0
               libxcb-render-util0 libxcb-shape0 libxcb-xfixes0 libxcb-xinerama0 libxcb-xkb1 libx11-xcb1)
  else
    packages+=(cage)
  fi
  say "installing Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

# 2. The kiosk user and group (no password, no login shell); groups for the screen, input and serial printers.
if ! getent group "$user" >/dev/null; then
  groupadd --system "$user"
  say "created group $user"
fi
if ! id -u "$user" >/dev/null 2>&1; then
  useradd --system --gid "$user" --home-dir "$state_dir" --no-create-home --shell /usr/sbin/nologin \
    --comment "Self-service kiosk" "$user"
  say "created user $user"
fi
# The data directory, private to the kiosk's user (systemd's StateDirectory= keeps it so).
install -d -m 0700 -o "$user" -g "$user" "$state_dir"
for group in video render input dialout lp; do
  if getent group "$group" >/dev/null && [[ " $(id -nG "$user") " != *" $group "* ]]; then
    usermod -a -G "$group" "$user"
  fi
done

# 3. The application in its own virtualenv under /opt/kiosk, and the printer profiles.
install -d -m 0755 "$prefix"
if [ ! -x "$prefix/venv/bin/python" ]; then
  python3 -m venv "$prefix/venv"
  say "created $prefix/venv"
fi
pip_options=(--quiet --disable-pip-version-check)
if [ -n "$wheelhouse" ]; then
  pip_options+=(--no-index --find-links "$wheelhouse")
else
  "$prefix/venv/bin/python" -m pip install "${pip_options[@]}" --upgrade pip
fi
say "installing the kiosk from $source_dir into $prefix/venv"
# KIOSK_PARTS=terminal: the kiosk alone, without the reference central and the developer tools.
KIOSK_PARTS=terminal "$prefix/venv/bin/python" -m pip install "${pip_options[@]}" --upgrade "${source_dir}[usb,serial]"
ln -sfn "$prefix/venv/bin/kiosk" /usr/local/bin/kiosk
install -d -m 0755 /usr/share/kiosk/printers
install -m 0644 "$source_dir"/printers/*.toml /usr/share/kiosk/printers/

# 4. Configuration and the terminal secret (kept when present: they belong to the technician).
install -d -m 0755 "$etc_dir"
if [ -e "$etc_dir/config.toml" ]; then
  say "keeping the existing $etc_dir/config.toml"
else
  install -m 0644 "$config_file" "$etc_dir/config.toml"
  say "installed $etc_dir/config.toml from $config_file"
fi
secret="$etc_dir/terminal.secret"
if [ "$secret_stdin" = yes ]; then
  tmp=$(mktemp "$etc_dir/.terminal.secret.XXXXXX")
  chmod 0600 "$tmp"
  cat > "$tmp"
  [ -s "$tmp" ] || { rm -f "$tmp"; die "no secret arrived on standard input"; }
  chown "$user:$user" "$tmp"
  mv -f "$tmp" "$secret"
  say "wrote the terminal secret to $secret"
elif [ ! -e "$secret" ]; then
  install -m 0600 -o "$user" -g "$user" /dev/null "$secret"
  say "created an empty $secret: put the terminal's secret from central in it"
fi
chown "$user:$user" "$secret"
chmod 0600 "$secret"

# 5. The service, its PAM session, the X11 drop-in when asked, and the printer rule.
install -m 0644 "$deploy_dir/kiosk.service" /etc/systemd/system/kiosk.service
install -m 0644 "$deploy_dir/pam.d/kiosk" /etc/pam.d/kiosk
if [ "$use_x11" = yes ]; then
  install -d -m 0755 /etc/systemd/system/kiosk.service.d
  install -m 0644 "$deploy_dir/kiosk-x11.conf" /etc/systemd/system/kiosk.service.d/x11.conf
  say "the kiosk will run under X (xinit)"
else
  rm -f /etc/systemd/system/kiosk.service.d/x11.conf
fi
install -m 0644 "$deploy_dir/99-kiosk-printer.rules" /etc/udev/rules.d/99-kiosk-printer.rules
if command -v udevadm >/dev/null; then
  udevadm control --reload-rules || true
  udevadm trigger --subsystem-match=usb --action=change || true
fi
systemctl daemon-reload
systemctl set-default graphical.target >/dev/null
if [ "$enable" = yes ]; then
  systemctl enable kiosk.service
fi

# 6. Check the configuration as the kiosk user sees it, and say what is left to do.
if runuser -u "$user" -- "$prefix/venv/bin/kiosk" config check "$etc_dir/config.toml"; then
  say "configuration OK"
else
  say "the configuration needs attention: edit $etc_dir/config.toml, then: kiosk config check $etc_dir/config.toml"
fi
[ -s "$secret" ] || say "still to do: put the terminal secret from central in $secret"
say "still to do: set the staff PIN: kiosk config set-pin --config $etc_dir/config.toml"
say "then start it: systemctl restart kiosk (or reboot), and check it: kiosk status"

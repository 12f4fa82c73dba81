#!/bin/sh
# Mawjly installer: download a release binary, verify its checksum, install it, and (as root with
# systemd) run it as a hardened service. Safe to re-run: a re-run upgrades in place, keeping data and config.
#
#   curl -fsSL https://github.com/mawjly/mawjly/releases/latest/download/install.sh | sh
#   sh install.sh [--version X] [--uninstall [--purge]] [--help]
#
# Environment:
#   MAWJLY_DOWNLOAD_URL  base URL holding mawjly-linux-<arch> and SHA256SUMS (overrides --version)
#   MAWJLY_NO_SYSTEMD=1  never install a service; install for the current user in ~/.local/bin
#   MAWJLY_ROOT          (tests) prefix for every path written; systemctl/useradd/chown are then skipped
#   MAWJLY_FORCE_SYSTEMD=1 (tests, only with MAWJLY_ROOT) lay out the service files as if systemd ran
set -eu

REPO_URL="https://github.com/mawjly/mawjly"
R="${MAWJLY_ROOT:-}"
SERVICE=mawjly
SVC_USER=mawjly

say() { printf 'mawjly-install: %s\n' "$*"; }
die() { printf 'mawjly-install: error: %s\n' "$*" >&2; exit 1; }

usage() {
	cat <<EOF
Usage: install.sh [--version X] [--uninstall [--purge]]

  --version X   install release vX instead of the latest
  --uninstall   remove the binary and the service; keep data and config
  --purge       with --uninstall (or alone): also delete data, config and the service user
EOF
}

version=""
action=install
purge=0
while [ $# -gt 0 ]; do
	case "$1" in
		--version) [ $# -ge 2 ] || die "--version needs a value"; version="$2"; shift 2 ;;
		--version=*) version="${1#--version=}"; shift ;;
		--uninstall) action=uninstall; shift ;;
		--purge) action=uninstall; purge=1; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; die "unknown option: $1" ;;
	esac
done
version="${version#v}"

# --- where things go --------------------------------------------------------------------------------

# System mode needs root and a running systemd; everything else is a per-user install.
mode=user
if [ "${MAWJLY_NO_SYSTEMD:-}" != 1 ] && [ "$(id -u)" -eq 0 ]; then
	if [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
		mode=system
	elif [ -n "$R" ] && [ "${MAWJLY_FORCE_SYSTEMD:-}" = 1 ]; then
		mode=system
	fi
fi

if [ "$mode" = system ]; then
	BIN_DIR="$R/usr/local/bin"
	CONF_DIR="$R/etc/mawjly"
	DATA_DIR="$R/var/lib/mawjly"
	UNIT_FILE="$R/etc/systemd/system/$SERVICE.service"
else
	[ -n "${HOME:-}" ] || die "HOME is not set; cannot choose ~/.local/bin"
	BIN_DIR="$R$HOME/.local/bin"
	DATA_DIR="$R$HOME/.local/share/mawjly"
	# Every mawjly command reads MAWJLY_DATA_DIR from this file (after --data-dir and the environment),
	# so `mawjly accounts create` typed in any directory finds this installation's database.
	CONF_DIR="$R${XDG_CONFIG_HOME:-$HOME/.config}/mawjly"
fi
BIN="$BIN_DIR/mawjly"

# Commands that change the real system run only without MAWJLY_ROOT (tests stay inside their tree).
sys() {
	if [ -n "$R" ]; then say "(MAWJLY_ROOT set, skipped: $*)"; else "$@"; fi
}

# --- uninstall --------------------------------------------------------------------------------------

if [ "$action" = uninstall ]; then
	if [ "$mode" = system ]; then
		if [ -f "$UNIT_FILE" ]; then
			sys systemctl disable --now "$SERVICE" >/dev/null 2>&1 || true
			rm -f "$UNIT_FILE"
			sys systemctl daemon-reload || true
		fi
	fi
	rm -f "$BIN"
	say "removed $BIN"
	if [ "$purge" = 1 ]; then
		rm -rf "$DATA_DIR"
		say "purged data in $DATA_DIR"
		rm -rf "$CONF_DIR"
		say "purged config in $CONF_DIR"
		if [ "$mode" = system ]; then
			if id "$SVC_USER" >/dev/null 2>&1; then sys userdel "$SVC_USER" || true; fi
		fi
	else
		say "kept data in $DATA_DIR (use --purge to delete it)"
	fi
	exit 0
fi

# --- platform ---------------------------------------------------------------------------------------

os="$(uname -s)"
[ "$os" = Linux ] || die "unsupported OS: $os (release binaries exist for Linux x64 and arm64 only)"
case "$(uname -m)" in
	x86_64 | amd64) arch=x64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) die "unsupported CPU architecture: $(uname -m) (release binaries exist for x64 and arm64 only)" ;;
esac
asset="mawjly-linux-$arch"

if [ -n "${MAWJLY_DOWNLOAD_URL:-}" ]; then
	base_url="${MAWJLY_DOWNLOAD_URL%/}"
elif [ -n "$version" ]; then
	base_url="$REPO_URL/releases/download/v$version"
else
	base_url="$REPO_URL/releases/latest/download"
fi

# --- download and verify ----------------------------------------------------------------------------

if command -v curl >/dev/null 2>&1; then
	fetch() { curl -fsSL --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
	fetch() { wget -q -O "$2" "$1"; }
else
	die "neither curl nor wget is installed"
fi

if command -v sha256sum >/dev/null 2>&1; then
	sha256() { sha256sum "$1" | cut -d ' ' -f 1; }
elif command -v shasum >/dev/null 2>&1; then
	sha256() { shasum -a 256 "$1" | cut -d ' ' -f 1; }
else
	die "neither sha256sum nor shasum is installed; cannot verify the download"
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

say "downloading $base_url/$asset"
fetch "$base_url/$asset" "$tmp/$asset" || die "download failed: $base_url/$asset"
fetch "$base_url/SHA256SUMS" "$tmp/SHA256SUMS" || die "download failed: $base_url/SHA256SUMS"

# Lines look like "<hex>  <name>" (or "<hex> *<name>" from binary-mode tools).
expected="$(awk -v f="$asset" '$2 == f || $2 == "*" f { print $1; exit }' "$tmp/SHA256SUMS")"
[ -n "$expected" ] || die "SHA256SUMS has no entry for $asset; nothing was installed"
actual="$(sha256 "$tmp/$asset")"
if [ "$expected" != "$actual" ]; then
	die "checksum mismatch for $asset (expected $expected, got $actual); nothing was installed"
fi
say "checksum OK"

# --- install the binary -----------------------------------------------------------------------------

old_version=""
[ -x "$BIN" ] && old_version="$("$BIN" version 2>/dev/null || true)"
mkdir -p "$BIN_DIR"
# Stage next to the target (not in /tmp, which may be noexec), check that it runs on this machine
# (wrong arch or libc) before touching a working install, then rename: atomic, fine while it runs.
staged="$BIN_DIR/.mawjly.new"
cp "$tmp/$asset" "$staged"
chmod 0755 "$staged"
if ! new_version="$("$staged" version 2>&1)"; then
	rm -f "$staged"
	die "the downloaded binary does not run on this machine ($new_version); nothing was installed"
fi
mv -f "$staged" "$BIN"
if [ -n "$old_version" ]; then say "upgraded $BIN ($old_version -> $new_version)"; else say "installed $BIN ($new_version)"; fi

if [ "$mode" = user ]; then
	mkdir -p "$DATA_DIR" "$CONF_DIR"
	chmod 0700 "$DATA_DIR"
	# The env file is the user's: written once, never overwritten by an upgrade. The path inside is
	# the real one (without the MAWJLY_ROOT test prefix), like /var/lib/mawjly in the service's file.
	if [ ! -f "$CONF_DIR/mawjly.env" ]; then
		printf '%s\n' "# Mawjly settings for this user; every mawjly command reads MAWJLY_DATA_DIR from here." \
			"MAWJLY_DATA_DIR=$HOME/.local/share/mawjly" >"$CONF_DIR/mawjly.env"
		chmod 0600 "$CONF_DIR/mawjly.env"
		say "wrote $CONF_DIR/mawjly.env"
	else
		say "kept $CONF_DIR/mawjly.env"
	fi
	if [ "${MAWJLY_NO_SYSTEMD:-}" = 1 ]; then why="MAWJLY_NO_SYSTEMD=1"
	elif [ "$(id -u)" -ne 0 ]; then why="not running as root"
	else why="systemd is not running"; fi
	cat <<EOF

Mawjly is installed for this user only ($why, so no service was set up).
Start it with:

  $BIN serve

Its data lives in $DATA_DIR (MAWJLY_DATA_DIR in $CONF_DIR/mawjly.env), which every
mawjly command finds from any directory.

EOF
	case ":${PATH:-}:" in
		*":$BIN_DIR:"*) ;;
		*) say "note: $BIN_DIR is not in your PATH; add it with: export PATH=\"$BIN_DIR:\$PATH\"" ;;
	esac
	exit 0
fi

# --- system service ---------------------------------------------------------------------------------

if ! id "$SVC_USER" >/dev/null 2>&1; then
	sys useradd --system --home-dir /var/lib/mawjly --no-create-home --shell /usr/sbin/nologin "$SVC_USER"
fi
mkdir -p "$DATA_DIR" "$CONF_DIR" "$(dirname "$UNIT_FILE")"
sys chown "$SVC_USER:$SVC_USER" "$DATA_DIR"
chmod 0700 "$DATA_DIR"

# The env file is the operator's: written once, never overwritten by an upgrade.
if [ ! -f "$CONF_DIR/mawjly.env" ]; then
	cat >"$CONF_DIR/mawjly.env" <<'EOF'
# Mawjly settings (read by the systemd unit). Restart after editing: systemctl restart mawjly
MAWJLY_HOST=0.0.0.0
MAWJLY_PORT=6001
MAWJLY_DATA_DIR=/var/lib/mawjly
EOF
	chmod 0640 "$CONF_DIR/mawjly.env"
	sys chown "root:$SVC_USER" "$CONF_DIR/mawjly.env"
	say "wrote $CONF_DIR/mawjly.env"
else
	say "kept $CONF_DIR/mawjly.env"
fi

# The unit is ours: rewritten on every run so upgrades get its fixes.
# No MemoryDenyWriteExecute: the JavaScript JIT needs writable+executable memory.
cat >"$UNIT_FILE" <<'EOF'
[Unit]
Description=Mawjly realtime server (Pusher Channels compatible)
Documentation=https://github.com/mawjly/mawjly
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
User=mawjly
Group=mawjly
EnvironmentFile=/etc/mawjly/mawjly.env
WorkingDirectory=/var/lib/mawjly
ExecStart=/usr/local/bin/mawjly serve
Restart=on-failure
RestartSec=2
TimeoutStopSec=30
LimitNOFILE=1048576
UMask=0077
# Allows MAWJLY_PORT=443 with --tls-cert/--tls-key without running as root.
AmbientCapabilities=CAP_NET_BIND_SERVICE
CapabilityBoundingSet=CAP_NET_BIND_SERVICE
NoNewPrivileges=true
ProtectSystem=strict
ReadWritePaths=/var/lib/mawjly
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectKernelLogs=true
ProtectControlGroups=true
ProtectClock=true
ProtectHostname=true
RestrictNamespaces=true
RestrictRealtime=true
RestrictSUIDSGID=true
LockPersonality=true
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
SystemCallArchitectures=native

[Install]
WantedBy=multi-user.target
EOF
chmod 0644 "$UNIT_FILE"
say "wrote $UNIT_FILE"

if [ -n "$R" ]; then
	say "(MAWJLY_ROOT set: not starting the service)"
	exit 0
fi

systemctl daemon-reload
systemctl enable "$SERVICE" >/dev/null 2>&1
# restart = start when stopped, and picks up the new binary when upgrading.
systemctl restart "$SERVICE"

# Show what this start printed (listening address; on first start the demo app's id/key/secret).
invocation="$(systemctl show -p InvocationID --value "$SERVICE" 2>/dev/null || true)"
logs() {
	if [ -n "$invocation" ]; then
		journalctl --no-pager -o cat "_SYSTEMD_INVOCATION_ID=$invocation" 2>/dev/null || true
	else
		journalctl --no-pager -o cat -u "$SERVICE" -n 30 2>/dev/null || true
	fi
}
i=0
while [ $i -lt 20 ]; do
	logs | grep -q 'listening on' && break
	systemctl is-failed --quiet "$SERVICE" && break
	sleep 1
	i=$((i + 1))
done
if ! systemctl is-active --quiet "$SERVICE"; then
	logs >&2
	die "the $SERVICE service did not start; see: journalctl -u $SERVICE"
fi
echo
logs
echo
say "service $SERVICE is running. Config: $CONF_DIR/mawjly.env  Data: $DATA_DIR  Logs: journalctl -u $SERVICE"

#!/usr/bin/env bash
# The Debian package as an operator gets it: built by CPack, accepted by lintian without errors, unpacked
# (dpkg-deb -x, no install) into a temporary root whose programs run and whose unit, configuration and man
# pages are there. Also `cmake --install` into a staging DESTDIR. Arguments: the build dir.
set -euo pipefail
build="$1"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "package_test: $*" >&2; exit 1; }

cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/out" > "$work/cpack.log" 2>&1 \
  || { cat "$work/cpack.log" >&2; fail "cpack failed"; }
deb="$(ls "$work"/out/thidua_*_amd64.deb)"

if command -v lintian > /dev/null; then
  lintian --fail-on error --tag-display-limit 0 "$deb" > "$work/lintian.log" 2>&1 \
    || { cat "$work/lintian.log" >&2; fail "lintian found errors"; }
else
  fail "lintian is not installed (tools/dev/setup-deps installs it)"
fi

root="$work/root"
dpkg-deb -x "$deb" "$root"
version="$("$root/usr/bin/thidua-server" --version)"
[[ "$version" =~ ^thidua-server\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ [0-9a-f]+ ]] || fail "thidua-server --version said: $version"
[[ "$("$root/usr/bin/thidua" --version)" == thidua\ * ]] || fail "thidua --version"
unit="$root/usr/lib/systemd/system/thidua-server.service"
for line in "DynamicUser=yes" "StateDirectory=thidua thidua-backups" "ProtectSystem=strict" "NoNewPrivileges=yes" \
            "ExecStart=/usr/bin/thidua-server --config /etc/thidua/server.conf --data-dir /var/lib/thidua --backup-dir /var/lib/thidua-backups"; do
  grep -qxF "$line" "$unit" || fail "the unit lacks $line"
done
# systemd's own checks of the unit, as the installed package would have it (its ExecStart pointed at the unpacked
# server): it loads without a warning, and its sandbox keeps the exposure at 3.0 or below ("OK").
command -v systemd-analyze > /dev/null || fail "systemd-analyze is not installed (tools/dev/setup-deps installs it)"
sed "s|/usr/bin/thidua-server|$root/usr/bin/thidua-server|" "$unit" > "$work/thidua-server.service"
systemd-analyze verify --man=no "$work/thidua-server.service" > "$work/verify.log" 2>&1 \
  || { cat "$work/verify.log" >&2; fail "systemd-analyze verify refuses the unit"; }
[ -s "$work/verify.log" ] && { cat "$work/verify.log" >&2; fail "systemd-analyze verify warns about the unit"; }
systemd-analyze security --offline=yes --threshold=30 "$work/thidua-server.service" > "$work/security.log" 2>&1 \
  || { tail -3 "$work/security.log" >&2; fail "the unit's sandbox is weaker than exposure 3.0"; }
dpkg-deb -f "$deb" Depends | grep -q librocksdb || fail "the package does not depend on librocksdb"
dpkg-deb -I "$deb" conffiles | grep -qxF /etc/thidua/server.conf || fail "server.conf is not a conffile"
# The example configuration is one the server takes as it is.
"$root/usr/bin/thidua-server" --config "$root/etc/thidua/server.conf" --version > /dev/null \
  || fail "the example server.conf is refused"
zcat "$root/usr/share/man/man1/thidua-server.1.gz" | grep -q -- "--data-dir" || fail "thidua-server(1) lacks --data-dir"
zcat "$root/usr/share/man/man1/thidua.1.gz" | grep -q "^.SH TOKEN CREATE" || fail "thidua(1) lacks token create"

DESTDIR="$work/staged" cmake --install "$build" --prefix /usr > /dev/null
[ -x "$work/staged/usr/bin/thidua-server" ] && [ -f "$work/staged/etc/thidua/server.conf" ] \
  || fail "cmake --install left out the server or its configuration"
echo "package_test: $deb accepted by lintian, unpacked and run: $version; $(grep -o 'Overall exposure level.*' "$work/security.log")"

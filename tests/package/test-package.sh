#!/bin/sh
# test-package.sh SRCDIR: builds the Debian package (debian/) from a copy of
# the source tree, checks it with lintian, installs it with apt into a fresh
# Debian 12 root (debootstrap, in a temporary directory; chroot in a mount
# namespace of its own: nothing outside changes), and checks that what it
# installed works on its own:
# cmatokenctl --version, the GSettings schema compiled, D-Bus activation of the
# daemon, the systemd user unit enabled, the man pages, the completion, the
# translations; then that purging it leaves nothing behind.
#
# Needs root (debootstrap, chroot, mount namespaces); exits 77 (skipped)
# otherwise. Needs the Debian mirror this system's apt uses.
set -eu

srcdir=$(cd "${1:?usage: test-package.sh SRCDIR}" && pwd)
here=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" != 0 ] || ! command -v unshare >/dev/null; then
  echo "test-package: needs root and unshare (debootstrap, and a mount namespace for the chroot); skipped"
  exit 77
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/cmt-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

echo "== copying the source tree (no .git, no build directories)"
mkdir "$work/src" "$work/src/cmatoken"
tar -C "$srcdir" --exclude=./.git --exclude='./build*' --exclude='./debian/.debhelper' \
    --exclude='./debian/cmatoken' -cf - . | tar -C "$work/src/cmatoken" -xf -

echo "== dpkg-buildpackage -us -uc -b"
if ! (cd "$work/src/cmatoken" && DEB_BUILD_OPTIONS=nocheck dpkg-buildpackage -us -uc -b) \
     >"$work/build.log" 2>&1; then
  tail -60 "$work/build.log"
  echo "test-package: dpkg-buildpackage failed" >&2
  exit 1
fi
deb=$(ls "$work"/src/cmatoken_*_*.deb)
changes=$(ls "$work"/src/cmatoken_*.changes)
echo "built $(basename "$deb")"
dpkg-deb -c "$deb" | awk '{print "  " $6}' | grep -v '/$'

echo "== lintian"
# Errors fail the test; warnings fail it too (the package has none today).
lintian --fail-on error,warning --allow-root "$changes" || {
  echo "test-package: lintian reported errors or warnings" >&2
  exit 1
}

echo "== the meson options a distribution uses: -Dgui=disabled -Dman=disabled -Dtests=false"
# The service and the command line client alone, without GTK or scdoc.
if ! { meson setup "$work/minimal" "$srcdir" -Dgui=disabled -Dman=disabled -Dtests=false -Dwerror=true &&
       ninja -C "$work/minimal" && meson install -C "$work/minimal" --destdir "$work/minimal-dest"; } \
     >"$work/minimal.log" 2>&1; then
  tail -40 "$work/minimal.log"
  echo "test-package: the build with -Dgui=disabled -Dman=disabled -Dtests=false failed" >&2
  exit 1
fi
installed=$(cd "$work/minimal-dest" && find . -type f | sort)
for f in bin/cmatokenctl libexec/cmatokend; do
  echo "$installed" | grep -q "/$f\$" || { echo "test-package: the minimal build installs no $f" >&2; exit 1; }
done
for f in bin/cmatoken share/applications/io.github.cmatoken.desktop share/man/man1/cmatokenctl.1; do
  if echo "$installed" | grep -q "/$f\$"; then
    echo "test-package: the minimal build installs $f" >&2; exit 1
  fi
done
echo "$(echo "$installed" | wc -l) files, no app, no man pages"

echo "== a fresh Debian 12 root (debootstrap --variant=minbase)"
# From the mirror this system's apt uses.
mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=$(sed -n 's/^deb[[:space:]]\{1,\}\([^[:space:]]*\/debian\)[[:space:]]\{1,\}bookworm[[:space:]].*/\1/p' /etc/apt/sources.list 2>/dev/null | head -1)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
root=$work/root
start=$(date +%s)
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
  tail -30 "$work/debootstrap.log"
  echo "test-package: debootstrap from $mirror failed" >&2
  exit 1
fi
echo "debootstrap from $mirror: $(( $(date +%s) - start )) s, $(du -sm "$root" | cut -f1) MB"
cp "$deb" "$here/check-installed.sh" "$root/root/"
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true

echo "== apt install into it, and the installed files tried there"
# A mount namespace of its own: the mounts go away with it.
unshare --mount --fork sh -eu -c '
  root=$1; deb=$2
  mount --make-rprivate /
  for d in /proc /sys /dev /dev/pts; do mount --rbind "$d" "$root$d"; done
  chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
    sh -eu /root/check-installed.sh "/root/$(basename "$deb")"
' sh "$root" "$deb"
echo "test-package: ok"

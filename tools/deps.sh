#!/bin/sh
# Install the Debian packages that building, running and testing Pecan
# need, but only when something is missing (so `make run` stays quick).
#
#   tools/deps.sh                 what make, make run and make test need
#                                 (with the Unix image: Debian's static
#                                 busybox, musl-gcc and glibc's libc.a)
#   tools/deps.sh bench [DIR]     also what make bench needs for the Linux
#                                 comparison and the plot: Debian's stock
#                                 kernel (linux-image-amd64, /boot/vmlinuz-*)
#                                 and python3-matplotlib. If the kernel package
#                                 cannot be installed, its image is taken out
#                                 of the package into DIR/boot instead.
set -e
need=""
check() {   # check COMMAND PACKAGE
    command -v "$1" >/dev/null 2>&1 || need="$need $2"
}
check gcc gcc
check ld binutils
check objcopy binutils
check addr2line binutils
check make make
check qemu-system-x86_64 qemu-system-x86
check python3 python3
# The Unix server's image and its tests (docs/unix.md): busybox from the
# busybox-static package (the busybox package has a dynamic /bin/busybox),
# the test programs built with musl-gcc and with gcc -static (libc.a)
dpkg-query -W -f '${Status}' busybox-static 2>/dev/null | grep -q 'ok installed' ||
    need="$need busybox-static"
check musl-gcc musl-tools
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || need="$need libc6-dev"

kernel=""
if [ "$1" = bench ]; then
    kdir=${2:-build/linux-kernel}
    # the plot (tools/bench.py falls back to Debian's own python3 for it)
    python3 -c 'import matplotlib' >/dev/null 2>&1 ||
        /usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1 || need="$need python3-matplotlib"
    if ! ls /boot/vmlinuz-* >/dev/null 2>&1 && ! ls "$kdir"/boot/vmlinuz-* >/dev/null 2>&1; then
        kernel=linux-image-amd64
    fi
fi
[ -z "$need$kernel" ] && exit 0

sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
apt_install() {
    # shellcheck disable=SC2086
    $sudo env DEBIAN_FRONTEND=noninteractive INITRD=No \
        apt-get install -y -q --no-install-recommends "$@"
}

echo "deps: installing$need${kernel:+ $kernel}"
$sudo apt-get update -q
# shellcheck disable=SC2086
[ -z "$need" ] || apt_install $need

[ -n "$kernel" ] || exit 0
# The kernel for make bench's Linux comparison. INITRD=No makes the
# package's hook skip building an initramfs for it: make bench boots it with
# its own, and this runs only where /boot had no kernel at all, so no
# bootloader relies on it.
if apt_install "$kernel" && ls /boot/vmlinuz-* >/dev/null 2>&1; then
    exit 0
fi
# Fallback (no root, read-only /boot, a failing hook): take vmlinuz out of
# the package without installing it.
echo "deps: no /boot/vmlinuz-* from $kernel; extracting its kernel image into $kdir instead"
pkg=$(apt-cache depends "$kernel" | sed -n 's/^ *Depends: \(linux-image-[0-9].*\)$/\1/p' | head -n 1)
[ -n "$pkg" ] || { echo "deps: cannot tell which package $kernel depends on" >&2; exit 1; }
tmp=$(mktemp -d)
chmod 777 "$tmp"          # apt-get download runs as the _apt user
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && apt-get download -q "$pkg")
mkdir -p "$kdir"
dpkg-deb --fsys-tarfile "$tmp"/*.deb | tar -x -C "$kdir" --wildcards './boot/vmlinuz-*'
ls "$kdir"/boot/vmlinuz-*

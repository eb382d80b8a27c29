#!/bin/sh
# Install the Debian packages that building, running and testing Pecan
# need, but only when something is missing (so `make run` stays quick).
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
[ -z "$need" ] && exit 0

echo "deps: installing$need"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# shellcheck disable=SC2086
$sudo apt-get install -y -q --no-install-recommends $need

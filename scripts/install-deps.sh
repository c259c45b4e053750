#!/bin/sh
# Installs the Debian packages Quarry needs to build and test, if any are
# missing. Safe to run again: it installs nothing when all are present.
# libgmime-3.0-dev: the e-mail reader; unrtf: the RTF reader runs it.
set -eu
pkgs="cmake make gcc g++ pkg-config libxapian-dev xapian-tools zlib1g-dev
libxml2-dev libjansson-dev libarchive-dev libmagic-dev libpoppler-glib-dev
libgmime-3.0-dev unrtf libcmocka-dev jq valgrind
clang libclang-rt-14-dev"
missing=""
for p in $pkgs; do
    if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing$missing" >&2
if [ "$(id -u)" = 0 ]; then
    sudo=""
elif command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
else
    echo "install-deps: need root (or sudo) to install:$missing" >&2
    exit 1
fi
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing

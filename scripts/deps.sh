#!/usr/bin/env bash
# Installs, with apt-get, every Debian 12 package netsend needs to build and
# to run its whole test suite. Sourced by quickstart and test-all; installs
# only what is missing.
set -euo pipefail

NETSEND_BUILD_PACKAGES=(
  meson ninja-build pkgconf gcc clang
  libglib2.0-dev libglib2.0-bin libjson-glib-dev libsqlite3-dev sqlite3
  libcmocka-dev libsmbclient-dev scdoc
)
# Real peers and tools for the integration tests (namespaces, Samba, tshark).
NETSEND_TEST_PACKAGES=(
  iproute2 dbus samba smbclient samba-common-bin tshark
  python3-impacket python3-samba procps util-linux
)

netsend_missing_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || echo "$p"
  done
}

netsend_install() {
  local missing created_policy=0
  mapfile -t missing < <(netsend_missing_packages "$@")
  [ "${#missing[@]}" -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    echo "netsend: missing packages: ${missing[*]}; run as root or install them first" >&2
    return 1
  fi
  # Installing samba would start smbd/nmbd in this (root) namespace, where
  # they would talk on the real network. Forbid service starts during the
  # install (the Debian policy-rc.d convention), unless a policy exists.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy=1
  fi
  echo "netsend: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  [ "$created_policy" -eq 1 ] && rm -f /usr/sbin/policy-rc.d
  return 0
}

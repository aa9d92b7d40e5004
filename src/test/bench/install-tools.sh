#!/bin/sh
# Installs the benchmark's load tools where missing: wrk (HTTP load) and pgbench (the database ceiling, in Debian's
# postgresql-contrib on older releases, postgresql-client on newer ones), from apt (with sudo when not root).
set -eu
if ! command -v wrk >/dev/null 2>&1 || ! command -v pgbench >/dev/null 2>&1; then
  echo "installing wrk and pgbench (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends wrk postgresql-client >/dev/null
  command -v pgbench >/dev/null 2>&1 || $SUDO apt-get install -y -qq --no-install-recommends postgresql-contrib >/dev/null
fi
command -v wrk
command -v pgbench

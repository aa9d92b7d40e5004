#!/bin/sh
# Installs Debian's headless browser for the console's browser test (ConsoleBrowserTest) where it is missing:
# chromium and the matching chromium-driver, from apt (with sudo when not root). Prints the two paths.
set -eu
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  echo "installing chromium and chromium-driver (apt)" >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null
fi
command -v chromium
command -v chromedriver

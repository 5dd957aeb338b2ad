#!/usr/bin/env bash
# Makes sure a headless-capable Chromium is on PATH, for the test of `elkhound report --html`
# (it renders the page and takes a screenshot). Uses the machine's chromium when there is one;
# otherwise installs Debian's `chromium` package with apt-get (as root, or through sudo).
# Prints the path of the browser.
set -euo pipefail
for candidate in chromium chromium-browser google-chrome; do
  if command -v "$candidate" >/dev/null 2>&1; then
    command -v "$candidate"
    exit 0
  fi
done
if ! command -v apt-get >/dev/null 2>&1; then
  echo "ensure-chromium: no chromium on PATH and no apt-get to install it; install Chromium (headless) and retry" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo -n"; else
    echo "ensure-chromium: installing chromium needs root (apt-get); run as root or install it yourself" >&2
    exit 1
  fi
fi
echo "ensure-chromium: installing Debian's chromium (once)" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get install -y --no-install-recommends chromium >/dev/null 2>&1 || {
  $sudo apt-get update >/dev/null && $sudo apt-get install -y --no-install-recommends chromium >/dev/null
}
command -v chromium

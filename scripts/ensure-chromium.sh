#!/usr/bin/env bash
# Make sure Debian's Chromium is installed: the browser tests (Airflow UI, reports, dashboards) drive
# it headless with Playwright. Playwright cannot download its own browser builds here, so the tests
# use /usr/bin/chromium (GOSPUBLIKI_CHROMIUM overrides). Installs the `chromium` package when it is
# missing (CI runs as root; otherwise through sudo). Never skips: without a browser the tests fail.
set -euo pipefail
CHROMIUM=${GOSPUBLIKI_CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
echo "ensure-chromium: $CHROMIUM not found, installing Debian's chromium package"
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
"$CHROMIUM" --version

#!/usr/bin/env bash
# ctest entry of the browser test (label browser). Installs playwright-core from the lock file
# into the build tree when it is missing (npm ci: no browser download), then drives Debian's
# chromium. Skips (exit 77) only when chromium is not installed: packaging/dev test installs it.
#   run_browser_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src="$1"
work="$2"
chromium="${YARD_CHROMIUM:-/usr/bin/chromium}"

if [[ ! -x "$chromium" ]]; then
  echo "SKIPPED: $chromium is not installed (apt-get install chromium; packaging/dev test does)"
  exit 77
fi
# shellcheck source=tests/node_deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/../node_deps.sh"
node_deps "$src" "$work" playwright-core
exec node "$src/status_page.test.mjs"

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
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "FAILED: $tool is not installed (packaging/dev test installs it)"; exit 1; }
done

mkdir -p "$work"
if [[ ! -d "$work/node_modules/playwright-core" ]] || ! cmp -s "$src/package-lock.json" "$work/package-lock.json"; then
  cp "$src/package.json" "$src/package-lock.json" "$work/"
  (cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
fi
export YARD_NODE_MODULES="$work/node_modules"
exec node "$src/status_page.test.mjs"

#!/usr/bin/env bash
# ctest entry of the tus-js-client test. Installs tus-js-client from the lock file into the
# build tree when it is missing or the lock file changed, then runs the test under node.
#   run_tus_js_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src="$1"
work="$2"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "FAILED: $tool is not installed (packaging/dev test installs it)"; exit 1; }
done
mkdir -p "$work"
if [[ ! -d "$work/node_modules/tus-js-client" ]] || ! cmp -s "$src/package-lock.json" "$work/package-lock.json"; then
  cp "$src/package.json" "$src/package-lock.json" "$work/"
  (cd "$work" && npm ci --no-audit --no-fund --loglevel=error)
fi
export YARD_NODE_MODULES="$work/node_modules"
exec node "$src/tus_js_client.test.mjs"

#!/usr/bin/env bash
# ctest entry of the tus-js-client test. Installs tus-js-client from the lock file into the
# build tree when it is missing or the lock file changed, then runs the test under node.
#   run_tus_js_test.sh SOURCE_DIR WORK_DIR
set -euo pipefail
src="$1"
work="$2"
# shellcheck source=tests/node_deps.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../node_deps.sh"
node_deps "$src" "$work" tus-js-client
exec node "$src/tus_js_client.test.mjs"

# Sourced by the ctest entries of the node-driven tests (browser, tus-js-client).
# node_deps SOURCE_DIR WORK_DIR PACKAGE: checks node and npm are there, installs SOURCE_DIR's
# package-lock.json into WORK_DIR with npm ci when PACKAGE is missing there or the lock file
# changed (never a browser download), and exports YARD_NODE_MODULES for the test.
node_deps() {
  local src="$1" work="$2" package="$3" tool
  for tool in node npm; do
    command -v "$tool" >/dev/null || { echo "FAILED: $tool is not installed (packaging/dev test installs it)"; exit 1; }
  done
  mkdir -p "$work"
  if [[ ! -d "$work/node_modules/$package" ]] || ! cmp -s "$src/package-lock.json" "$work/package-lock.json"; then
    cp "$src/package.json" "$src/package-lock.json" "$work/"
    (cd "$work" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
  export YARD_NODE_MODULES="$work/node_modules"
}

#!/usr/bin/env bash
# `cmake --install` gives a working tree (DESIGN §8): the installed daemon finds its plugins and
# record types relative to its prefix, serves /healthz and accepts a phone's sync.
# Usage: install_smoke_test.sh BUILD_DIR
set -euo pipefail
build="$1"
work="$(mktemp -d /tmp/yard-install-XXXXXX)"
pid=""
cleanup() {
  [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

cmake --install "$build" --prefix "$work/prefix" >/dev/null
for f in bin/yard-gateway lib/yard-gateway/plugins/storage_sqlite.so \
         lib/yard-gateway/plugins/transport_https.so \
         share/yard-gateway/record-types/inspection.json; do
  [[ -e "$work/prefix/$f" ]] || { echo "FAIL: $f not installed"; exit 1; }
done

# No [plugins] dir and no [node] record_types: both must come from the prefix.
cat > "$work/gateway.conf" <<CONF
[node]
id = gw-install
site = yard-a
data_dir = $work/data
[http]
listen = 127.0.0.1:0
CONF
cd "$work"
"$work/prefix/bin/yard-gateway" --config "$work/gateway.conf" 2> "$work/daemon.log" &
pid=$!
for _ in $(seq 1 200); do
  [[ -s "$work/data/http.port" ]] && break
  sleep 0.05
done
port="$(cat "$work/data/http.port")"
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.05
done
admin="$(cat "$work/data/admin.token")"
device="$(curl -fs -H "Authorization: Bearer $admin" -H 'Content-Type: application/json' \
  -d '{"id":"dev-1","site":"yard-a","operator":"op-1"}' "http://127.0.0.1:$port/v1/admin/devices")"
token="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["token"])' "$device")"
answer="$(curl -fs -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  -d '{"device":"dev-1","writes":[{"write_id":"w-1","id":"r-1","type":"gate_event","base":null,
       "body":{"direction":"in","equipment_id":"TRLU4411","lane":"3"}}]}' \
  "http://127.0.0.1:$port/v1/sync")"
status="$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["results"][0]["status"])' "$answer")"
if [[ "$status" != "accepted" ]]; then
  echo "FAIL: sync answered $answer"; cat "$work/daemon.log"; exit 1
fi
echo "installed daemon on port $port: healthz ok, sync accepted"
echo "1 passed, 0 failed"

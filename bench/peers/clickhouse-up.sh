#!/usr/bin/env bash
# Starts ONE ClickHouse server (Debian's clickhouse-server 18.16) the peer scripts' way, for the
# side-by-side benches (bench/ingest.bench.ts; bench/migrate.bench.ts starts two, one after the
# other). Reuses ../shared/bench-peers/common.sh (port plan, apt_need, ports_free) and ch-config.sh
# (config bound to 127.0.0.1). Picks the first free port triple of the peers' ClickHouse block
# (PORT_BASE+21..23, else +24..26: inside 14601-14632), prints one line
# `http_port=N data_dir=D tcp_port=T` on stdout (T: the native port, what remote() dials), then
# exec's the server in the foreground so the caller owns its pid (and stops it by that pid).
# Scratch data: $BENCH_DIR/ch-bench-<http port>.
# Usage: BENCH_DIR=/some/dir bash bench/peers/clickhouse-up.sh
PEERS="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../shared/bench-peers" && pwd)"
# shellcheck source=/dev/null
source "$PEERS/common.sh"
apt_need clickhouse-server clickhouse-client
[ -x /usr/sbin/clickhouse-server ] || { echo "clickhouse-server is not installed (apt-get failed?)" >&2; exit 3; }
HTTP=""; TCP=""; INTER=""
for trio in "$PORT_CH1_HTTP $PORT_CH1_TCP $PORT_CH1_INTER" "$PORT_CH2_HTTP $PORT_CH2_TCP $PORT_CH2_INTER"; do
  # shellcheck disable=SC2086
  if (ports_free $trio) 2>/dev/null; then read -r HTTP TCP INTER <<<"$trio"; break; fi
done
[ -n "$HTTP" ] || { echo "no free ClickHouse port triple in $PORT_CH1_HTTP-$PORT_CH2_INTER on 127.0.0.1 (set PORT_BASE)" >&2; exit 4; }
DIR="$BENCH_DIR/ch-bench-$HTTP"
rm -rf "$DIR"
"$PEERS/ch-config.sh" "$DIR" "$HTTP" "$TCP" "$INTER"
echo "http_port=$HTTP data_dir=$DIR tcp_port=$TCP"
exec /usr/sbin/clickhouse-server --config-file="$DIR/config.xml" >"$DIR/stdout.log" 2>&1

#!/usr/bin/env bash
# Runs the stats benchmark (go run ./bench/stats) beside a throwaway
# PostgreSQL 15 cluster: installs Debian's postgresql-15 when it is
# missing, creates a cluster in a temporary directory listening on
# 127.0.0.1 only, passes it to the benchmark with -pg, and stops and
# removes it at the end. Arguments go to the benchmark, e.g.
#
#   bench/stats/run.sh -data /var/tmp/mops-stats-10m -reuse
#   bench/stats/run.sh -events 200000
#
# Environment: MOPS_BENCH_PGPORT (default 55432) is the cluster's port.
set -euo pipefail

cd "$(dirname "$0")/../.."
PGBIN=/usr/lib/postgresql/15/bin
PGPORT=${MOPS_BENCH_PGPORT:-55432}

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	SUDO=(sudo)
fi

if [ ! -x "$PGBIN/postgres" ]; then
	echo "run.sh: installing postgresql-15" >&2
	export DEBIAN_FRONTEND=noninteractive
	# The package lists are refreshed only when the package cannot be
	# installed from the ones there are.
	if ! "${SUDO[@]}" apt-get install -y --no-install-recommends postgresql-15 >&2; then
		"${SUDO[@]}" apt-get update >&2
		"${SUDO[@]}" apt-get install -y --no-install-recommends postgresql-15 >&2
	fi
fi

# PostgreSQL refuses to run as root: then the cluster belongs to the
# postgres user the package created.
AS_PG=()
if [ "$(id -u)" -eq 0 ]; then
	AS_PG=(runuser -u postgres --)
fi

if (exec 3<>"/dev/tcp/127.0.0.1/$PGPORT") 2>/dev/null; then
	echo "run.sh: port $PGPORT is in use; set MOPS_BENCH_PGPORT to a free one" >&2
	exit 1
fi

PGDATA=$(mktemp -d /tmp/mops-bench-pg.XXXXXX)
chmod 700 "$PGDATA"
if [ "$(id -u)" -eq 0 ]; then
	chown postgres: "$PGDATA"
fi

started=0
cleanup() {
	if [ "$started" = 1 ]; then
		"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
	fi
	rm -rf "$PGDATA"
}
trap cleanup EXIT

"${AS_PG[@]}" "$PGBIN/initdb" -D "$PGDATA" -U postgres --auth=trust --encoding=UTF8 --locale=C >/dev/null

# Memory for a dedicated database server: a quarter of RAM for shared
# buffers (at most 8 GB), three quarters as the planner's cache estimate.
mem_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
shared_mb=$((mem_mb / 4))
if [ "$shared_mb" -gt 8192 ]; then
	shared_mb=8192
fi
cat >>"$PGDATA/postgresql.conf" <<EOF

# mops stats benchmark: a throwaway cluster on loopback.
listen_addresses = '127.0.0.1'
port = $PGPORT
unix_socket_directories = '$PGDATA'
shared_buffers = ${shared_mb}MB
effective_cache_size = $((mem_mb * 3 / 4))MB
work_mem = 64MB
maintenance_work_mem = 1GB
random_page_cost = 1.1
effective_io_concurrency = 200
jit = off
# The data is loaded once and thrown away: no durability, no autovacuum
# in the middle of a measurement (the benchmark runs VACUUM ANALYZE).
fsync = off
synchronous_commit = off
full_page_writes = off
wal_level = minimal
max_wal_senders = 0
max_wal_size = 8GB
autovacuum = off
EOF

"${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 start >/dev/null
started=1
echo "run.sh: PostgreSQL 15 on 127.0.0.1:$PGPORT, data in $PGDATA, shared_buffers ${shared_mb}MB" >&2

status=0
go run ./bench/stats -pg "postgres://postgres@127.0.0.1:$PGPORT/postgres?sslmode=disable" "$@" || status=$?
if [ "$status" -ne 0 ] && [ -s "$PGDATA/server.log" ]; then
	echo "run.sh: the end of PostgreSQL's log:" >&2
	tail -n 20 "$PGDATA/server.log" >&2
fi
exit "$status"

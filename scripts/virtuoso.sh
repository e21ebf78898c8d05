#!/usr/bin/env bash
# Run a private Virtuoso 7 (Debian's virtuoso-opensource) for airkg, on loopback only.
#
# Usage: scripts/virtuoso.sh start|stop|status [HTTP_PORT [SQL_PORT]]
#
#   start   install the Debian package if missing, write a private virtuoso.ini, start
#           virtuoso-t in the background, wait until /sparql answers, and set up two accounts:
#           the anonymous SPARQL user (what /sparql runs as) may only read, and the loading
#           account airkg_loader may update through the digest-authenticated endpoints. Prints
#           the read-only endpoint, then the loading URL (with its password) as the last line.
#           Sets up the accounts again if it is already running.
#   stop    shut the server down cleanly (checkpoint), killing it if it does not go.
#   status  exit 0 and print the endpoints if they answer, exit 1 otherwise.
#
# Environment (all optional):
#   AIRKG_VIRTUOSO_HTTP_PORT  HTTP port (default 8890; the first argument wins)
#   AIRKG_VIRTUOSO_SQL_PORT   SQL (isql) port (default 1111; the second argument wins)
#   AIRKG_VIRTUOSO_DIR        scratch folder for the ini, database and log
#                             (default /tmp/airkg-virtuoso/HTTP_PORT)
#   AIRKG_VIRTUOSO_BUFFERS    NumberOfBuffers, 8 KiB pages (default 85000, ~ 700 MiB)
#   AIRKG_VIRTUOSO_WAIT       seconds to wait for the endpoint (default 120)
#   AIRKG_VIRTUOSO_LOADER_PASSWORD  the loading account's password (default: made up on first
#                             start and kept in DIR/loader.password, mode 600)
#
# Endpoints, once started (from 127.0.0.1 only):
#   http://127.0.0.1:HTTP_PORT/sparql                 SPARQL 1.1 query, read-only (anonymous):
#                                                     serve with it (airkg serve --store URL)
#   http://127.0.0.1:HTTP_PORT/sparql-auth            query and update, digest airkg_loader
#   http://127.0.0.1:HTTP_PORT/sparql-graph-crud      Graph Store Protocol, read-only (anonymous)
#   http://127.0.0.1:HTTP_PORT/sparql-graph-crud-auth Graph Store Protocol, digest airkg_loader
# Load with http://airkg_loader:PASSWORD@127.0.0.1:HTTP_PORT/sparql (airkg build/ingest --store
# URL: airkg then sends its updates to the -auth endpoints). Even the read-only user can call
# Virtuoso's built-in functions (bif:http_get fetches URLs): airkg's /sparql refuses them, but
# never let anyone but airkg reach Virtuoso's ports. Both ports are bound to 127.0.0.1, and the
# dba password stays the default "dba": never expose this instance beyond loopback.
set -euo pipefail

cmd="${1:-status}"
http_port="${2:-${AIRKG_VIRTUOSO_HTTP_PORT:-8890}}"
sql_port="${3:-${AIRKG_VIRTUOSO_SQL_PORT:-1111}}"
dir="${AIRKG_VIRTUOSO_DIR:-/tmp/airkg-virtuoso/${http_port}}"
buffers="${AIRKG_VIRTUOSO_BUFFERS:-85000}"
wait_s="${AIRKG_VIRTUOSO_WAIT:-120}"
host=127.0.0.1
endpoint="http://${host}:${http_port}/sparql"
loader=airkg_loader
ini="${dir}/virtuoso.ini"
lock="${dir}/db/virtuoso.lck"
vad_dir=/usr/share/virtuoso-opensource-7/vad
vsp_dir=/var/lib/virtuoso-opensource-7/vsp

log() { echo "virtuoso.sh: $*" >&2; }

ensure_installed() {
  if command -v virtuoso-t >/dev/null && command -v isql-vt >/dev/null; then
    return
  fi
  log "installing virtuoso-opensource"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y virtuoso-opensource >/dev/null; then
    apt-get update >/dev/null
    apt-get install -y virtuoso-opensource >/dev/null
  fi
  # The package enables and starts a system-wide instance on 0.0.0.0:8890/1111; we only
  # want our private one.
  if command -v service >/dev/null; then
    service virtuoso-opensource-7 stop >/dev/null 2>&1 || true
  fi
}

write_ini() {
  mkdir -p "${dir}/db"
  cat >"${ini}" <<EOF
; Written by scripts/virtuoso.sh for airkg: a private instance on loopback only.
[Database]
DatabaseFile       = ${dir}/db/virtuoso.db
ErrorLogFile       = ${dir}/db/virtuoso.log
LockFile           = ${lock}
TransactionFile    = ${dir}/db/virtuoso.trx
xa_persistent_file = ${dir}/db/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
MaxCheckpointRemap = 2000
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = ${dir}/db/virtuoso-temp.db
TransactionFile    = ${dir}/db/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping           = 0

[Parameters]
ServerPort               = ${host}:${sql_port}
LiteMode                 = 0
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
O_DIRECT                 = 0
CaseMode                 = 2
MaxStaticCursorRows      = 5000
AllowOSCalls             = 0
DirsAllowed              = ., ${dir}, ${vad_dir}
VADInstallDir            = ${vad_dir}/
NumberOfBuffers          = ${buffers}
MaxDirtyBuffers          = $((buffers * 3 / 4))
MaxQueryMem              = 1G
ThreadsPerQuery          = 2
AsyncQueueMaxThreads     = 10

[HTTPServer]
ServerPort               = ${host}:${http_port}
ServerRoot               = ${vsp_dir}
MaxClientConnections     = 10
DavRoot                  = DAV
EnabledDavVSP            = 0
HTTPProxyEnabled         = 0
ServerThreads            = 10
MaxKeepAlives            = 10
KeepAliveTimeout         = 10
Charset                  = UTF-8
EnabledGzipContent       = 1

[Client]
SQL_PREFETCH_ROWS  = 100
SQL_PREFETCH_BYTES = 16000
SQL_QUERY_TIMEOUT  = 0
SQL_TXN_TIMEOUT    = 0

[SPARQL]
; Virtuoso silently truncates results beyond ResultSetMaxRows: keep it large.
ResultSetMaxRows           = 10000000
MaxSortedTopRows           = 10000000
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 600
MaxConstructTriples        = 10000000
DefaultQuery               = SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }
EOF
}

pid_of() {
  # virtuoso.lck holds "VIRT_PID=1234".
  [[ -f "${lock}" ]] || return 1
  local pid
  pid="$(sed -n 's/^VIRT_PID=\([0-9]*\).*/\1/p' "${lock}")"
  [[ -n "${pid}" ]] && kill -0 "${pid}" 2>/dev/null && echo "${pid}"
}

answers() {
  curl -sf -m 5 -o /dev/null -H 'Accept: application/sparql-results+json' \
    --data-urlencode 'query=ASK {}' "${endpoint}"
}

isql() {
  isql-vt "${host}:${sql_port}" dba dba "$@"
}

loader_password() {
  local file="${dir}/loader.password"
  if [[ -n "${AIRKG_VIRTUOSO_LOADER_PASSWORD:-}" ]]; then
    echo "${AIRKG_VIRTUOSO_LOADER_PASSWORD}"
  elif [[ -s "${file}" ]]; then
    cat "${file}"
  else
    (umask 077 && head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"${file}")
    cat "${file}"
  fi
}

set_accounts() {
  # The anonymous /sparql user ("SPARQL", graph-level identity "nobody") may only read: the grants
  # earlier versions of this script gave it are taken back (REVOKE of a grant that is not there
  # is reported by isql, which goes on). The loading account gets SPARQL_UPDATE and write
  # permission on every graph; it is reached through the digest-authenticated -auth endpoints.
  local password
  password="$(loader_password)"
  [[ "${password}" =~ ^[A-Za-z0-9._~-]+$ ]] || { log "the loader password may hold only A-Z a-z 0-9 . _ ~ -"; exit 1; }
  isql >"${dir}/grants.log" 2>&1 <<SQL || true
REVOKE SPARQL_UPDATE FROM "SPARQL";
REVOKE EXECUTE ON DB.DBA.SPARQL_INSERT_DICT_CONTENT FROM "SPARQL";
REVOKE EXECUTE ON DB.DBA.SPARQL_DELETE_DICT_CONTENT FROM "SPARQL";
REVOKE EXECUTE ON DB.DBA.SPARUL_RUN FROM "SPARQL";
REVOKE EXECUTE ON DB.DBA.SPARQL_UPDATE FROM "SPARQL";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('nobody', 1);
DB.DBA.USER_CREATE ('${loader}', '${password}');
USER_PASSWORD_SET ('${loader}', '${password}');
GRANT SPARQL_UPDATE TO "${loader}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET ('${loader}', 7);
checkpoint;
SQL
}

loader_url() {
  echo "http://${loader}:$(loader_password)@${host}:${http_port}/sparql"
}

check_accounts() {
  # The loading account can write (and drop what it wrote); the anonymous user cannot.
  local g="urn:airkg:virtuoso-sh:probe"
  local update="INSERT DATA { GRAPH <${g}> { <${g}> <${g}> 1 } }; DROP SILENT GRAPH <${g}>"
  if ! curl -sf -m 10 -o /dev/null --digest -u "${loader}:$(loader_password)" \
      --data-urlencode "update=${update}" "${endpoint}-auth"; then
    log "the loading account cannot update through ${endpoint}-auth; see ${dir}/grants.log"
    return 1
  fi
  if curl -sf -m 10 -o /dev/null --data-urlencode "update=${update}" "${endpoint}"; then
    log "the anonymous user can still update through ${endpoint}; see ${dir}/grants.log"
    return 1
  fi
}

start() {
  if pid_of >/dev/null && answers; then
    set_accounts
    check_accounts || exit 1
    echo "${endpoint}"
    loader_url
    return
  fi
  ensure_installed
  if pid="$(pid_of)"; then
    log "pid ${pid} holds ${dir} but ${endpoint} does not answer; stopping it"
    stop
  fi
  write_ini
  rm -f "${lock}"
  (cd "${dir}" && virtuoso-t +configfile "${ini}" +wait >"${dir}/start.log" 2>&1) || {
    log "virtuoso-t failed to start; see ${dir}/start.log and ${dir}/db/virtuoso.log"
    tail -n 20 "${dir}/db/virtuoso.log" >&2 || true
    exit 1
  }
  local t=0
  until answers; do
    if ((t >= wait_s)); then
      log "${endpoint} did not answer within ${wait_s}s; see ${dir}/db/virtuoso.log"
      exit 1
    fi
    sleep 1
    t=$((t + 1))
  done
  set_accounts
  check_accounts || exit 1
  echo "${endpoint}"
  loader_url
}

stop() {
  local pid
  if ! pid="$(pid_of)"; then
    log "not running (${dir})"
    return
  fi
  isql -K >/dev/null 2>&1 || kill -TERM "${pid}" 2>/dev/null || true
  for _ in $(seq 1 60); do
    kill -0 "${pid}" 2>/dev/null || { log "stopped pid ${pid}"; return; }
    sleep 0.5
  done
  log "pid ${pid} still alive after 30s; killing it"
  kill -KILL "${pid}" 2>/dev/null || true
}

status() {
  local pid
  if pid="$(pid_of)" && answers; then
    echo "${endpoint} read-only (pid ${pid}, dir ${dir})"
    echo "loading: http://${loader}:PASSWORD@${host}:${http_port}/sparql (password in ${dir}/loader.password)"
  else
    echo "not running (${endpoint}, dir ${dir})"
    return 1
  fi
}

case "${cmd}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *)
    echo "usage: $0 start|stop|status [HTTP_PORT [SQL_PORT]]" >&2
    exit 2
    ;;
esac

# Shared set-up for dev/test and dev/demo: find Odoo 18, run a private PostgreSQL 15,
# and put this repository on an addons path under the name account_octopus.
# Sourced, not executed.

set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PYTHON=${PYTHON:-python3}
PG_VERSION=15
# runuser and useradd live in the sbin folders, which a non-login shell's PATH may lack.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac

die() { printf '\n\033[1;31mERROR:\033[0m %s\n\n' "$*" >&2; exit 1; }
say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

source "$REPO/dev/odoo_env.sh"

# --rebuild-env (any position) builds the Odoo environment afresh; the other arguments stay in ARGS.
ARGS=()
for arg in "$@"; do
    if [ "$arg" = --rebuild-env ]; then REBUILD_ENV=1; else ARGS+=("$arg"); fi
done

# The distributions requirements.txt names that this Python lacks, one per line (none: all there).
missing_python_requirements() {
    "$PYTHON" - "$REPO/requirements.txt" <<'PY'
import re, sys
from importlib import metadata
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if line:
        name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            print(name)
PY
}

install_python_requirements() {
    local missing
    missing=$(missing_python_requirements | tr '\n' ' ')
    [ -z "$missing" ] && return 0
    say "Installing Python requirements missing from $PYTHON: $missing"
    local log="${TMPDIR:-/tmp}/account_octopus_pip.log"
    "$PYTHON" -m pip install -q -r "$REPO/requirements.txt" >"$log" 2>&1 \
        || { cat "$log"; die "pip install -r requirements.txt failed for: $missing"; }
    missing=$(missing_python_requirements | tr '\n' ' ')
    [ -z "$missing" ] || die "Still missing after pip install -r requirements.txt: $missing"
}

APT_UPDATED=""
apt_install() {  # apt_install <command-or-path> <debian-package>...
    local probe=$1; shift
    { command -v "$probe" >/dev/null 2>&1 || [ -e "$probe" ]; } && return 0
    [ "$(id -u)" = 0 ] || die "$probe is missing: install the Debian package(s) $* (needs root), then run this again."
    say "Installing Debian package(s) for $probe: $* (missing)"
    if [ -z "$APT_UPDATED" ]; then
        apt-get update -qq >/dev/null 2>&1 || true
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >"${TMPDIR:-/tmp}/account_octopus_apt.log" 2>&1 \
        || { tail -n 20 "${TMPDIR:-/tmp}/account_octopus_apt.log"; die "apt-get install $* failed (log above)."; }
    { command -v "$probe" >/dev/null 2>&1 || [ -e "$probe" ]; } || die "$probe is still missing after installing $*."
}

# What the Odoo tests and the demo need from Debian besides Odoo: PostgreSQL (start_postgres),
# wkhtmltopdf for real invoice PDFs, and Chromium for the browser tour.
install_debian_requirements() {
    apt_install wkhtmltopdf wkhtmltopdf
    command -v google-chrome chromium chromium-browser google-chrome-stable >/dev/null 2>&1 \
        || apt_install chromium chromium
}

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# Starts a throw-away PostgreSQL server owned by the unprivileged "postgres" user (PostgreSQL
# refuses to run as root). Sets PGHOST, PGPORT, PGUSER for the rest of the script.
start_postgres() {
    local workdir=$1
    apt_install "/usr/lib/postgresql/$PG_VERSION/bin/postgres" "postgresql-$PG_VERSION"
    local bin="/usr/lib/postgresql/$PG_VERSION/bin"
    PG_BIN=$bin
    PG_DIR="$workdir/pgdata"
    PG_RUN_AS=()
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
        PG_RUN_AS=(runuser -u postgres --)
    fi
    mkdir -p "$PG_DIR" "$workdir/pgsock" "$workdir/pglog"
    if [ "$(id -u)" = 0 ]; then chown -R postgres "$workdir/pgsock" "$workdir/pglog" "$PG_DIR"; chmod 755 "$workdir"; fi
    PGPORT=${PGPORT_FORCE:-$(free_port)}
    "${PG_RUN_AS[@]}" "$bin/initdb" -D "$PG_DIR" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$workdir/initdb.log" 2>&1 \
        || { cat "$workdir/initdb.log"; die "initdb failed"; }
    "${PG_RUN_AS[@]}" "$bin/pg_ctl" -D "$PG_DIR" -l "$workdir/pglog/postgres.log" -w -t 60 \
        -o "-p $PGPORT -k $workdir/pgsock -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
        start >/dev/null || { cat "$workdir/pglog/postgres.log"; die "PostgreSQL did not start"; }
    export PGHOST=127.0.0.1 PGPORT PGUSER=odoo
    "$bin/psql" -q -U postgres -d postgres -c "CREATE ROLE odoo LOGIN CREATEDB" >/dev/null
    say "PostgreSQL $PG_VERSION on 127.0.0.1:$PGPORT (data in $PG_DIR)"
}

stop_postgres() {
    [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR" ] || return 0
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR" -m fast -w stop >/dev/null 2>&1 || true
}

# The clone's folder is not called account_octopus: link it under that name.
make_addons_path() {
    local workdir=$1
    mkdir -p "$workdir/addons"
    ln -sfn "$REPO" "$workdir/addons/account_octopus"
    ADDONS_PATH="$ODOO_ADDONS,$workdir/addons"
}

write_odoo_config() {  # write_odoo_config <file> <db>
    cat >"$1" <<EOF
[options]
addons_path = $ADDONS_PATH
db_host = 127.0.0.1
db_port = $PGPORT
db_user = odoo
db_password = False
db_name = $2
dbfilter = ^$2\$
data_dir = $(dirname "$1")/odoo-data
list_db = False
without_demo = True
EOF
}

odoo_cli() {  # odoo_cli <server|shell> <config> <args...>
    local command=$1 conf=$2; shift 2
    "$PYTHON" -m odoo "$command" -c "$conf" "$@"
}

# Finds Odoo 18 for dev/test and dev/demo, or builds a virtual environment with it.
# Sourced by lib.sh, not executed. Sets PYTHON (the interpreter that imports Odoo 18).
#
# Where Odoo comes from, first match wins:
#   1. the environment an earlier run built for this checkout (REBUILD_ENV=1 or --rebuild-env starts
#      it afresh);
#   2. ODOO_SOURCE: an Odoo 18 source tree, or a git URL or repository (shallow-cloned, branch 18.0)
#      -> a virtual environment with Odoo's requirements and the addon's;
#   3. PYTHON (default python3) when it imports Odoo 18 already (an existing installation),
#      or ODOO_PATH=/path/to/odoo-18-source added to its path;
#   4. the ODOO_SOURCE this machine used last time (remembered in $ODOO_CACHE/odoo-source), so a
#      fresh clone on the same machine (CI) builds its environment without being told again.
# Without any of these the command stops and prints the one line that fetches Odoo by itself.
#
# The environment lives in the cache, one per checkout, not inside the repository: the repository
# root is the addon, and Odoo walks every .py file below an addon (its translation exporter, for
# one), so a virtual environment there would become part of the addon.

ODOO_BRANCH=${ODOO_BRANCH:-18.0}
ODOO_OFFICIAL=https://github.com/odoo/odoo.git
ODOO_CACHE=${ODOO_CACHE:-${XDG_CACHE_HOME:-${HOME:-$(getent passwd "$(id -u)" | cut -d: -f6)}/.cache}/account_octopus}
VENV="$ODOO_CACHE/venvs/$(basename "$REPO")-$(printf '%s' "$REPO" | sha1sum | cut -c1-10)"

odoo_major() {  # odoo_major <python>: prints 18 for Odoo 18, fails when Odoo is not importable
    "$1" -c 'import odoo.release as r; print(r.version_info[0])' 2>/dev/null
}

# An Odoo source tree for ODOO_SOURCE: a folder holding odoo/ is used in place; anything else is a
# git URL or repository, cloned once (depth 1) into the cache and reused.
odoo_source_tree() {
    local source=$1
    if [ -d "$source/odoo" ] && [ -f "$source/odoo/release.py" ]; then
        (cd "$source" && pwd)
        return
    fi
    local name
    name=$(printf '%s' "$source@$ODOO_BRANCH" | sha1sum | cut -c1-12)
    local tree="$ODOO_CACHE/odoo-$name"
    if [ ! -f "$tree/odoo/release.py" ]; then
        command -v git >/dev/null || apt_install git git
        say "Cloning Odoo $ODOO_BRANCH from $source into $tree (shallow; a few minutes)" >&2
        rm -rf "$tree.part"
        git clone -q --depth 1 --branch "$ODOO_BRANCH" "$source" "$tree.part" >&2 \
            || die "Could not clone Odoo from ODOO_SOURCE=$source (branch $ODOO_BRANCH)."
        mv "$tree.part" "$tree"
    fi
    printf '%s\n' "$tree"
}

# Odoo's requirements.txt, adjusted to what builds on this Python: the pinned cbor2 has no wheel
# and does not build on 3.11+, so a newer one is used; python-ldap (only for auth_ldap) needs the
# OpenLDAP C headers and is left out unless they are present; psycopg2 is taken as the binary
# wheel of the same version, which needs no libpq headers.
odoo_requirements() {  # odoo_requirements <tree> <out-file>
    local keep_ldap=0
    [ -f /usr/include/ldap.h ] && [ -f /usr/include/sasl/sasl.h ] && keep_ldap=1
    sed -E \
        -e 's/^cbor2==[^;]*/cbor2>=5.6.2 /' \
        -e 's/^psycopg2==/psycopg2-binary==/' \
        "$1/requirements.txt" \
        | { if [ $keep_ldap = 1 ]; then cat; else grep -v '^python-ldap'; fi; } >"$2"
}

# Environments of checkouts that are gone (CI's fresh clones, deleted worktrees) are removed.
forget_envs_of_removed_checkouts() {
    local env
    for env in "$ODOO_CACHE"/venvs/*/; do
        [ -f "$env/checkout" ] && [ ! -d "$(cat "$env/checkout")" ] && rm -rf "$env"
    done
    return 0
}

build_odoo_env() {  # build_odoo_env <source>
    local tree
    tree=$(odoo_source_tree "$1")
    [ "$(grep -oE "version_info = \(([0-9]+)" "$tree/odoo/release.py" | grep -oE '[0-9]+$')" = 18 ] \
        || die "ODOO_SOURCE=$1 is not Odoo 18 (see $tree/odoo/release.py)."
    local base=${PYTHON:-python3}
    say "Building the Odoo 18 environment in $VENV from $tree (first run: a few minutes)"
    forget_envs_of_removed_checkouts
    rm -rf "$VENV"
    mkdir -p "$(dirname "$VENV")"
    "$base" -m venv "$VENV" || die "$base -m venv failed (Debian: apt install python3-venv)."
    local reqs="$VENV/odoo-requirements.txt" log="$VENV/pip.log"
    odoo_requirements "$tree" "$reqs"
    # A venv starts with Python's own setuptools (65 on 3.11), whose pkg_resources cannot find
    # packages installed under normalised names (zope_interface-*.dist-info): gevent then fails to
    # start Odoo's websocket process (multi-process mode), so a newer one that still ships it.
    "$VENV/bin/python" -m pip install -q --upgrade pip wheel "setuptools>=70,<81" >"$log" 2>&1 || true
    "$VENV/bin/python" -m pip install -q -r "$reqs" >>"$log" 2>&1 \
        || { tail -n 40 "$log"; die "Installing Odoo's requirements failed (full log: $log)."; }
    # Odoo from its tree, without copying its 600 addons into the environment.
    local site
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    printf '%s\n' "$tree" >"$site/odoo-source.pth"
    "$VENV/bin/python" -m pip install -q -r "$REPO/requirements.txt" >>"$log" 2>&1 \
        || { tail -n 40 "$log"; die "Installing requirements.txt failed (full log: $log)."; }
    [ "$(odoo_major "$VENV/bin/python")" = 18 ] || die "The environment in $VENV does not import Odoo 18 (log: $log)."
    printf '%s\n' "$REPO" >"$VENV/checkout"
    printf '%s\n' "$1" >"$ODOO_CACHE/odoo-source"
    say "Odoo 18 environment ready: $VENV (Odoo from $tree)"
}

find_odoo() {
    if [ -n "${REBUILD_ENV:-}" ]; then
        rm -rf "$VENV"
    fi
    if [ -x "$VENV/bin/python" ] && [ "$(odoo_major "$VENV/bin/python")" = 18 ] && [ -z "${ODOO_SOURCE:-}" ]; then
        PYTHON="$VENV/bin/python"
    elif [ -n "${ODOO_SOURCE:-}" ]; then
        if [ -x "$VENV/bin/python" ] && [ "$(odoo_major "$VENV/bin/python")" = 18 ] \
            && [ "$(cat "$ODOO_CACHE/odoo-source" 2>/dev/null)" = "$ODOO_SOURCE" ]; then
            PYTHON="$VENV/bin/python"
        else
            build_odoo_env "$ODOO_SOURCE"
            PYTHON="$VENV/bin/python"
        fi
    else
        PYTHON=${PYTHON:-python3}
        if [ -n "${ODOO_PATH:-}" ]; then
            [ -d "$ODOO_PATH/odoo" ] || die "ODOO_PATH=$ODOO_PATH does not hold an Odoo source tree (no odoo/ folder in it)."
            export PYTHONPATH="$ODOO_PATH${PYTHONPATH:+:$PYTHONPATH}"
        fi
        if [ -z "$(odoo_major "$PYTHON")" ]; then
            local remembered
            remembered=$(cat "$ODOO_CACHE/odoo-source" 2>/dev/null || true)
            if [ -n "$remembered" ]; then
                say "Odoo is not importable from $PYTHON; using the Odoo source this machine used before: $remembered"
                build_odoo_env "$remembered"
                PYTHON="$VENV/bin/python"
            else
                die "Odoo 18 is not importable from $PYTHON, and ODOO_SOURCE is not set.
    Let this command provide Odoo (a virtual environment in $ODOO_CACHE/venvs, a few minutes the first time):
        ODOO_SOURCE=$ODOO_OFFICIAL $0        (or ODOO_SOURCE=/path/to/odoo-18-source)
    Or use an Odoo 18 you installed: PYTHON=/path/to/its/python $0, or ODOO_PATH=/path/to/odoo-18-source $0.
    The Odoo tests are never skipped: without Odoo this command fails."
            fi
        fi
    fi
    local version
    version=$(odoo_major "$PYTHON") || die "Odoo is not importable from $PYTHON."
    [ "$version" = "18" ] || die "Found Odoo $version; account_octopus needs Odoo 18."
    ODOO_ROOT=$("$PYTHON" -c 'import odoo, os; print(os.path.dirname(os.path.dirname(odoo.__file__)))')
    ODOO_ADDONS="$ODOO_ROOT/odoo/addons"
    [ -d "$ODOO_ROOT/addons/account" ] && ODOO_ADDONS="$ODOO_ROOT/addons,$ODOO_ADDONS"
    export PATH="$(dirname "$PYTHON"):$PATH"   # pylint, pytest of the same environment
    "$PYTHON" -c 'import odoo.addons' >/dev/null
}

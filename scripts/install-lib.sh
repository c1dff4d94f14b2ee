# Shared by scripts/install-terminal and scripts/install-hub (sourced, not run).
# Parses --prefix DIR and --dry-run (defaults: $KIOSK_PREFIX, empty = the real system),
# and gives each step a `step` wrapper that prints it and, unless --dry-run, runs it.
# Under a prefix every path takes it in front, in the files written too (units,
# hub.toml), so that the installed copy runs from there (a trial, a test); no user is
# created, nothing is chowned and systemctl / udevadm are not called.

root=${KIOSK_PREFIX:-}
dry=0
extra_args=()
while [[ $# -gt 0 ]]; do
    case "$1" in
        --prefix) root=${2:?--prefix needs a folder}; shift 2 ;;
        --prefix=*) root=${1#--prefix=}; shift ;;
        --dry-run) dry=1; shift ;;
        -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) extra_args+=("$1"); shift ;;
    esac
done
root=${root%/}
if [[ -n "$root" && "$root" != /* ]]; then
    root="$PWD/$root"
fi
if [[ -z "$root" && $dry -eq 0 && $(id -u) -ne 0 ]]; then
    echo "$(basename "$0"): run as root (or give --prefix DIR, or --dry-run)" >&2
    exit 1
fi

step() {
    echo "+ $*"
    if [[ $dry -eq 0 ]]; then
        "$@"
    fi
}

system_step() {  # only on the real system (not under a prefix)
    if [[ -n "$root" ]]; then
        echo "  (under --prefix, skipped: $*)"
    else
        step "$@"
    fi
}

install_code() {  # install_code SRC -> $root/opt/kiosk with its .venv
    local src=$1 dest="$root/opt/kiosk"
    if [[ -e "$dest" && "$(realpath "$src")" == "$(realpath "$dest")" ]]; then
        echo "  code already in $dest"
    else
        step install -d "$dest"
        step cp -a "$src/." "$dest/"
        step rm -rf "$dest/.venv"
    fi
    if [[ $dry -eq 0 ]] && "$dest/.venv/bin/kiosk" --version >/dev/null 2>&1; then
        echo "  virtual environment ready in $dest/.venv"
    else
        step "$dest/scripts/setup"
    fi
}

owned_dir() {  # owned_dir USER MODE DIR
    local user=$1 mode=$2 dir=$3
    if [[ -n "$root" ]]; then
        step install -d -m "$mode" "$root$dir"
    else
        step install -d -o "$user" -g "$user" -m "$mode" "$dir"
    fi
}

install_rooted() {  # install_rooted SRC DEST: copy a file, putting $root before our paths
    local src=$1 dest=$2
    echo "+ install $src -> $dest"
    if [[ $dry -eq 0 ]]; then
        sed -e "s#/opt/kiosk#$root/opt/kiosk#g" -e "s#/var/lib/kiosk#$root/var/lib/kiosk#g" \
            -e "s#/var/log/kiosk#$root/var/log/kiosk#g" -e "s#/etc/kiosk-hub#$root/etc/kiosk-hub#g" \
            "$src" > "$dest"
        chmod 0644 "$dest"
    fi
}

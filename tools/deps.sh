# Sourced by tools/demo and tools/test: makes sure the Debian packages the
# build needs are installed (installing them with apt-get when run as root,
# else naming them and stopping).
HINDCAST_PACKAGES="meson ninja-build pkg-config gcc g++ clang python3
libopenblas-dev liblapacke-dev zlib1g-dev check libjansson-dev libnlopt-dev
libdragonbox-dev libfast-float-dev"

hindcast_missing_packages() {
    local missing="" p
    for p in $HINDCAST_PACKAGES; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
            missing="$missing $p"
        fi
    done
    echo "$missing"
}

hindcast_ensure_packages() {
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "hindcast: not a Debian system; install the equivalents of:" \
             $HINDCAST_PACKAGES >&2
        return 0
    fi
    local missing
    missing=$(hindcast_missing_packages)
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" = 0 ]; then
        echo "hindcast: installing$missing" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq >&2
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $missing >&2
    else
        echo "hindcast: missing Debian packages:$missing" >&2
        echo "install them with: sudo apt-get install -y$missing" >&2
        return 1
    fi
}

# meson setup that also works on an existing build directory.
hindcast_setup() {
    local dir=$1
    shift
    if [ -f "$dir/build.ninja" ]; then
        meson configure "$dir" "$@" >/dev/null
    else
        meson setup "$dir" "$@" >/dev/null
    fi
}

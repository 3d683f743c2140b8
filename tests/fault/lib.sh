# Shared by the fault drivers: usage TOOL ENGINE DSN_FILE WORKDIR.
set -euo pipefail
tool=$1
engine=$2
dsn_file=$3
work=$4
mkdir -p "$work"

fail() { echo "FAIL: $*" >&2; exit 1; }

# fresh_db NAME: prints the DSN of a new, empty database.
fresh_db() {
    if [ "$engine" = sqlite ]; then
        rm -f "$work/$1.db" "$work/$1.db-wal" "$work/$1.db-shm"
        echo "$work/$1.db"
    else
        "$tool" fresh-pg "$(head -n 1 "$dsn_file")" "$1"
    fi
}

# random_ms MIN MAX
random_ms() { echo $(( $1 + RANDOM % ($2 - $1 + 1) )); }
sleep_ms() { sleep "$(printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)))"; }

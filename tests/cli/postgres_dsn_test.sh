#!/usr/bin/env bash
# keel.yaml's postgres_dsn_env against the real server of the ctest fixture:
# a migration only PostgreSQL rejects passes `keel check` without the
# variable and fails with it; the variable keel.yaml does not name is not read.
#
#   postgres_dsn_test.sh KEEL DSN_FILE WORK_DIR
set -u
keel=$1 dsn=$(cat "$2") work=$3
unset KEEL_POSTGRES_DSN
rm -rf "$work" && mkdir -p "$work" && cd "$work" || exit 1
"$keel" init --name shop . >/dev/null || exit 1
sed -i 's/postgres_dsn_env: KEEL_POSTGRES_DSN/postgres_dsn_env: SHOP_TEST_DSN/' keel.yaml
for d in sqlite postgres; do
    echo "ALTER TABLE notes ADD COLUMN n INTEGER NOT NULL DEFAULT 'not a number';" >schema/$d/0002_n.sql
done
fail=0
if ! "$keel" check; then
    echo "FAIL: keel check without SHOP_TEST_DSN should not reach a server"
    fail=1
fi
if ! KEEL_POSTGRES_DSN=$dsn "$keel" check; then
    echo "FAIL: keel.yaml names SHOP_TEST_DSN; KEEL_POSTGRES_DSN must not be used"
    fail=1
fi
SHOP_TEST_DSN=$dsn "$keel" check 2>stderr
status=$?
if [ $status -ne 1 ] || ! grep -q '^schema/postgres/0002_n.sql:1:[0-9]*: error: PostgreSQL rejects this migration' stderr; then
    echo "FAIL: with SHOP_TEST_DSN the server must reject 0002_n.sql (exit $status):"
    cat stderr
    fail=1
fi
[ $fail -eq 0 ] && echo "cli postgres_dsn_env: ok"
exit $fail

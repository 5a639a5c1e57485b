#!/bin/sh
# Start the local PostgreSQL cluster if it is down (the tests create and drop their own database).
set -e
if [ -n "$TEST_DATABASE_URL" ]; then exit 0; fi
if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then exit 0; fi
echo "Starting PostgreSQL..."
pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
for i in 1 2 3 4 5 6 7 8 9 10; do
    pg_isready -q -h 127.0.0.1 -p 5432 && exit 0
    sleep 1
done
echo "PostgreSQL did not start" >&2
exit 1

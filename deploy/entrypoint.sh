#!/bin/sh
# The commands of the mutualaid image (and of the systemd units):
#   web                 upgrade the database (unless RUN_MIGRATIONS=0), then serve the app with gunicorn
#   scheduler           run the scheduler process (exactly one per site)
#   health web          exit 0 when the web process answers /healthz (for container health checks)
#   health scheduler    exit 0 unless the scheduler's heartbeat is stale
#   anything else       a flask command: doctor, db upgrade, groups create ..., users create-coordinator ...
set -eu
cd "$(dirname "$0")/.."

command="${1:-web}"
[ "$#" -gt 0 ] && shift

case "$command" in
  web)
    if [ "${RUN_MIGRATIONS:-1}" = "1" ]; then
      flask --app wsgi db upgrade
    fi
    if [ -z "${WEB_CONCURRENCY:-}" ]; then
      # Two workers per core plus one, at most four: each holds about 150 MB.
      WEB_CONCURRENCY=$(( $(nproc) * 2 + 1 ))
      [ "$WEB_CONCURRENCY" -gt 4 ] && WEB_CONCURRENCY=4
    fi
    # No access log: addresses in it (a request's reference, the visitor's IP) are personal data.
    exec gunicorn --bind "${WEB_BIND:-0.0.0.0:8000}" --workers "$WEB_CONCURRENCY" \
      --timeout 60 --graceful-timeout 30 "$@" wsgi:app
    ;;
  scheduler)
    exec flask --app wsgi scheduler "$@"
    ;;
  health)
    case "${1:-web}" in
      web)
        exec python -c 'import sys, urllib.request
url = "http://127.0.0.1:" + sys.argv[1].rsplit(":", 1)[-1] + "/healthz?check=web"
sys.exit(0 if urllib.request.urlopen(url, timeout=10).status == 200 else 1)' "${WEB_BIND:-0.0.0.0:8000}"
        ;;
      scheduler)
        exec flask --app wsgi doctor --check scheduler
        ;;
      *)
        echo "health: say web or scheduler" >&2
        exit 2
        ;;
    esac
    ;;
  *)
    exec flask --app wsgi "$command" "$@"
    ;;
esac

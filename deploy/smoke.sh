#!/usr/bin/env bash
# The deployment on one machine, tested end to end: PostgreSQL, Redis, an S3 server (moto),
# two gunicorn instances behind nginx and one job worker (a second joins for the figures).
# deploy/smoke.py then logs in through nginx, uploads evidence on one node and downloads it
# from the other, runs a certificate batch the worker completes, sees a rate limit shared by
# both nodes, verifies a certificate, and prints the figures (`name: value unit`).
#
#   deploy/smoke.sh                 # uses/creates PostgreSQL 15 cluster "smoke" on SMOKE_PG_PORT
#   SMOKE_PG_PORT=5433 deploy/smoke.sh   # .ci/run: its running cluster
#
# Ports (override with the variables): nginx 8081 (both nodes) and 8084 (one node), gunicorn
# 8082 and 8083, Redis 6391, S3 9010. SMOKE_BATCH_SIZE certificates per timed batch (1000).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY=$ROOT/.venv/bin/python
FLASK=$ROOT/.venv/bin/flask
GUNICORN=$ROOT/.venv/bin/gunicorn

PG_VERSION=15
PG_PORT=${SMOKE_PG_PORT:-5445}
REDIS_PORT=${SMOKE_REDIS_PORT:-6391}
S3_PORT=${SMOKE_S3_PORT:-9010}
NGINX_PORT=${SMOKE_NGINX_PORT:-8081}
NGINX_ONE_PORT=${SMOKE_NGINX_ONE_PORT:-8084}
NODE_A=${SMOKE_NODE_A_PORT:-8082}
NODE_B=${SMOKE_NODE_B_PORT:-8083}
export SMOKE_BATCH_SIZE=${SMOKE_BATCH_SIZE:-1000}

need() { command -v "$1" >/dev/null 2>&1; }
if ! need nginx || ! need redis-server || ! need pg_createcluster; then
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends nginx-light redis-server "postgresql-${PG_VERSION}" \
        postgresql-common >/dev/null
fi
[ -x "$PY" ] || make -s test-install translations

WORK=$(mktemp -d /tmp/craftsman-smoke.XXXXXX)
chmod 755 "$WORK"
PIDS=()
OWN_CLUSTER=""
cleanup() {
    local status=$?
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    [ -n "$OWN_CLUSTER" ] && pg_dropcluster --stop "$PG_VERSION" "$OWN_CLUSTER" >/dev/null 2>&1
    if [ "$status" -ne 0 ]; then
        echo "smoke: FAILED (logs below)" >&2
        for log in "$WORK"/*.log; do echo "== $log" >&2; tail -n 30 "$log" >&2; done
    fi
    rm -rf "$WORK"
    exit "$status"
}
trap cleanup EXIT INT TERM

wait_port() {  # wait_port PORT NAME
    for _ in $(seq 1 150); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
        sleep 0.2
    done
    echo "smoke: $2 did not start on port $1" >&2
    return 1
}

# --- PostgreSQL -----------------------------------------------------------------------------
if ! pg_isready -h 127.0.0.1 -p "$PG_PORT" -q; then
    OWN_CLUSTER=smoke
    pg_dropcluster --stop "$PG_VERSION" "$OWN_CLUSTER" >/dev/null 2>&1 || true
    pg_createcluster "$PG_VERSION" "$OWN_CLUSTER" -p "$PG_PORT" --start -- \
        --auth-local=trust --auth-host=trust >/dev/null
    for _ in $(seq 1 30); do pg_isready -h 127.0.0.1 -p "$PG_PORT" -q && break; sleep 0.5; done
fi
for db in craftsman_smoke craftsman_smoke_restored; do
    PGOPTIONS="-c client_min_messages=warning" dropdb -h 127.0.0.1 -p "$PG_PORT" -U postgres --if-exists "$db"
    createdb -h 127.0.0.1 -p "$PG_PORT" -U postgres "$db"
done

# --- Redis and the S3 server ------------------------------------------------------------------
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$WORK" >"$WORK/redis.log" 2>&1 &
PIDS+=($!)
"$PY" -m moto.server -H 127.0.0.1 -p "$S3_PORT" >"$WORK/s3.log" 2>&1 &
PIDS+=($!)
wait_port "$REDIS_PORT" redis
wait_port "$S3_PORT" "S3 server"

# --- The environment file, as deploy/craftsman.env.example describes it -----------------------
APP_CONFIG=testing "$FLASK" certificates generate-seal --key "$WORK/seal.key.pem" \
    --cert "$WORK/seal.cert.pem" >"$WORK/seal.log" 2>&1
cat >"$WORK/craftsman.env" <<ENV
APP_CONFIG=production
FLASK_APP=wsgi:app
SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
DATA_ENCRYPTION_KEY=$("$PY" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')
ID_LOOKUP_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(48))')
$(cd "$ROOT" && APP_CONFIG=testing "$FLASK" certificates generate-key | grep '^CERTIFICATE_SIGNING_KEY=')
CERTIFICATE_PDF_KEY=$WORK/seal.key.pem
CERTIFICATE_PDF_CERT=$WORK/seal.cert.pem
PUBLIC_BASE_URL=http://127.0.0.1:${NGINX_PORT}
DATABASE_URL=postgresql://postgres@127.0.0.1:${PG_PORT}/craftsman_smoke
REDIS_URL=redis://127.0.0.1:${REDIS_PORT}/0
TRUSTED_PROXY_HOPS=1
STORAGE_BACKEND=s3
S3_ENDPOINT_URL=http://127.0.0.1:${S3_PORT}
S3_BUCKET=craftsman-smoke
S3_ACCESS_KEY_ID=smoke
S3_SECRET_ACCESS_KEY=smoke-secret
S3_REGION=us-east-1
UPLOAD_FOLDER=$WORK/uploads
BACKUP_FOLDER=$WORK/backups
LOG_FORMAT=json
LOG_LEVEL=WARNING
WEB_CONCURRENCY=2
ENV
set -a
# shellcheck disable=SC1091
. "$WORK/craftsman.env"
set +a
export SMOKE_WORK=$WORK SMOKE_PG_PORT=$PG_PORT

"$FLASK" db upgrade >"$WORK/migrate.log" 2>&1
"$FLASK" storage create-bucket >>"$WORK/migrate.log"
# Production refuses demo data (public passwords): load it into this throwaway database with the
# development profile, same database, keys and storage.
APP_CONFIG=development "$FLASK" seed-demo --if-empty >>"$WORK/migrate.log"
SMOKE_CYCLES=$("$PY" deploy/smoke_seed.py "$SMOKE_BATCH_SIZE" 2)
export SMOKE_CYCLES

# --- Two app instances, one worker, nginx -----------------------------------------------------
for port in "$NODE_A" "$NODE_B"; do
    mkdir -p "$WORK/metrics-$port"
    PROMETHEUS_MULTIPROC_DIR="$WORK/metrics-$port" "$GUNICORN" --config deploy/gunicorn.conf.py \
        --bind "127.0.0.1:$port" wsgi:app >"$WORK/web-$port.log" 2>&1 &
    PIDS+=($!)
done
"$FLASK" jobs worker --workers 1 >"$WORK/worker-1.log" 2>&1 &
PIDS+=($!)

mkdir -p "$WORK/nginx"
sed -e "s#/opt/craftsman/app#$ROOT#g" deploy/nginx/craftsman-proxy.conf >"$WORK/nginx/craftsman-proxy.conf"
cat >"$WORK/nginx/nginx.conf" <<NGINX
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 2;
error_log $WORK/nginx-error.log warn;
pid $WORK/nginx/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log off;
    client_body_temp_path $WORK/nginx/body;
    proxy_temp_path $WORK/nginx/proxy;
    fastcgi_temp_path $WORK/nginx/fastcgi;
    uwsgi_temp_path $WORK/nginx/uwsgi;
    scgi_temp_path $WORK/nginx/scgi;
    upstream craftsman_app {
        server 127.0.0.1:${NODE_A} max_fails=2 fail_timeout=10s;
        server 127.0.0.1:${NODE_B} max_fails=2 fail_timeout=10s;
        keepalive 32;
    }
    upstream craftsman_one {
        server 127.0.0.1:${NODE_A};
        keepalive 32;
    }
    server {
        listen 127.0.0.1:${NGINX_PORT};
        location /static/ { alias $ROOT/core/static/; }
        include $WORK/nginx/craftsman-proxy.conf;
    }
    server {
        listen 127.0.0.1:${NGINX_ONE_PORT};
        location /static/ { alias $ROOT/core/static/; }
        location / {
            proxy_pass http://craftsman_one;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Forwarded-Proto \$scheme;
            proxy_set_header X-Forwarded-Host \$host;
            proxy_set_header X-Request-ID \$request_id;
        }
    }
}
NGINX
nginx -t -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" >"$WORK/nginx-test.log" 2>&1
nginx -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" -g "daemon off;" >"$WORK/nginx.log" 2>&1 &
PIDS+=($!)
for port in "$NODE_A" "$NODE_B" "$NGINX_PORT" "$NGINX_ONE_PORT"; do wait_port "$port" "port $port"; done

export SMOKE_NGINX="http://127.0.0.1:${NGINX_PORT}" SMOKE_NGINX_ONE="http://127.0.0.1:${NGINX_ONE_PORT}"
export SMOKE_NODE_A="http://127.0.0.1:${NODE_A}" SMOKE_NODE_B="http://127.0.0.1:${NODE_B}"
"$PY" deploy/smoke.py

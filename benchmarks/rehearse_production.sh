#!/usr/bin/env bash
# Rehearsal of the README's production section on this machine: production settings, PostgreSQL,
# Redis, static files collected and served by whitenoise, gunicorn, a Celery worker and beat, a
# backup and its restore. Everything in a throw-away database and Redis databases 8-10, removed at
# the end. Prints what it checked; exits non-zero at the first thing that does not work.
#
#   bash benchmarks/rehearse_production.sh
set -euo pipefail
cd "$(dirname "$0")/.."

DB="crm_rehearsal_$$"
RESTORED="${DB}_restored"
PORT=$((8600 + $$ % 200))
WORK=$(mktemp -d)
export DEBUG=0
export SECRET_KEY="$(.venv/bin/python -c 'import secrets; print(secrets.token_urlsafe(50))')"
export ALLOWED_HOSTS=127.0.0.1
export DATABASE_URL="postgres://postgres@127.0.0.1:5432/$DB"
export CELERY_BROKER_URL=redis://127.0.0.1:6379/10
export CACHE_URL=redis://127.0.0.1:6379/9
export SECURE_SSL_REDIRECT=0  # no TLS terminator on this machine; behind one, leave it on
export LOG_LEVEL=WARNING
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    dropdb --if-exists -h 127.0.0.1 -U postgres "$DB" || true
    dropdb --if-exists -h 127.0.0.1 -U postgres "$RESTORED" || true
    redis-cli -n 10 flushdb >/dev/null; redis-cli -n 9 flushdb >/dev/null
    rm -rf "$WORK" staticfiles
}
trap cleanup EXIT
createdb -h 127.0.0.1 -U postgres "$DB"

echo "== check --deploy, migrate, collectstatic"
SECURE_SSL_REDIRECT=1 .venv/bin/python manage.py check --deploy --fail-level WARNING  # as deployed behind TLS
.venv/bin/python manage.py migrate --noinput -v0
.venv/bin/python manage.py collectstatic --noinput -v0
echo "   $(find staticfiles -type f | wc -l) static files collected (with compressed copies)"
.venv/bin/python manage.py load_demo >/dev/null

echo "== gunicorn, a Celery worker and beat"
.venv/bin/python -m gunicorn crm.wsgi --bind "127.0.0.1:$PORT" --workers 3 --log-level warning &
PIDS+=($!)
.venv/bin/python -m celery -A crm worker --concurrency 2 --loglevel WARNING >"$WORK/worker.log" 2>&1 &
PIDS+=($!)
.venv/bin/python -m celery -A crm beat --loglevel INFO -s "$WORK/beat" >"$WORK/beat.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 1 50); do curl -fs -o /dev/null "http://127.0.0.1:$PORT/admin/login/" && break; sleep 0.2; done
headers=$(curl -fsS -D - -o /dev/null "http://127.0.0.1:$PORT/admin/login/")
grep -qi '^content-security-policy:' <<<"$headers"  # (HSTS goes out on HTTPS requests only)
grep -qi '^x-frame-options: deny' <<<"$headers"
css=$(grep -o 'href="/static/admin/css/base[^"]*"' <(curl -fsS "http://127.0.0.1:$PORT/admin/login/") | head -1 | cut -d'"' -f2)
curl -fsS -H 'Accept-Encoding: gzip' -D - -o /dev/null "http://127.0.0.1:$PORT$css" | grep -qi '^content-encoding: gzip'
echo "   pages answer with the content security policy; $css is served by whitenoise, hashed and gzipped"
key=$(.venv/bin/python manage.py create_api_key --org demo-brand --scope read --name rehearsal | grep -o 'crm_[A-Za-z0-9_-]*' | head -1)
curl -fsS -H "Authorization: Bearer $key" "http://127.0.0.1:$PORT/api/v1/creators/?page_size=5" | grep -q '"results"'
echo "   the API answers an API key"
community=$(.venv/bin/python manage.py shell --no-imports -c "from influencers.models import Community; print(Community.objects.first().pk)")
before=$(.venv/bin/python manage.py shell --no-imports -c "from influencers.models import RankingRun; print(RankingRun.objects.count())")
.venv/bin/python manage.py shell --no-imports -c "from graph.tasks import rank_community; rank_community.delay($community)"
for _ in $(seq 1 120); do
    after=$(.venv/bin/python manage.py shell --no-imports -c "from influencers.models import RankingRun; print(RankingRun.objects.filter(status='completed').count())")
    [ "$after" -gt "$before" ] && break; sleep 1
done
[ "$after" -gt "$before" ]
echo "   the worker ranked a community sent through Redis"
for _ in $(seq 1 50); do grep -q "beat: Starting" "$WORK/beat.log" && break; sleep 0.2; done
.venv/bin/python manage.py shell --no-imports -c "
from django_celery_beat.models import PeriodicTask
names = set(PeriodicTask.objects.values_list('name', flat=True))
assert {'sync-tracked-communities', 'resume-interrupted-syncs'} <= names, names
print('   beat keeps its schedule in the database:', ', '.join(sorted(names)))"

echo "== backup and restore"
pg_dump -h 127.0.0.1 -U postgres -Fc -f "$WORK/crm.dump" "$DB"
createdb -h 127.0.0.1 -U postgres "$RESTORED"
pg_restore -h 127.0.0.1 -U postgres --no-owner -d "$RESTORED" "$WORK/crm.dump"
count() { psql -h 127.0.0.1 -U postgres -Atc "SELECT (SELECT count(*) FROM influencers_interaction), (SELECT count(*) FROM partnerships_partnership), (SELECT count(*) FROM influencers_memberscore)" "$1"; }
[ "$(count "$DB")" = "$(count "$RESTORED")" ]
echo "   pg_dump -Fc ($(du -h "$WORK/crm.dump" | cut -f1)) restored with pg_restore: the same counts ($(count "$RESTORED" | tr '|' ' '))"
echo "== rehearsal passed"

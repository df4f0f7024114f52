#!/usr/bin/env bash
# Set-up on a fresh machine, quick on a warm one: system tools (Java 17+, Maven, Prometheus,
# PostgreSQL, Chromium with chromedriver) when missing, a virtualenv at .venv with buzzwire, its
# dev tools and the torch extra (the float32 and training paths of the e5 model, Hugging Face
# models: `make test` tests them as well as the default, torch-free int8 path).
# Re-runs pip only when pyproject changes.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v java >/dev/null 2>&1 || need_apt+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || need_apt+=(maven)
# Debian's prometheus package (the server and promtool) for the tests of deploy/: installed when
# root; otherwise those tests skip with a message (in CI they fail).
if ! { command -v prometheus && command -v promtool; } >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    need_apt+=(prometheus)
  else
    echo "bootstrap: prometheus/promtool not found: the tests of deploy/ will skip (apt-get install prometheus)" >&2
  fi
fi
# Debian's postgresql package (initdb, pg_ctl, postgres in /usr/lib/postgresql/<version>/bin,
# found there as streams/devstack/localpostgres does) for `buzzwire postgres` and the store's
# tests: installed when root; otherwise install it yourself (or set BUZZWIRE_POSTGRES_BIN).
pg_initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | head -n 1 || true)
if [ -z "$pg_initdb" ] && ! command -v initdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    need_apt+=(postgresql)
  else
    echo "bootstrap: PostgreSQL's initdb not found: buzzwire postgres and the tests of the store need it (apt-get install postgresql)" >&2
  fi
fi
# Chromium and its WebDriver (/usr/bin/chromium, /usr/bin/chromedriver) for browser tests of
# the web pages: installed when root; otherwise install them yourself.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    need_apt+=(chromium chromium-driver)
  else
    echo "bootstrap: chromium/chromedriver not found: the browser tests need them (apt-get install chromium chromium-driver)" >&2
  fi
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "bootstrap: installing ${need_apt[*]} with apt-get" >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "bootstrap: please install ${need_apt[*]} (Java 17+ and Maven run the local Kafka broker)" >&2
    exit 1
  fi
fi

PY="${PYTHON:-}"
if [ -z "$PY" ]; then
  for cand in python3.12 python3.11 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PY="$cand"; break
    fi
  done
fi
[ -n "$PY" ] || { echo "bootstrap: Python 3.11+ is required" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
stamp=.venv/.buzzwire-installed
want=$(cat pyproject.toml scripts/bootstrap.sh | sha256sum | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  # The torch extra is most of it: PyPI's Linux torch wheel brings its CUDA libraries, and a
  # fresh .venv with it takes about 6.3 GB (without it, `pip install .`, about 0.7 GB).
  free_mb=$(df -Pm .venv | awk 'NR==2 {print $4}')
  if [ -n "$free_mb" ] && [ "$free_mb" -lt 8000 ]; then
    echo "bootstrap: only ${free_mb} MB free where .venv lives ($(pwd)/.venv); installing" \
      "the dev tools and the torch extra (torch with its CUDA libraries) needs about 8000 MB" \
      "while pip unpacks: free some disk space first" >&2
    exit 1
  fi
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e ".[dev,torch]"
  echo "$want" > "$stamp"
fi

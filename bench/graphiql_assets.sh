#!/usr/bin/env bash
# Install the GraphiQL page's JavaScript/CSS locally so /graphql works without internet.
#
# Strawberry's GraphiQL template loads React, GraphiQL, the explorer plugin and js-cookie
# from unpkg.com. This script reads the exact package@version list from the installed
# Strawberry's template (so it follows Strawberry upgrades) and `npm install`s those
# packages into .cache/graphiql/ (git-ignored). schema/graphiql.py then rewrites the page
# to /graphql/assets/... for every file present. Needs node + npm and access to the npm
# registry (or a mirror configured in ~/.npmrc); nothing else.
#
# Usage: bench/graphiql_assets.sh [PYTHON]   (default .venv/bin/python)
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${1:-$repo/.venv/bin/python}"
target="${GRAPHIQL_CACHE_DIR:-$repo/.cache/graphiql}"

template="$("$python" - <<'PY'
from pathlib import Path
import strawberry
print(Path(strawberry.__file__).parent / "static" / "graphiql.html")
PY
)"

# https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css -> @graphiql/plugin-explorer@1.0.2
mapfile -t packages < <(grep -o 'https://unpkg.com/[^"]*' "$template" \
  | sed -E 's#https://unpkg.com/((@[^/]+/)?[^/@]+@[^/]+)/.*#\1#' | sort -u)
if [ "${#packages[@]}" -eq 0 ]; then
  echo "no unpkg.com assets found in $template" >&2
  exit 1
fi

mkdir -p "$target"
[ -f "$target/package.json" ] || echo '{"name": "graphiql-assets", "private": true}' > "$target/package.json"
echo "installing into $target: ${packages[*]}"
npm install --prefix "$target" --no-audit --no-fund --save-exact "${packages[@]}"

missing=0
while read -r url; do
  rel="$(echo "$url" | sed -E 's#https://unpkg.com/((@[^/]+/)?[^/@]+)@[^/]+/(.*)#\1/\3#')"
  if [ ! -f "$target/node_modules/$rel" ]; then
    echo "missing after install: node_modules/$rel" >&2
    missing=1
  fi
done < <(grep -o 'https://unpkg.com/[^"]*' "$template" | sort -u)
[ "$missing" -eq 0 ] && echo "GraphiQL assets ready: $target/node_modules"
exit "$missing"

#!/usr/bin/env bash
# Unpack Debian's `prometheus` package (promtool + prometheus) under .cache/prometheus without
# installing it: no system daemon is started and nothing outside the work tree changes.
# Used by tests/integrations (which skip with the reason when the binaries are absent) and
# by .ci/run. Needs apt-get and a reachable Debian mirror; prints why and exits 0 otherwise,
# so CI goes on and the tests report the skip.
set -uo pipefail
cd "$(dirname "$0")/.."
DEST=.cache/prometheus
if [ -x "$DEST/usr/bin/promtool" ] && [ -x "$DEST/usr/bin/prometheus" ]; then
  echo "prometheus tools: already in $DEST"
  exit 0
fi
if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
  echo "prometheus tools: apt-get/dpkg-deb not found; the Prometheus tests will be skipped"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
if ! (cd "$work" && apt-get download prometheus >/dev/null 2>&1); then
  # The package lists may be missing on a fresh machine: refresh them once and retry.
  apt-get update >/dev/null 2>&1 || true
  if ! (cd "$work" && apt-get download prometheus >"$work/log" 2>&1); then
    echo "prometheus tools: apt-get download prometheus failed; the Prometheus tests will be skipped"
    tail -3 "$work/log"
    exit 0
  fi
fi
mkdir -p "$DEST"
dpkg-deb -x "$work"/prometheus_*.deb "$DEST"
echo "prometheus tools: $("$DEST/usr/bin/promtool" --version 2>&1 | head -1) in $DEST"

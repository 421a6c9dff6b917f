#!/usr/bin/env bash
# What the tests drive for real, from Debian's packages: chromium (the console, through playwright-core),
# prometheus-alertmanager (alert ingestion) and prometheus (its promtool checks /metrics). Installs only
# what is missing, with one apt-get update.
set -euo pipefail

declare -A binary_of=(
  [chromium]=/usr/bin/chromium
  [prometheus-alertmanager]=/usr/bin/prometheus-alertmanager
  [prometheus]=/usr/bin/promtool
)
missing=()
for package in "${!binary_of[@]}"; do
  if [ -x "${binary_of[$package]}" ]; then
    echo "$package: present (${binary_of[$package]})"
  else
    missing+=("$package")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
echo "installing: ${missing[*]}"
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" fonts-dejavu-core
for package in "${missing[@]}"; do
  test -x "${binary_of[$package]}" || { echo "$package did not provide ${binary_of[$package]}" >&2; exit 1; }
done
# Debian starts the services it installs; the tests start their own, on ports of their choosing.
for unit in prometheus prometheus-alertmanager; do
  $SUDO pkill -x "$unit" 2>/dev/null || true
done

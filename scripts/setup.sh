#!/usr/bin/env bash
# Installs what this machine is missing (Debian packages, npm packages). Safe to re-run.
#   scripts/setup.sh           what building and serving the page needs
#   scripts/setup.sh --test    plus what the tests need: native toolchain, PyTorch, Chromium, playwright-core
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(cmake make g++ libeigen3-dev emscripten nodejs python3)
if [[ "${1:-}" == "--test" ]]; then
  pkgs+=(nlohmann-json3-dev doctest-dev python3-torch python3-numpy python3-pil libopenblas0-pthread chromium npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  # nodejs/npm: any node >= 18 on PATH will do (the machine may have its own, newer than Debian's)
  if [[ $p == nodejs ]] && command -v node >/dev/null; then continue; fi
  if [[ $p == npm ]] && command -v npm >/dev/null; then continue; fi
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if [[ "${1:-}" == "--test" ]]; then
  (cd tests/browser && npm ci --no-audit --no-fund --silent 2>/dev/null || npm install --no-audit --no-fund --silent)
fi
echo "setup: ok"

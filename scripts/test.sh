#!/usr/bin/env bash
# Builds everything and runs every test: native (doctest via ctest, incl. the training smoke test),
# the JS API in Node (node:test), and the page + widget in headless Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs
jobs=$(nproc)

echo "== native build + ctest"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

echo "== wasm build + JS API tests (node:test)"
emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-wasm -j"$jobs"
(cd wasm && FONTGAN_BUILD_DIR="$PWD/../build" npm test)

echo "== browser tests (headless Chromium)"
(cd tests/browser && npm test)

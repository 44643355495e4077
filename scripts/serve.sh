#!/usr/bin/env bash
# Builds the WebAssembly module (default weights baked in) and serves the page on http://localhost:$PORT/web/
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_PATH=/usr/share/nodejs  # Debian's emscripten optimizer needs Debian's acorn
emcmake cmake -S . -B build-wasm -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-wasm -j"$(nproc)"
PORT=${PORT:-8000}
echo "fontgan: open http://localhost:$PORT/web/  (the widget demo: http://localhost:$PORT/web/blog-example.html)"
exec python3 -m http.server "$PORT" --bind 127.0.0.1

#!/usr/bin/env bash
# Installs what the in-VS-Code tests need, cached under .vscode-test/ (ignored), keyed by version:
# Node 24 from the npm registry (code-server needs it) and code-server in a prefix of its own.
# Debian packages (chromium, libkrb5-dev for code-server's kerberos module) are installed by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE24_VERSION=$(node -p 'require("./test/vscode/versions.json").node24')
CODE_SERVER_VERSION=$(node -p 'require("./test/vscode/versions.json").codeServer')
base=.vscode-test
node_dir=$base/node-$NODE24_VERSION
cs_dir=$base/code-server-$CODE_SERVER_VERSION

# A long install says what it does and how long it has taken, every 20 s, so a quiet terminal never looks stuck.
with_progress() {
  local what=$1 estimate=$2
  shift 2
  local started=$SECONDS
  "$@" &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null && sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then echo "  … $what: $((SECONDS - started)) s so far (usually $estimate)"; fi
  done
  wait "$pid"
}

if [ ! -x "$node_dir/node_modules/node/bin/node" ]; then
  echo "Installing Node $NODE24_VERSION into $node_dir (code-server needs it; about 30 MB from the npm registry)"
  mkdir -p "$node_dir"
  (cd "$node_dir" && echo '{"private":true}' > package.json && npm install --no-audit --no-fund --no-save "node@$NODE24_VERSION" >/dev/null)
fi
node24=$(cd "$node_dir/node_modules/node/bin" && pwd)

install_code_server() {
  # npm scripts leak the outer Node version through npm_config_user_agent; code-server's postinstall then refuses.
  cd "$cs_dir" && echo '{"private":true}' > package.json \
    && env -u npm_config_user_agent PATH="$node24:$PATH" npm install --no-audit --no-fund --no-save "code-server@$CODE_SERVER_VERSION" > install.log 2>&1
}

if [ ! -x "$cs_dir/node_modules/.bin/code-server" ]; then
  echo "Installing code-server $CODE_SERVER_VERSION into $cs_dir, once: it downloads VS Code for the browser and"
  echo "builds its native modules with node-gyp (3 to 6 minutes on 2 cores; npm's output goes to $cs_dir/install.log)."
  rm -rf "$cs_dir" && mkdir -p "$cs_dir"
  with_progress "installing code-server" "3 to 6 minutes" install_code_server \
    || { echo "code-server install failed; last lines of $cs_dir/install.log:"; tail -30 "$cs_dir/install.log"; exit 1; }
  echo "code-server installed."
fi
echo "Node 24: $node24/node ($("$node24/node" --version)); code-server: $cs_dir/node_modules/.bin/code-server"

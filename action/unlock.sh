#!/usr/bin/env bash
# Step of action.yml: unlock the repository in the working directory. With a key (the key-file
# input, in VAULTFILE_ACTION_KEY), it is written to a 0600 file under RUNNER_TEMP (removed with the
# runner's temporary files) and exported as VAULTFILE_KEY_FILE for the job's later steps; without
# one, vaultfile opens the keyring through KMS with the credentials of the OIDC step. unlock also
# configures the git filter in this clone, so later checkouts decrypt.
# The key never reaches argv, the log or GITHUB_ENV: only its path does.
set -euo pipefail
if [ -n "${VAULTFILE_ACTION_KEY:-}" ]; then
  umask 077
  key=$(mktemp "${RUNNER_TEMP:-/tmp}/vaultfile-key.XXXXXX")
  printf '%s\n' "$VAULTFILE_ACTION_KEY" > "$key"
  export VAULTFILE_KEY_FILE="$key"
  echo "VAULTFILE_KEY_FILE=$key" >> "$GITHUB_ENV"
  echo "key-file=$key" >> "${GITHUB_OUTPUT:-/dev/null}"
fi
vaultfile unlock

#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing (runs as npm's `pretest`, so the README's
# test command works on a fresh machine with only Node, npm and root). Today: openssl (TLS test
# certificates) and tmux (a pseudo-terminal for the interactive client's tests). Later stages add
# nats-server and mosquitto here.
set -euo pipefail
missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v tmux >/dev/null 2>&1 || missing+=(tmux)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tests need Debian packages: ${missing[*]} (run as root, or apt-get install them)" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

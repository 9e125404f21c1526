#!/bin/sh
# Writes the files docker-compose.yml reads as secrets, into deploy/compose/secrets/:
#   session_secret, token_encryption_key, redis_password  (random, from openssl)
#   tls.crt, tls.key  (a self-signed certificate for localhost, 30 days; replace both
#                      with your real certificate and key for any other host name)
# Existing files are kept, so running it again never rotates a secret by accident.
# Needs only openssl. Run from anywhere: sh deploy/compose/make-secrets.sh [directory]
set -eu
dir="${1:-$(cd "$(dirname "$0")" && pwd)/secrets}"
mkdir -p "$dir"
# The directory keeps other host users out; the files themselves must be readable by the
# containers' users (node, uid 1000; redis, uid 999), which compose bind-mounts them for.
chmod 700 "$dir"
umask 022

new() { # name, then the command that prints its content
  name="$1"
  shift
  if [ -s "$dir/$name" ]; then
    echo "kept    $dir/$name"
  else
    "$@" >"$dir/$name"
    echo "wrote   $dir/$name"
  fi
}

# >= 32 characters; hex keeps it free of characters any parser could trip on.
new session_secret openssl rand -hex 32
# base64 of exactly 32 bytes (AES-256-GCM).
new token_encryption_key openssl rand -base64 32
# Hex: safe in a Redis config line.
new redis_password openssl rand -hex 32

if [ -s "$dir/tls.crt" ] && [ -s "$dir/tls.key" ]; then
  echo "kept    $dir/tls.crt, $dir/tls.key"
else
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=localhost -addext 'subjectAltName=DNS:localhost,IP:127.0.0.1' \
    -keyout "$dir/tls.key" -out "$dir/tls.crt" 2>/dev/null
  # Read by nginx's master process, which runs as root.
  chmod 600 "$dir/tls.key"
  echo "wrote   $dir/tls.crt, $dir/tls.key (self-signed for localhost)"
fi

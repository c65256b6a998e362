#!/usr/bin/env bash
# Adds bookworm-backports to apt's sources from the Debian archive this machine's own apt sources already use, so that
# no mirror is written into the repository. Prints the source file it wrote; exits 1 if no Debian archive is configured.
set -euo pipefail
target=/etc/apt/sources.list.d/bookworm-backports.sources
[ -f "$target" ] && { echo "$target"; exit 0; }
# The first archive URI (deb822 `URIs:` or a one-line `deb` entry) whose path ends in /debian — not debian-security.
uri=$(grep -h -E '^(URIs:|deb )' /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources 2>/dev/null |
  grep -oE 'https?://[^ ]+' | grep -E '/debian/?$' | head -n 1 || true)
if [ -z "$uri" ]; then
  echo "add-backports-source: no Debian archive (…/debian) in /etc/apt/sources.list*; add bookworm-backports by hand" >&2
  exit 1
fi
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
printf 'Types: deb\nURIs: %s\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$uri" |
  $SUDO tee "$target" >/dev/null
echo "$target"

#!/usr/bin/env bash
# Installs what the evaluator needs on Debian: the libraries and fonts WeasyPrint uses for the PDF reports
# (Pango, HarfBuzz's subsetter, DejaVu and Noto CJK), then the pinned Python packages.
# `bash setup.sh --tests` adds what only the tests use: LibreOffice, poppler, Chromium and nginx.
set -euo pipefail
cd "$(dirname "$0")"
export DEBIAN_FRONTEND=noninteractive PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore

packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core fonts-noto-cjk)
if [ "${1:-}" = "--tests" ]; then
  packages+=(libreoffice-calc libreoffice-writer poppler-utils chromium nginx)
fi
missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup.sh: run as root, or install these Debian packages first: ${missing[*]}" >&2
    exit 1
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 -m pip install -q -r requirements.txt
# the message catalogues (evaluator/locale/*/LC_MESSAGES/messages.po), compiled for gettext
python3 -m babel.messages.frontend -q compile -d evaluator/locale -D messages
# the Chinese faces of the PDFs, cut down from Noto Sans CJK (once: about 45 s; see evaluator/report/fonts.py)
python3 -m evaluator.report.fonts

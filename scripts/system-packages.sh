#!/usr/bin/env bash
# The Debian packages carbonms uses besides Python's: installs the missing ones when it can (root and apt-get),
# otherwise says what to install. Used by `make run` (warns and carries on) and .ci/run (--strict: fails).
#
#   chromium                   the browser tests (Playwright drives /usr/bin/chromium; no browser download)
#   fonts-wqy-zenhei           CJK fonts: pages' screenshots, LibreOffice's 黑体, the scans the OCR tests render
#   fonts-noto-cjk             Noto Sans CJK SC: the reports' charts (matplotlib), the scans the OCR tests render
#   tesseract-ocr              text recognition of scanned PDFs and photos (app/recognition/engine.py)
#   tesseract-ocr-chi-sim      Tesseract's Simplified Chinese model (chi_sim)
#   poppler-utils              pdftoppm: renders a scanned PDF's pages at 300 dpi for Tesseract
#   libreoffice-writer-nogui   .docx → PDF (optional conversions)
#   libreoffice-calc-nogui     .xlsx → PDF (optional conversions)
#
# Usage: scripts/system-packages.sh [--check | --strict]
#   (none)    install what is missing if possible, else warn; exit 0 either way
#   --check   install nothing; exit 1 when something is missing
#   --strict  install what is missing; exit 1 when that is not possible or fails
set -uo pipefail

PACKAGES=(chromium fonts-wqy-zenhei fonts-noto-cjk tesseract-ocr tesseract-ocr-chi-sim poppler-utils
  libreoffice-writer-nogui libreoffice-calc-nogui)
mode="${1:-}"
case "$mode" in "" | --check | --strict) ;; *) echo "usage: $0 [--check | --strict]" >&2; exit 2 ;; esac

missing=()
if command -v dpkg >/dev/null 2>&1; then
  for package in "${PACKAGES[@]}"; do
    dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
  done
else
  # Not Debian: judge by the programs and files the packages provide.
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v tesseract >/dev/null 2>&1 || missing+=(tesseract-ocr)
  tesseract --list-langs 2>/dev/null | grep -qx chi_sim || missing+=(tesseract-ocr-chi-sim)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui libreoffice-calc-nogui)
fi

if [ "${#missing[@]}" -eq 0 ]; then
  [ "$mode" = --check ] || echo "system packages: all present (${PACKAGES[*]})"
  exit 0
fi

warn() { echo "WARNING: $*" >&2; }
if [ "$mode" = --check ]; then
  warn "missing Debian packages: ${missing[*]}"
  exit 1
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; then
    exit 0
  fi
  warn "apt-get could not install: ${missing[*]}"
else
  warn "missing Debian packages: ${missing[*]}"
  warn "install them with: sudo apt-get install ${missing[*]}"
fi
warn "without tesseract-ocr, tesseract-ocr-chi-sim and poppler-utils scanned documents get no text (识别失败);" \
  "carbonms check-system says what is there"
[ "$mode" = --strict ] && exit 1
exit 0

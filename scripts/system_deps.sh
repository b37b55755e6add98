#!/usr/bin/env bash
# System packages the portal needs beyond Python: Pango for WeasyPrint's PDFs, Debian's Chromium
# for the browser tests, DejaVu fonts for both. Installs what is missing when it can (root + apt);
# otherwise says what to install and carries on (the browser tests then say they were skipped,
# unless REQUIRE_BROWSER is set, as CI does).
# With --runtime only what the portal itself needs (no browser): `make run` uses that.
set -u
runtime_only=0; [ "${1:-}" = "--runtime" ] && runtime_only=1
missing=()
libs="$({ /sbin/ldconfig -p 2>/dev/null || ldconfig -p 2>/dev/null; })"
echo "$libs" | grep -q 'libpango-1.0.so' || missing+=(libpango-1.0-0 libpangoft2-1.0-0)
# Without it WeasyPrint still works, on a path ~5x slower per document.
echo "$libs" | grep -q 'libharfbuzz-subset.so' || missing+=(libharfbuzz-subset0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
[ $runtime_only = 1 ] || [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Instalando paquetes del sistema: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq "${missing[@]}" >/dev/null 2>&1 \
    || { echo "No se pudo instalar: ${missing[*]}" >&2; exit 1; }
else
  echo "Faltan paquetes del sistema: ${missing[*]} (instálalos con apt-get como root)." >&2
fi
exit 0

#!/usr/bin/env bash
# Screenshots of a policyscan HTML report, to look at it without a desktop:
#
#   scripts/report-screenshots.sh OUT_DIR SHOTS_DIR [POLICY_NUMBER]
#
# OUT_DIR is the --out folder of `policyscan scan` (Parquet tables). The
# script writes the report to SHOTS_DIR/report.html (+ SHOTS_DIR/report_files/)
# with `policyscan report`, then takes two 1400x2000 screenshots with headless
# Chromium:
#   SHOTS_DIR/overview.png  the overview (report.html)
#   SHOTS_DIR/policy.png    the page of policy POLICY_NUMBER (default 1)
#
# Needs `chromium` (or `chromium-browser`, or $CHROMIUM) and, for Chinese
# text, a CJK font: on Debian/Ubuntu `apt-get install -y chromium fonts-noto-cjk`.
# The policyscan binary is $POLICYSCAN, else target/release/policyscan, else
# `policyscan` on PATH. See docs/report.md.
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
out_dir=$1
shots=$2
number=${3:-1}
root=$(cd "$(dirname "$0")/.." && pwd)

bin=${POLICYSCAN:-}
if [[ -z $bin ]]; then
  if [[ -x $root/target/release/policyscan ]]; then
    bin=$root/target/release/policyscan
  else
    bin=$(command -v policyscan || true)
  fi
fi
[[ -n $bin ]] || { echo "policyscan binary not found (cargo build --release, or set POLICYSCAN)" >&2; exit 2; }

browser=${CHROMIUM:-}
for b in chromium chromium-browser google-chrome; do
  [[ -n $browser ]] && break
  browser=$(command -v "$b" || true)
done
[[ -n $browser ]] || { echo "chromium not found (apt-get install -y chromium fonts-noto-cjk)" >&2; exit 2; }
if ! fc-list :lang=zh >/dev/null 2>&1 || [[ -z $(fc-list :lang=zh 2>/dev/null) ]]; then
  echo "warning: no Chinese font found; Chinese text will show as boxes (apt-get install -y fonts-noto-cjk)" >&2
fi

mkdir -p "$shots"
shots=$(cd "$shots" && pwd)
"$bin" report "$out_dir" --html "$shots/report.html"
page=$(printf 'p%06d.html' "$number")
[[ -f $shots/report_files/$page ]] || { echo "no policy page $page in $shots/report_files" >&2; exit 2; }

shoot() { # URL PNG
  # A profile of its own, so that a running browser does not take the call.
  local profile
  profile=$(mktemp -d)
  timeout 120 "$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1400,2000 --virtual-time-budget=5000 \
    --screenshot="$2" "$1" >/dev/null 2>&1 || true
  rm -rf "$profile"
  [[ -s $2 ]] || { echo "chromium wrote no screenshot for $1" >&2; exit 1; }
  echo "wrote $2"
}
shoot "file://$shots/report.html" "$shots/overview.png"
shoot "file://$shots/report_files/$page" "$shots/policy.png"

#!/usr/bin/env bash
# Wall time and peak RSS of `dard eval` (release) against the standard evaluator
# (mwzeval) on the same prediction file, and the ratio of wall times.
#
# usage: eval/benches/compare_mwzeval.sh [PRED.json] [RUNS]
#   PRED.json  default: $DATA/eval_cases/predictions_gold_with_state.json
#   RUNS       dard runs (median reported), default 5; mwzeval runs once
# env:
#   DARD_DATA       MultiWOZ data folder (default ../shared/multiwoz from the repo root)
#   MWZEVAL_PYTHON  a Python with mwzeval installed and its data files in place
#                   (default /work/pyref/venv/bin/python, else python3)
#
# With the data folder's reconstructed evaluator files present, dard reads the same
# four files mwzeval reads; otherwise it derives them from the dialogs. Where Python
# or mwzeval is missing, only dard's figures are printed (exit status 0).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
data="${DARD_DATA:-$root/../shared/multiwoz}"
pred="${1:-$data/eval_cases/predictions_gold_with_state.json}"
runs="${2:-5}"
py="${MWZEVAL_PYTHON:-/work/pyref/venv/bin/python}"
[ -x "$py" ] || py="$(command -v python3 || true)"

(cd "$root" && cargo build --release -q -p dard)
dard="$root/target/release/dard"

args=(eval "$pred" --data "$data" --json)
rec="$data/reconstructed"
if [ -f "$rec/goals_test_val.json" ] && [ -f "$data/mwzeval_data/booked_domains.json" ]; then
    args+=(--goals "$rec/goals_test_val.json"
           --references "$rec/mwz22_references_test.APPROX_from_mwoz21.json"
           --gold-states "$rec/gold_states_test.APPROX_from_mwoz21.json"
           --booked-domains "$data/mwzeval_data/booked_domains.json")
fi

# measure CMD... -> prints "WALL_SECONDS MAX_RSS_KB" (GNU time when available)
measure() {
    local out
    if [ -x /usr/bin/time ]; then
        local tmp
        tmp="$(mktemp)"
        /usr/bin/time -o "$tmp" -f "%e %M" "$@" >/dev/null 2>&1
        out="$(tail -n 1 "$tmp")"
        rm -f "$tmp"
    else
        local start end
        start=$(date +%s.%N)
        "$@" >/dev/null 2>&1
        end=$(date +%s.%N)
        out="$(awk -v s="$start" -v e="$end" 'BEGIN { print e - s }') ?"
    fi
    echo "$out"
}

"$dard" "${args[@]}" >/dev/null   # warm the page cache and fail early on errors
walls=()
rss=0
for _ in $(seq "$runs"); do
    read -r w m < <(measure "$dard" "${args[@]}")
    walls+=("$w")
    rss="$m"
done
dard_wall=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "file:  $pred"
echo "dard:  wall ${dard_wall} s (median of $runs: ${walls[*]}), peak RSS ${rss} KiB"

if [ -z "$py" ] || ! "$py" -c "import mwzeval.metrics" 2>/dev/null; then
    echo "mwzeval: not available (set MWZEVAL_PYTHON); only dard was timed"
    exit 0
fi
script='import json, sys
from mwzeval.metrics import Evaluator
e = Evaluator(bleu=True, success=True, richness=True, dst=True)
with open(sys.argv[1]) as f:
    r = e.evaluate(json.load(f))
print(r["success"]["inform"]["total"], r["success"]["success"]["total"], r["bleu"]["mwz22"])'
read -r py_wall py_rss < <(measure "$py" -c "$script" "$pred")
echo "mwzeval: wall ${py_wall} s, peak RSS ${py_rss} KiB"
awk -v p="$py_wall" -v d="$dard_wall" 'BEGIN { printf "ratio (mwzeval wall / dard wall): %.0fx\n", p / d }'

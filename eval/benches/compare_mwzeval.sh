#!/usr/bin/env bash
# Wall time and peak RSS of `dard eval` (release) against the standard evaluator
# (mwzeval) on the same prediction file, and the ratio of wall times.
#
# usage: eval/benches/compare_mwzeval.sh [PRED.json] [RUNS]
#   PRED.json  default: $DATA/eval_cases/predictions_gold_with_state.json
#   RUNS       dard runs per mode (median reported), default 5
# env:
#   DARD_BIN        the dard binary to time (default target/release/dard; nothing is built)
#   DARD_DATA       MultiWOZ data folder (default ../shared/multiwoz from the repo root)
#   MWZEVAL_PYTHON  a Python with mwzeval importable; without it the evaluator is set up
#                   by eval/benches/mwzeval_env.sh (a venv from PyPI and the pinned
#                   source; MWZEVAL_SRC / MWZEVAL_DIR as documented there)
#
# dard is timed warm (its evaluation-data cache filled by an untimed run) and cold
# (DARD_EVAL_CACHE=off: the data derived from the dialogs on every run).
#   MWZEVAL_RUNS    mwzeval runs (default 3), with PYTHONHASHSEED=0,1,…: mwzeval's own
#                   time depends on Python's string-hash seed (on one machine: seed 0
#                   13.5 s, seed 1 6.4 s, seed 2 12.2 s for the default file), so one
#                   run with a random seed is not a stable yardstick
#
# dard is timed in two modes: `derived` (the default of `dard eval`: evaluation data
# derived from the dialogs) and, with the data folder's reconstructed evaluator files
# present, `files` (the same four files mwzeval reads). One untimed run per mode first
# warms the page cache and dard's evaluation-data cache. Where Python or mwzeval is
# missing, only dard's figures are printed (exit status 0).
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
data="${DARD_DATA:-$root/../shared/multiwoz}"
pred="${1:-$data/eval_cases/predictions_gold_with_state.json}"
runs="${2:-5}"
dard="${DARD_BIN:-$root/target/release/dard}"
[ -x "$dard" ] || { echo "no dard binary at $dard (build it: cargo build --release, or set DARD_BIN)"; exit 1; }
py="${MWZEVAL_PYTHON:-}"
if [ -z "$py" ]; then
    if env_lines="$(DARD_DATA="$data" "$root/eval/benches/mwzeval_env.sh" stock)"; then
        eval "$env_lines"
        export PYTHONPATH
        py="$MWZEVAL_PYTHON"
    else
        echo "mwzeval could not be set up (see above); only dard is timed"
    fi
fi

base=(eval "$pred" --data "$data" --json)
files=()
rec="$data/reconstructed"
if [ -f "$rec/goals_test_val.json" ] && [ -f "$data/mwzeval_data/booked_domains.json" ]; then
    files=(--goals "$rec/goals_test_val.json"
           --references "$rec/mwz22_references_test.APPROX_from_mwoz21.json"
           --gold-states "$rec/gold_states_test.APPROX_from_mwoz21.json"
           --booked-domains "$data/mwzeval_data/booked_domains.json")
fi

# measure CMD... -> prints "WALL_SECONDS MAX_RSS_KB": the wall time in milliseconds
# from `date +%N` around the run (GNU time only prints centiseconds), the peak RSS
# from GNU time when available ("?" otherwise).
measure() {
    local tmp start end rss="?"
    tmp="$(mktemp)"
    start=$(date +%s%N)
    if [ -x /usr/bin/time ]; then
        /usr/bin/time -o "$tmp" -f "%M" "$@" >/dev/null 2>&1
        rss="$(tail -n 1 "$tmp")"
    else
        "$@" >/dev/null 2>&1
    fi
    end=$(date +%s%N)
    rm -f "$tmp"
    echo "$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.3f", (e - s) / 1e9 }') $rss"
}

echo "file:  $pred"
echo "load:  $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (1/5/15-minute load averages)"
modes=(derived cold)
[ ${#files[@]} -gt 0 ] && modes+=(files)
declare -A wall
for mode in "${modes[@]}"; do
    args=("${base[@]}")
    [ "$mode" = files ] && args+=("${files[@]}")
    cache=()
    [ "$mode" = cold ] && cache=(env DARD_EVAL_CACHE=off)
    "${cache[@]}" "$dard" "${args[@]}" >/dev/null   # warm the page cache and fail early on errors
    walls=()
    rss=0
    for _ in $(seq "$runs"); do
        read -r w m < <(measure "${cache[@]}" "$dard" "${args[@]}")
        walls+=("$w")
        rss="$m"
    done
    wall[$mode]=$(printf '%s\n' "${walls[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    echo "dard ($mode$([ "$mode" = cold ] && echo ", DARD_EVAL_CACHE=off" || echo ", warm cache")): wall ${wall[$mode]} s (median of $runs: ${walls[*]}), peak RSS ${rss} KiB"
done

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
py_runs="${MWZEVAL_RUNS:-3}"
py_walls=()
for seed in $(seq 0 $((py_runs - 1))); do
    read -r w py_rss < <(measure env PYTHONHASHSEED="$seed" "$py" -c "$script" "$pred")
    py_walls+=("$w")
done
py_sorted=$(printf '%s\n' "${py_walls[@]}" | sort -n)
py_wall=$(echo "$py_sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
py_min=$(echo "$py_sorted" | head -n 1)
echo "load:  $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?') (after the runs)"
echo "mwzeval: wall ${py_wall} s (median of $py_runs, PYTHONHASHSEED=0..$((py_runs - 1)): ${py_walls[*]}), peak RSS ${py_rss} KiB"
for mode in "${modes[@]}"; do
    awk -v p="$py_wall" -v q="$py_min" -v d="${wall[$mode]}" -v m="$mode" \
        'BEGIN { printf "ratio (mwzeval wall / dard %s wall): %.0fx median, %.0fx against the fastest mwzeval run\n", m, p / d, q / d }'
done

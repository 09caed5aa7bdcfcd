#!/usr/bin/env bash
# Sets up the standard MultiWOZ evaluator (mwzeval) for comparisons with dard, and
# prints the two lines to `eval` to use it: MWZEVAL_PYTHON=… and PYTHONPATH=….
#
# usage: eval $(eval/benches/mwzeval_env.sh [stock|dard])
#
# What it builds, once, under $MWZEVAL_DIR (default target/mwzeval):
#   venv/       a Python virtual environment with the evaluator's PyPI dependencies
#               at the versions the fixtures were made with
#   stock/      the evaluator's source at its pinned commit, with the data files it
#               cannot download here put in place from the MultiWOZ folder's
#               reconstructed/ files (see ../shared/multiwoz/README.txt)
#   dard/       the same, its placeholder mapping replaced by the one DARD's authors
#               scored their released predictions with (read from their repository)
# env:
#   MWZEVAL_SRC  the evaluator's repository (a git directory or checkout); without it
#                the pinned commit is downloaded from GitHub
#   DARD_SRC     DARD's repository (git directory or checkout), for the `dard` mapping;
#                without it the pinned commit's file is downloaded from GitHub
#   DARD_DATA    the MultiWOZ folder (default ../shared/multiwoz from the repo root)
#   PYTHON       the Python that creates the venv (default python3; 3.11 was used)
set -euo pipefail

mapping="${1:-stock}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
dir="${MWZEVAL_DIR:-$root/target/mwzeval}"
data="${DARD_DATA:-$root/../shared/multiwoz}"
mwz_commit=7f19ee01ffd97652bfad5b067fce40704d9c9de2
dard_commit=0e860c1b525b012a45c2f79b4b7ed496458a8fb2
mkdir -p "$dir"

if [ ! -x "$dir/venv/bin/python" ]; then
    "${PYTHON:-python3}" -m venv "$dir/venv" >&2
    "$dir/venv/bin/pip" install -q sacrebleu==2.6.0 sacremoses==0.2.0 fuzzywuzzy==0.18.0 \
        python-Levenshtein==0.27.5 lexical-diversity==0.1.1 >&2
fi

# source REPO_OR_EMPTY COMMIT URL_PREFIX PATH… -> writes the files under $dir/tmp-src
fetch_files() {
    local repo="$1" commit="$2" url="$3"
    shift 3
    rm -rf "$dir/tmp-src"
    mkdir -p "$dir/tmp-src"
    if [ -n "$repo" ] && git -C "$repo" rev-parse -q --verify "$commit^{commit}" >/dev/null 2>&1; then
        git -C "$repo" archive "$commit" "$@" | tar -x -C "$dir/tmp-src"
    elif [ -n "$repo" ] && [ -d "$repo" ]; then
        (cd "$repo" && cp -r --parents "$@" "$dir/tmp-src/")
    else
        for p in "$@"; do
            mkdir -p "$dir/tmp-src/$(dirname "$p")"
            curl -fsSL "$url/$commit/$p" -o "$dir/tmp-src/$p"
        done
    fi
}

if [ ! -f "$dir/stock/mwzeval/metrics.py" ]; then
    fetch_files "${MWZEVAL_SRC:-}" "$mwz_commit" \
        https://raw.githubusercontent.com/Tomiinek/MultiWOZ_Evaluation \
        mwzeval/__init__.py mwzeval/metrics.py mwzeval/normalization.py mwzeval/utils.py \
        mwzeval/database.py mwzeval/data/booked_domains.json \
        mwzeval/data/database/attraction_db.json mwzeval/data/database/hotel_db.json \
        mwzeval/data/database/restaurant_db.json mwzeval/data/database/train_db.json
    rec="$data/reconstructed"
    mkdir -p "$dir/tmp-src/mwzeval/data/references"
    cp "$rec/goals_test_val.json" "$dir/tmp-src/mwzeval/data/goals.json"
    cp "$rec/mwz22_references_test.APPROX_from_mwoz21.json" "$dir/tmp-src/mwzeval/data/references/mwz22.json"
    cp "$rec/gold_states_test.APPROX_from_mwoz21.json" "$dir/tmp-src/mwzeval/data/gold_states.json"
    rm -rf "$dir/stock"
    mv "$dir/tmp-src" "$dir/stock"
fi

if [ "$mapping" = dard ] && [ ! -f "$dir/dard/mwzeval/metrics.py" ]; then
    fetch_files "${DARD_SRC:-}" "$dard_commit" \
        https://raw.githubusercontent.com/amangupt01/DARD-A-Multi-Agent-Approach-for-Task-Oriented-Dialog-Systems \
        src/update_slot_mapping.py
    rm -rf "$dir/dard"
    cp -r "$dir/stock" "$dir/dard"
    # DARD's repository gives its mapping as a replacement for the evaluator's
    # `slot_name_mapping` dictionary in `normalize_slot_name`; swap the literal.
    "$dir/venv/bin/python" - "$dir/dard/mwzeval/normalization.py" "$dir/tmp-src/src/update_slot_mapping.py" <<'PY'
import ast, re, sys
target, table_file = sys.argv[1], sys.argv[2]
namespace = {}
exec(open(table_file).read(), namespace)
table = namespace["slot_name_mapping"]
assert isinstance(table, dict) and all(isinstance(v, list) for v in table.values())
source = open(target).read()
pattern = re.compile(r"slot_name_mapping = \{.*?\n    \}", re.S)
old = pattern.search(source)
assert old, "slot_name_mapping not found"
stock = ast.literal_eval(old.group(0).split("=", 1)[1].strip())
assert set(stock) == set(table) and all(set(stock[k]) <= set(table[k]) for k in stock)
source = source[:old.start()] + "slot_name_mapping = " + repr(table) + source[old.end():]
open(target, "w").write(source)
PY
    rm -rf "$dir/tmp-src"
fi

echo "MWZEVAL_PYTHON=$dir/venv/bin/python"
echo "PYTHONPATH=$dir/$mapping"

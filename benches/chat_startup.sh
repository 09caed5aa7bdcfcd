#!/usr/bin/env bash
# How long `dard chat` (built-in default) takes from its start to its first drawn
# input prompt, as the chat logs it ("input prompt drawn", measured from the start
# of main). One untimed run first fills the start-up cache; the figure is then
# warm. Runs in a detached tmux pane (needs tmux).
#
# usage: benches/chat_startup.sh [DARD_BIN] [RUNS]   (default target/release/dard, 5)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bin="${1:-$root/target/release/dard}"
runs="${2:-5}"
command -v tmux >/dev/null || { echo "tmux is needed"; exit 1; }
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
socket="dard-chat-startup-$$"

one() {
    # The chat logs to $XDG_STATE_HOME/dard/chat.log.
    local log="$tmp/dard/chat.log"
    rm -f "$log"
    tmux -L "$socket" -f /dev/null new-session -d -x 120 -y 40 -c "$root" \
        "env XDG_STATE_HOME=$tmp $bin --log info chat"
    for _ in $(seq 600); do
        if grep -q "input prompt drawn" "$log" 2>/dev/null; then break; fi
        sleep 0.02
    done
    tmux -L "$socket" kill-server 2>/dev/null || true
    grep -o 'ms_since_start=[0-9.]*' "$log" | head -n 1 | cut -d= -f2
}

one >/dev/null   # fills the start-up cache and the page cache
figures=()
for _ in $(seq "$runs"); do
    figures+=("$(one)")
done
sorted=$(printf '%s\n' "${figures[@]}" | sort -n)
median=$(echo "$sorted" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "dard chat: input prompt drawn ${median} ms after start (median of $runs warm runs: ${figures[*]}; load $(cut -d' ' -f1-3 /proc/loadavg))"

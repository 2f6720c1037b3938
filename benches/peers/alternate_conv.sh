#!/usr/bin/env bash
# Times PyTorch eager's conv step (pytorch_conv.py) and ours (`cargo bench --bench conv`) in
# turns, so that both see the same phase of a shared machine, as alternate.sh does for P2/P3.
# Not part of CI: it needs a Python with torch.
#
#   PEERS_PYTHON=/path/to/python benches/peers/alternate_conv.sh 3
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${PEERS_PYTHON:-python3}
rounds=${1:-3}
cargo bench --bench conv --no-run 2>/dev/null
# Criterion's median ("time: [low median high]"), in ms.
median_ms() {
    awk '/time:/ { v = $4; u = $5; if (u == "µs") v /= 1000; else if (u == "ns") v /= 1e6; else if (u == "s") v *= 1000; print v; exit }'
}
for r in $(seq "$rounds"); do
    echo "== round $r, $(date -u +%H:%M:%S) UTC"
    torch=$("$py" benches/peers/pytorch_conv.py 200)
    echo "$torch"
    ours=$(cargo bench --bench conv -- --warm-up-time 1 --measurement-time 6 2>/dev/null | median_ms)
    t=$(sed -nE 's/.*conv step median ([0-9.]+) ms.*/\1/p' <<<"$torch")
    awk -v t="$t" -v o="$ours" 'BEGIN { printf "conv step: PyTorch %.3f ms, ours %.3f ms: ours takes %.2fx PyTorch'"'"'s time\n", t, o, o / t }'
done

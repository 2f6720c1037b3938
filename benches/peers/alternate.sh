#!/usr/bin/env bash
# Times a peer and our bench in turns, so that both see the same phase of a shared machine:
# PyTorch eager against `cargo bench --bench mlp` (P3), micrograd against
# `cargo bench --bench moons` (P2). Not part of CI: it needs a Python with the peers in it.
#
#   python3 -m venv /tmp/peers && /tmp/peers/bin/pip install torch micrograd
#   PEERS_PYTHON=/tmp/peers/bin/python benches/peers/alternate.sh 3
#
# Each round prints the peer's median per step, then criterion's lines for our step.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${PEERS_PYTHON:-python3}
rounds=${1:-3}
cargo bench --bench mlp --bench moons --no-run 2>/dev/null
for r in $(seq "$rounds"); do
    echo "== round $r, $(date -u +%H:%M:%S) UTC"
    "$py" benches/peers/pytorch_p3.py 2000
    cargo bench --bench mlp -- "nn::Mlp" --warm-up-time 1 --measurement-time 4 2>/dev/null | grep -A1 "^P3"
    "$py" benches/peers/micrograd_p2.py 10
    cargo bench --bench moons -- "scalar nodes" --warm-up-time 1 --measurement-time 4 2>/dev/null | grep -A1 "^P2"
done

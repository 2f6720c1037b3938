#!/usr/bin/env bash
# Times a peer and our bench in turns, so that both see the same phase of a shared machine:
# PyTorch eager against `cargo bench --bench mlp` (P3), micrograd against
# `cargo bench --bench moons` (P2). It also times P3's eight GEMMs alone three ways: in
# PyTorch (MKL), in numpy (OpenBLAS) and in our bench's bound (matrixmultiply). Not part of
# CI: it needs a Python with the peers in it (see benches/README.md):
#
#   python3 -m venv ~/torchenv && ~/torchenv/bin/pip install torch numpy micrograd
#   PEERS_PYTHON=~/torchenv/bin/python benches/peers/alternate.sh 3
#
# Each round prints the peers' lines, then our criterion medians against them.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${PEERS_PYTHON:-python3}
rounds=${1:-3}
cargo bench --bench mlp --bench moons --no-run 2>/dev/null
# Criterion's median ("time: [low median high]"), in ms, of the k-th bench a run printed.
median_ms() {
    awk -v k="${1:-1}" '/time:/ && ++n == k { v = $4; u = $5; if (u == "µs") v /= 1000; else if (u == "ns") v /= 1e6; else if (u == "s") v *= 1000; print v; exit }'
}
for r in $(seq "$rounds"); do
    echo "== round $r, $(date -u +%H:%M:%S) UTC"
    torch=$("$py" benches/peers/pytorch_p3.py 2000)
    echo "$torch"
    mlp=$(cargo bench --bench mlp -- "nn::Mlp|alone .the bound" --warm-up-time 1 --measurement-time 4 2>/dev/null)
    bound=$(median_ms 1 <<<"$mlp")
    ours3=$(median_ms 2 <<<"$mlp")
    micro=$("$py" benches/peers/micrograd_p2.py 10)
    echo "$micro"
    ours2=$(cargo bench --bench moons -- "step/tape, scalar nodes" --warm-up-time 1 --measurement-time 4 2>/dev/null | median_ms)
    t=$(sed -nE 's/.*step median ([0-9.]+) ms.*/\1/p' <<<"$torch")
    tg=$(sed -nE 's/^torch .*8 GEMMs median ([0-9.]+) ms.*/\1/p' <<<"$torch")
    ng=$(sed -nE 's/^numpy .*8 GEMMs median ([0-9.]+) ms.*/\1/p' <<<"$torch")
    m=$(sed -nE 's/.*step median ([0-9.]+) ms.*/\1/p' <<<"$micro")
    mg=$(sed -nE 's/.*gc.collect: median ([0-9.]+).*/\1/p' <<<"$micro")
    awk -v t="$t" -v o="$ours3" 'BEGIN { printf "P3: PyTorch %.3f ms, ours %.3f ms: we are %.2fx faster\n", t, o, t / o }'
    printf "P3's 8 GEMMs alone: PyTorch %s ms, numpy %s ms, ours (the bound, first of two) %.3f ms\n" "${tg:-?}" "${ng:-?}" "$bound"
    awk -v m="$m" -v mg="$mg" -v o="$ours2" 'BEGIN { printf "P2: micrograd %.1f ms (%.1f with its collection), ours %.3f ms: we are %.0fx (%.0fx) faster\n", m, mg, o, m / o, mg / o }'
done

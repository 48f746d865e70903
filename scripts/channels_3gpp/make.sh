#!/usr/bin/env bash
# The 3GPP channel report: datasets (Sionna PHY), their eigenvalue spread, and every 1-bit
# precoder on them. Run from the repository root: bash scripts/channels_3gpp/make.sh
# Needs the sionna extra (pip install -e '.[sionna]'). Datasets go to data/3gpp/ (not committed).
set -euo pipefail
out=results/channels_3gpp
data=data/3gpp
mkdir -p "$data" "$out"
for model in cdl-a cdl-c cdl-d umi uma; do
  for k in 1 4; do
    [ -f "$data/$model-k$k.h5" ] || qprecode dataset 3gpp "$model" -K "$k" --samples 2000 \
      --out "$data/$model-k$k.h5" --quiet
  done
done
[ -f "$data/umi-k4-sample.h5" ] || qprecode dataset 3gpp umi -K 4 --samples 2000 \
  --normalization sample --out "$data/umi-k4-sample.h5" --quiet
[ -f "$data/cdl-c-k4-upa.h5" ] || qprecode dataset 3gpp cdl-c -K 4 --samples 2000 --array upa \
  --out "$data/cdl-c-k4-upa.h5" --quiet
qprecode dataset spread "$data"/{cdl-a,cdl-c,cdl-d,umi,uma}-k4.h5 "$data/umi-k4-sample.h5" \
  "$data/cdl-c-k4-upa.h5" --plot "$out/eigenvalue_spread.png" | tee "$out/spread.txt"
common=(--bits 1 --snr-db -10:30:10 --channels 2000 --symbols 64 --quiet)
for k in 1 4; do
  precoders=mrt,zf,squid,c2po,local-search
  # the GNNs (at K = 4 the K = 2 ones: the K = 4 part predates gnn:k4-b1) and a compressed
  # DNN of the same K (shipped, 1-bit DACs after it)
  [ "$k" = 1 ] && precoders="$precoders,gnn:k1-b1,dnn:c8-d512-m32-k1"
  [ "$k" = 4 ] && precoders="$precoders,gnn:k2-b1,gnn:k2-b1-csi10,dnn:c8-d512-m32-k4"
  qprecode evaluate --precoder "$precoders" -K "$k" "${common[@]}" \
    --json "$out/rayleigh-k$k.json" --plot "$out/rayleigh-k$k.png"
  for name in cdl-a cdl-c cdl-d umi uma; do
    qprecode evaluate --precoder "$precoders" -K "$k" --channel-file "$data/$name-k$k.h5" \
      "${common[@]}" --json "$out/$name-k$k.json" --plot "$out/$name-k$k.png"
  done
done
for name in umi-k4-sample cdl-c-k4-upa; do
  qprecode evaluate --precoder mrt,zf,squid,c2po,local-search -K 4 \
    --channel-file "$data/$name.h5" "${common[@]}" --json "$out/$name.json" --plot "$out/$name.png"
done
python scripts/channels_3gpp/tables.py > "$out/tables.md"

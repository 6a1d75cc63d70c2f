#!/usr/bin/env bash
# The same input gives byte-identical model files and exports for 1, 2 and 8
# threads (SPEC 4).
. "$(dirname "$0")/lib.sh"
cd "$TMP"
hc generate-demo-data --frequency H --items 150 --length 400 --seed 3 --output data.csv >/dev/null
predictor_request p SeasonalNaive H 24 3 0.1,0.5,0.9,mean "$TMP/data.csv" >p.json
for t in 1 2 8; do
    HINDCAST_WORKSPACE=$TMP/ws$t hc --threads $t create-predictor --cli-input-json file://p.json >/dev/null
    HINDCAST_WORKSPACE=$TMP/ws$t export_job job p out$t --threads $t >/dev/null
done
cmp ws1/predictors/p/model.bin ws2/predictors/p/model.bin || fail "model.bin differs (1 vs 2 threads)"
cmp ws1/predictors/p/model.bin ws8/predictors/p/model.bin || fail "model.bin differs (1 vs 8 threads)"
cmp ws1/predictors/p/accuracy.json ws8/predictors/p/accuracy.json || fail "accuracy.json differs"
pass "model files and predictor metrics identical for 1, 2, 8 threads"
diff -r s3/out1 s3/out2 >/dev/null || fail "export differs (1 vs 2 threads)"
diff -r s3/out1 s3/out8 >/dev/null || fail "export differs (1 vs 8 threads)"
[ "$(find s3/out1 -type f | wc -l)" = 3 ] || fail "expected 2 parts and _CHECK"
pass "exports byte-identical for 1, 2, 8 threads"
finish

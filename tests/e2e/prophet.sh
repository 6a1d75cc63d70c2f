#!/usr/bin/env bash
# A Prophet predictor on daily demo data (weekly cycles, intermittent items,
# late starts, gaps): training fits Prophet on the item-windows with at least
# two observed values, the export has rows for every fitted item-window with
# finite, ordered quantiles whose median sits near the mean (Prophet's yhat),
# and the model file and the export do not depend on the thread count.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
hc generate-demo-data --frequency D --items 30 --length 400 --seed 5 --output data.csv >/dev/null
predictor_request pr arn:aws:forecast:::algorithm/Prophet D 14 2 0.1,0.5,0.9,mean "$TMP/data.csv" >pr.json
hc create-predictor --cli-input-json file://pr.json >create.json
pass "create-predictor with arn:aws:forecast:::algorithm/Prophet"

hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/pr >describe.json
[ "$(json_get describe.json 'd["Status"]')" = ACTIVE ] || fail "predictor not ACTIVE"
[ "$(json_get describe.json 'd["AlgorithmArn"]')" = arn:aws:forecast:::algorithm/Prophet ] ||
    fail "AlgorithmArn: $(cat describe.json)"
fitted=$(json_get describe.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
prophet=$(json_get describe.json 'd["HindcastTrainingSummary"]["FitsByAlgorithm"].get("Prophet", 0)')
[ "$fitted" -gt 0 ] && [ "$prophet" -gt 0 ] || fail "no Prophet fits: $(cat describe.json)"
# Prophet only falls back below 2 observed values; the demo's late starters
# have far more than that before each window.
[ "$prophet" = "$fitted" ] || fail "$prophet of $fitted item-windows fitted with Prophet"
pass "describe-predictor: ACTIVE, all $fitted fitted item-windows are Prophet"

export_job prexp pr bucket/pr >/dev/null
out=$TMP/s3/bucket/pr
[ -f "$out/_CHECK" ] || fail "_CHECK missing"
# yhat (the mean) is the MAP forecast, p50 the median of 1000 sampled paths
# (symmetric noise and trend changes): close, inside the 80% band.
check_forecasts "$out" $((fitted * 14)) 'v[0] <= v[3] <= v[2]' || fail "forecast rows"
pass "export: 14 rows per fitted item-window, finite ordered p10 <= p50 <= p90, mean inside"

check_accuracy "$out" || fail "accuracy rows"
pass "accuracy-metrics-values written"

HINDCAST_WORKSPACE=$TMP/ws2 hc --threads 2 create-predictor --cli-input-json file://pr.json >/dev/null
cmp "$TMP/ws/predictors/pr/model.bin" "$TMP/ws2/predictors/pr/model.bin" ||
    fail "Prophet model file differs between 1 and 2 threads"
HINDCAST_WORKSPACE=$TMP/ws2 export_job prexp pr bucket/pr2 --threads 2 >/dev/null
diff -r "$out" "$TMP/s3/bucket/pr2" >/dev/null || fail "export differs between 1 and 2 threads"
pass "model file and export identical for 1 and 2 threads"
finish

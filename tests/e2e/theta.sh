#!/usr/bin/env bash
# A Theta predictor on hourly demo data (seasonal items, intermittent ones,
# late starts, gaps): training fits Theta nearly everywhere, the backtest
# export completes with rows for every fitted item-window, and every
# forecast (quantiles and mean) is a finite, ordered number.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
hc generate-demo-data --frequency H --items 40 --length 600 --seed 11 --output data.csv >/dev/null
predictor_request th Theta H 24 2 0.1,0.5,0.9,mean "$TMP/data.csv" >th.json
hc create-predictor --cli-input-json file://th.json >create.json
pass "create-predictor with arn:hindcast:::algorithm/Theta"

hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/th >describe.json
[ "$(json_get describe.json 'd["Status"]')" = ACTIVE ] || fail "predictor not ACTIVE"
fitted=$(json_get describe.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
theta=$(json_get describe.json 'd["HindcastTrainingSummary"]["FitsByAlgorithm"].get("Theta", 0)')
[ "$fitted" -gt 0 ] && [ "$theta" -gt 0 ] || fail "no Theta fits: $(cat describe.json)"
# Theta only falls back below 3 values; the demo data's late starters still
# have far more than that before each window.
[ "$theta" = "$fitted" ] || fail "$theta of $fitted item-windows fitted with Theta"
pass "describe-predictor: ACTIVE, all $fitted fitted item-windows are Theta"

export_job thexp th bucket/th >/dev/null
out=$TMP/s3/bucket/th
[ -f "$out/_CHECK" ] || fail "_CHECK missing"
# Demand data: the zero floor applies.
check_forecasts "$out" $((fitted * 24)) 'v[0] >= 0.0' || fail "forecast rows"
pass "export: 24 rows per fitted item-window, finite ordered p10 <= p50 <= p90"

check_accuracy "$out" || fail "accuracy rows"
pass "accuracy-metrics-values written"
finish

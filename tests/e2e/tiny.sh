#!/usr/bin/env bash
# A five-item daily dataset whose export was worked out by hand (see
# tests/e2e/tiny/*.csv and README "worked example"): Naive forecasts,
# every metric, excluded windows (a backfilled step, no history), a key that
# needs CSV quoting and numbers in E notation.
. "$(dirname "$0")/lib.sh"
cp "$E2E_DIR/tiny/data.csv" "$E2E_DIR/tiny/predictor.json" "$TMP/"
cd "$TMP"
hc create-predictor --cli-input-json file://predictor.json >create.json
[ "$(json_get create.json 'd["PredictorArn"]')" = \
  "arn:aws:forecast:us-east-1:000000000000:predictor/tiny" ] || fail "PredictorArn"
pass "create-predictor returns the ARN"

hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/tiny >describe.json
[ "$(json_get describe.json 'd["Status"]')" = ACTIVE ] || fail "predictor not ACTIVE"
[ "$(json_get describe.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')" = 3 ] ||
    fail "3 fitted item-windows expected: $(cat describe.json)"
pass "describe-predictor: ACTIVE, 3 of 5 item-windows fitted"

export_job tinyexport tiny bucket/tiny >job.json
[ "$(json_get job.json 'd["PredictorBacktestExportJobArn"]')" = \
  "arn:aws:forecast:us-east-1:000000000000:predictor-backtest-export-job/tiny/tinyexport" ] ||
    fail "job ARN: $(cat job.json)"
out=$TMP/s3/bucket/tiny
stamp=2023-11-14T22-13-20Z
cmp "$out/forecasted-values/tinyexport_${stamp}_part0.csv" "$E2E_DIR/tiny/expected-forecasts.csv" ||
    fail "forecasted-values differ from the hand-computed file"
pass "forecasted-values match the hand-computed file byte for byte"
cmp "$out/accuracy-metrics-values/tinyexport_${stamp}_part0.csv" "$E2E_DIR/tiny/expected-accuracy.csv" ||
    fail "accuracy-metrics-values differ from the hand-computed file"
pass "accuracy-metrics-values match the hand-computed file byte for byte"
[ -f "$out/_CHECK" ] && [ ! -s "$out/_CHECK" ] || fail "_CHECK missing or not empty"
[ "$(ls -A "$out/forecasted-values" | wc -l)" = 1 ] || fail "stray files in forecasted-values"
pass "_CHECK written, no stray files"

hc describe-predictor-backtest-export-job --predictor-backtest-export-job-arn \
    arn:aws:forecast:us-east-1:000000000000:predictor-backtest-export-job/tiny/tinyexport >djob.json
[ "$(json_get djob.json 'd["Status"]')" = ACTIVE ] || fail "job not ACTIVE"
[ "$(json_get djob.json 'd["CreationTime"]')" = "2023-11-14T22:13:20+00:00" ] || fail "CreationTime"
[ "$(json_get djob.json 'd["Format"]')" = CSV ] || fail "Format"
[ "$(json_get djob.json 'sorted(d)')" = "['CreationTime', 'Destination', 'Format', 'LastModificationTime', 'PredictorArn', 'PredictorBacktestExportJobArn', 'PredictorBacktestExportJobName', 'Status']" ] ||
    fail "describe members: $(json_get djob.json 'sorted(d)')"
pass "describe-predictor-backtest-export-job: ACTIVE, SOURCE_DATE_EPOCH time, AWS members"

# Predictor level: items a, d and "e,1" are included (hand arithmetic):
# wQL[0.5] = WAPE = (4 + 3e7 + 4) / (12 + 1.1e8 + 12); RMSE =
# sqrt((10 + 5e14 + 10) / 6); MAPE = mean(0.3142857142857143,
# 0.26666666666666666, 0.3142857142857143); MASE = mean(2, 1.5, 2).
hc get-accuracy-metrics --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/tiny >acc.json
python3 - acc.json <<'PY' || fail "predictor-level metrics"
import json, math, sys
d = json.load(open(sys.argv[1]))
w = d["PredictorEvaluationResults"][0]["TestWindows"]
assert [x["EvaluationType"] for x in w] == ["SUMMARY", "COMPUTED"], w
c = w[1]
assert c["ItemCount"] == 3
assert c["TestWindowStart"] == "2024-01-05T00:00:00+00:00"
m = c["Metrics"]
e = m["ErrorMetrics"][0]
assert e["ForecastType"] == "mean"
assert math.isclose(e["WAPE"], (4 + 3e7 + 4) / (12 + 1.1e8 + 12), rel_tol=1e-15)
assert math.isclose(m["RMSE"], math.sqrt((10 + 5e14 + 10) / 6), rel_tol=1e-15)
assert math.isclose(e["MAPE"], (0.3142857142857143 * 2 + 0.26666666666666666) / 3, rel_tol=1e-15)
assert math.isclose(e["MASE"], (2 + 1.5 + 2) / 3, rel_tol=1e-15)
l = m["WeightedQuantileLosses"]
assert len(l) == 1 and l[0]["Quantile"] == 0.5
assert math.isclose(l[0]["LossValue"], e["WAPE"], rel_tol=1e-15)
assert w[0]["Metrics"]["RMSE"] == m["RMSE"]
PY
pass "get-accuracy-metrics: pooled wQL, WAPE, RMSE and mean MAPE/MASE as hand-computed"
finish

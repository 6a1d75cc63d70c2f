#!/usr/bin/env bash
# NPTS predictors (arn:aws:forecast:::algorithm/NPTS) on hourly demo data:
# training fits NPTS for the item-windows, the backtest export has rows for
# every fitted item-window whose quantiles are ordered values the item has
# observed (NPTS samples its own past) and whose mean lies within them;
# TrainingParameters select the climatological variant, describe-predictor
# shows them, and the model file does not depend on the thread count.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
NPTS=arn:aws:forecast:::algorithm/NPTS
hc generate-demo-data --frequency H --items 24 --length 480 --seed 7 --output data.csv >/dev/null

check_export() { # NAME FITTED
    python3 - "$TMP/s3/bucket/$1" "$2" "$TMP/data.csv" <<'PY' && check_accuracy "$TMP/s3/bucket/$1"
import csv, glob, math, sys
out, fitted, data = sys.argv[1], int(sys.argv[2]), sys.argv[3]
seen = {}
with open(data) as f:
    for r in csv.DictReader(f):
        if r["target_value"] not in ("", "nan", "NaN"):
            seen.setdefault((r["item_id"], r["store"]), set()).add(float(r["target_value"]))
rows = []
for path in sorted(glob.glob(out + "/forecasted-values/*.csv")):
    with open(path) as f:
        rows += list(csv.DictReader(f))
assert len(rows) == fitted * 24, (len(rows), fitted)
for r in rows:
    v = [float(r[k]) for k in ("p10", "p50", "p90", "mean")]
    assert all(math.isfinite(x) for x in v), r
    assert v[0] <= v[1] <= v[2], r
    obs = seen[(r["item_id"], r["store"])]
    # The export writes numbers in shortest round-trip form: an observed
    # value reads back exactly.
    for x in v[:3]:
        assert x in obs, (r, "quantile not an observed value")
    assert min(obs) <= v[3] <= max(obs), r
PY
}

predictor_request npts "$NPTS" H 24 2 0.1,0.5,0.9,mean "$TMP/data.csv" >npts.json
hc create-predictor --cli-input-json file://npts.json >/dev/null
hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/npts >npts-d.json
[ "$(json_get npts-d.json 'd["Status"]')" = ACTIVE ] || fail "predictor not ACTIVE"
fitted=$(json_get npts-d.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
nfits=$(json_get npts-d.json 'd["HindcastTrainingSummary"]["FitsByAlgorithm"].get("NPTS", 0)')
# NPTS fits any window with an observed value; all demo item-windows have one.
[ "$fitted" -gt 0 ] && [ "$nfits" = "$fitted" ] ||
    fail "$nfits of $fitted item-windows fitted with NPTS: $(cat npts-d.json)"
pass "create-predictor with $NPTS: ACTIVE, all $fitted fitted item-windows are NPTS"
export_job nptsexp npts bucket/npts >/dev/null
check_export npts "$fitted" || fail "npts export"
pass "export: 24 rows per fitted item-window, quantiles ordered observed values, mean within them"

# The seasonal climatological forecaster and plain climatological one.
python3 - npts.json >clim.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["PredictorName"] = "clim"
r["TrainingParameters"] = {"kernel_type": "uniform", "use_seasonal_model": "false",
                           "context_length": "240"}
print(json.dumps(r))
PY
hc create-predictor --cli-input-json file://clim.json >/dev/null
hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/clim >clim-d.json
[ "$(json_get clim-d.json 'd["TrainingParameters"]["kernel_type"]')" = uniform ] ||
    fail "describe-predictor does not show TrainingParameters: $(cat clim-d.json)"
export_job climexp clim bucket/clim >/dev/null
check_export clim "$fitted" || fail "clim export"
means_differ npts clim || fail "climatological forecasts equal the NPTS ones"
pass "kernel_type=uniform, use_seasonal_model=false: shown by describe-predictor, other forecasts"

python3 - npts.json >bad.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["PredictorName"] = "bad"
r["TrainingParameters"] = {"exp_kernel_weights": "-1"}
print(json.dumps(r))
PY
expect_error 254 "exp_kernel_weights must be a positive number" \
    hc create-predictor --cli-input-json file://bad.json
pass "a negative exp_kernel_weights is refused"

HINDCAST_WORKSPACE=$TMP/ws2 hc --threads 2 create-predictor --cli-input-json file://npts.json >/dev/null
cmp "$TMP/ws/predictors/npts/model.bin" "$TMP/ws2/predictors/npts/model.bin" ||
    fail "NPTS model file differs between 1 and 2 threads"
pass "NPTS model file identical for 1 and 2 threads"
HINDCAST_WORKSPACE=$TMP/ws2 hc --threads 2 create-predictor-backtest-export-job \
    --predictor-backtest-export-job-name nptsexp \
    --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/npts \
    --destination "S3Config={Path=s3://bucket/npts2,RoleArn=$ROLE}" >/dev/null
diff -r "$TMP/s3/bucket/npts/forecasted-values" "$TMP/s3/bucket/npts2/forecasted-values" >/dev/null ||
    fail "NPTS forecasts differ between 1 and 2 threads"
pass "NPTS forecasts identical for 1 and 2 threads"
finish

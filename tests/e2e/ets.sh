#!/usr/bin/env bash
# ETS end to end (arn:aws:forecast:::algorithm/ETS): a daily demo dataset and
# an hourly multiplicative one are trained and exported; every forecast row of a fitted
# item-window is there, every value is a finite number, quantiles are in
# order, and training is the same for 1 and 2 threads.
. "$(dirname "$0")/lib.sh"
cd "$TMP"

hc generate-demo-data --frequency D --items 30 --length 120 --output daily.csv >/dev/null
predictor_request d arn:aws:forecast:::algorithm/ETS D 14 2 0.1,0.5,0.9,mean "$TMP/daily.csv" >d.json
hc create-predictor --cli-input-json file://d.json >/dev/null
hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/d >dd.json
[ "$(json_get dd.json 'd["AlgorithmArn"]')" = arn:aws:forecast:::algorithm/ETS ] ||
    fail "AlgorithmArn: $(cat dd.json)"
fitted=$(json_get dd.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
ets=$(json_get dd.json 'd["HindcastTrainingSummary"]["FitsByAlgorithm"].get("ETS", 0)')
[ "$fitted" -gt 50 ] && [ "$ets" -gt 50 ] ||
    fail "expected ETS fits on most of the 60 item-windows: $(cat dd.json)"
pass "daily ETS predictor: $ets of $fitted item-windows fitted with ETS"

export_job dj d daily >/dev/null
check_forecasts s3/daily $((14 * fitted)) || fail "daily forecasted-values"
[ "$(wc -l <s3/daily/accuracy-metrics-values/dj_2023-11-14T22-13-20Z_part0.csv)" = 91 ] ||
    fail "daily accuracy rows"
pass "daily export: $((14 * fitted)) finite, ordered forecast rows and the metrics"

# Hourly, season 24: positive series with a multiplicative daily profile,
# where ETS picks multiplicative seasons and takes its quantiles from seeded
# simulated paths (so the median is not the mean).
python3 - <<'PY'
import math
with open("hourly.csv", "w") as f:
    f.write("item_id,store,timestamp,target_value\n")
    for k, item in enumerate(["m1", "m2", "m3"]):
        for t in range(24 * 14):
            day, hour = divmod(t, 24)
            noise = 1 + 0.03 * (((t * 37 + k * 11) % 13) - 6) / 6
            y = (50 + 10 * k + 0.05 * t) * (1 + 0.6 * math.sin(2 * math.pi * t / 24)) * noise
            f.write("%s,s,2024-01-%02d %02d:00:00,%.3f\n" % (item, 1 + day, hour, y))
PY
predictor_request h arn:aws:forecast:::algorithm/ETS H 24 2 0.1,0.5,0.9,mean "$TMP/hourly.csv" >h.json
HINDCAST_WORKSPACE=$TMP/ws1 hc --threads 1 create-predictor --cli-input-json file://h.json >/dev/null
HINDCAST_WORKSPACE=$TMP/ws2 hc --threads 2 create-predictor --cli-input-json file://h.json >/dev/null
cmp ws1/predictors/h/model.bin ws2/predictors/h/model.bin || fail "model.bin differs (1 vs 2 threads)"
pass "hourly ETS model file identical for 1 and 2 threads"
HINDCAST_WORKSPACE=$TMP/ws1 hc describe-predictor \
    --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/h >hd.json
fitted=$(json_get hd.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
HINDCAST_WORKSPACE=$TMP/ws1 export_job hj h hourly1 >/dev/null
HINDCAST_WORKSPACE=$TMP/ws1 export_job hj2 h hourly2 >/dev/null
check_forecasts s3/hourly1 $((24 * fitted)) || fail "hourly forecasted-values"
cmp s3/hourly1/forecasted-values/hj_2023-11-14T22-13-20Z_part0.csv \
    s3/hourly2/forecasted-values/hj2_2023-11-14T22-13-20Z_part0.csv ||
    fail "two exports of the same predictor differ"
python3 - s3/hourly1 <<'PY' || fail "hourly quantiles are not simulated"
import csv, glob, sys
rows = []
for path in glob.glob(sys.argv[1] + "/forecasted-values/*.csv"):
    rows += list(csv.DictReader(open(path, newline="")))
assert sum(r["p50"] != r["mean"] for r in rows) > len(rows) // 2
PY
pass "hourly export: finite, ordered, simulated quantiles; identical on a second export"
finish

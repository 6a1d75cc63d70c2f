#!/usr/bin/env bash
# ARIMA predictors (arn:aws:forecast:::algorithm/ARIMA) on demo data: daily
# items (seasonal ARIMA, period 7) and hourly items (long: Fourier terms
# K = 4 with ARIMA errors). Training fits ARIMA for the item-windows, the
# backtest export has a finite, ordered predictive distribution whose mean
# is its median (Gaussian), and the model file does not depend on the
# thread count.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
ARIMA=arn:aws:forecast:::algorithm/ARIMA
hc generate-demo-data --frequency D --items 16 --length 240 --seed 5 --output daily.csv >/dev/null
hc generate-demo-data --frequency H --items 8 --length 360 --seed 6 --output hourly.csv >/dev/null

check_export() { # NAME HORIZON FITTED; the mean is the median (Gaussian)
    check_forecasts "$TMP/s3/bucket/$1" $(($2 * $3)) 'abs(v[3] - v[1]) <= 1e-9 * max(1.0, abs(v[1]))' &&
        check_accuracy "$TMP/s3/bucket/$1"
}

for run in "daily D 14 daily.csv" "hourly H 24 hourly.csv"; do
    set -- $run
    name=$1 freq=$2 horizon=$3 data=$4
    predictor_request "$name" "$ARIMA" "$freq" "$horizon" 2 0.1,0.5,0.9,mean "$TMP/$data" >"$name.json"
    hc create-predictor --cli-input-json "file://$name.json" >/dev/null
    hc describe-predictor --predictor-arn "arn:aws:forecast:us-east-1:000000000000:predictor/$name" >"$name-d.json"
    [ "$(json_get "$name-d.json" 'd["Status"]')" = ACTIVE ] || fail "$name predictor not ACTIVE"
    fitted=$(json_get "$name-d.json" 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
    arima=$(json_get "$name-d.json" 'd["HindcastTrainingSummary"]["FitsByAlgorithm"].get("ARIMA", 0)')
    # Every item-window with enough history fits ARIMA; the demo data's late
    # starters may leave a few to the fallback chain.
    [ "$fitted" -gt 0 ] && [ $((arima * 10)) -ge $((fitted * 8)) ] ||
        fail "$name: $arima of $fitted item-windows fitted with ARIMA: $(cat "$name-d.json")"
    pass "$name ($freq): ACTIVE, $arima of $fitted fitted item-windows are ARIMA"
    export_job "${name}exp" "$name" "bucket/$name" >/dev/null
    check_export "$name" "$horizon" "$fitted" || fail "$name export"
    pass "$name export: $horizon rows per fitted item-window, p10 <= p50 <= p90, mean = p50"
done

# TrainingParameters use_fourier_terms = "false": the hourly items get a
# seasonal ARIMA of period 24 instead of Fourier terms; describe-predictor
# shows the parameter and the forecasts differ from the Fourier predictor's.
python3 - hourly.json >hourlysar.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["PredictorName"] = "hourlysar"
r["TrainingParameters"] = {"use_fourier_terms": "false"}
print(json.dumps(r))
PY
hc create-predictor --cli-input-json file://hourlysar.json >/dev/null
hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/hourlysar >hourlysar-d.json
[ "$(json_get hourlysar-d.json 'd["TrainingParameters"]["use_fourier_terms"]')" = false ] ||
    fail "describe-predictor does not show TrainingParameters: $(cat hourlysar-d.json)"
fitted=$(json_get hourlysar-d.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
export_job hourlysarexp hourlysar bucket/hourlysar >/dev/null
check_export hourlysar 24 "$fitted" || fail "hourlysar export"
means_differ hourly hourlysar || fail "seasonal ARIMA forecasts equal the Fourier ones"
pass "use_fourier_terms=false: seasonal ARIMA, shown by describe-predictor, other forecasts"

HINDCAST_WORKSPACE=$TMP/ws2 hc --threads 2 create-predictor --cli-input-json file://hourly.json >/dev/null
cmp "$TMP/ws/predictors/hourly/model.bin" "$TMP/ws2/predictors/hourly/model.bin" ||
    fail "ARIMA model file differs between 1 and 2 threads"
pass "ARIMA model file identical for 1 and 2 threads"
finish

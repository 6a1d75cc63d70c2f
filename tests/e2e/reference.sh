#!/usr/bin/env bash
# Exports of generated demo data (hourly and daily, with dimensions, late
# starts, early ends, gaps and intermittent items) checked row by row against
# the independent Python reference implementation (reference.py).
. "$(dirname "$0")/lib.sh"
cd "$TMP"
hc generate-demo-data --frequency H --items 40 --length 504 --seed 7 --output hourly.csv.gz >/dev/null
hc generate-demo-data --frequency D --items 40 --length 300 --seed 8 --output daily.csv >/dev/null
pass "demo data generated"

predictor_request hsn SeasonalNaive H 24 3 0.1,0.5,0.9,mean "$TMP/hourly.csv.gz" >hsn.json
hc create-predictor --cli-input-json file://hsn.json >/dev/null
export_job hsnexp hsn bucket/hsn >/dev/null
hc get-accuracy-metrics --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/hsn >hsn-acc.json
python3 "$E2E_DIR/reference.py" hourly.csv.gz "$TMP/s3/bucket/hsn" hsn-acc.json \
    --freq H --horizon 24 --windows 3 --types 0.1,0.5,0.9,mean --algorithm SeasonalNaive ||
    fail "hourly SeasonalNaive export differs from the reference"
pass "hourly SeasonalNaive, 3 windows: export and accuracy match the reference"

predictor_request dn Naive D 14 2 mean,0.65 "$TMP/daily.csv" 21 >dn.json
hc create-predictor --cli-input-json file://dn.json >/dev/null
export_job dnexp dn bucket/dn >/dev/null
hc get-accuracy-metrics --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/dn >dn-acc.json
python3 "$E2E_DIR/reference.py" daily.csv "$TMP/s3/bucket/dn" dn-acc.json \
    --freq D --horizon 14 --windows 2 --offset 21 --types mean,0.65 --algorithm Naive ||
    fail "daily Naive export differs from the reference"
pass "daily Naive, 2 windows with offset 21: export and accuracy match the reference"

predictor_request dsn SeasonalNaive D 7 5 0.05,0.99 "$TMP/daily.csv" >dsn.json
hc create-predictor --cli-input-json file://dsn.json >/dev/null
export_job dsnexp dsn bucket/dsn >/dev/null
hc get-accuracy-metrics --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/dsn >dsn-acc.json
python3 "$E2E_DIR/reference.py" daily.csv "$TMP/s3/bucket/dsn" dsn-acc.json \
    --freq D --horizon 7 --windows 5 --types 0.05,0.99 --algorithm SeasonalNaive ||
    fail "daily SeasonalNaive export differs from the reference"
pass "daily SeasonalNaive, 5 windows, p5/p99: export and accuracy match the reference"
finish

#!/usr/bin/env bash
# Golden files: exports of generated demo data compared byte for byte with
# fixtures/golden/ (regenerate deliberately with tools/update-golden, and
# review the diff: these files are what downstream consumers see).
. "$(dirname "$0")/lib.sh"
GOLDEN=$E2E_DIR/../../fixtures/golden
cd "$TMP"

run_case() { # NAME GEN_ARGS ALGO FREQ HORIZON WINDOWS TYPES
    local name=$1 gen=$2 algo=$3 freq=$4 horizon=$5 windows=$6 types=$7
    # shellcheck disable=SC2086
    hc generate-demo-data $gen --output "$TMP/$name.csv" >/dev/null
    predictor_request "$name" "$algo" "$freq" "$horizon" "$windows" "$types" "$TMP/$name.csv" >"$name.json"
    hc create-predictor --cli-input-json "file://$name.json" >/dev/null
    export_job "${name}_export" "$name" "golden/$name" >/dev/null
    hc get-accuracy-metrics --predictor-arn \
        "arn:aws:forecast:us-east-1:000000000000:predictor/$name" >"s3/golden/$name/get-accuracy-metrics.json"
    if [ "${HINDCAST_UPDATE_GOLDEN:-0}" = 1 ]; then
        rm -rf "${GOLDEN:?}/$name"
        mkdir -p "$GOLDEN"
        cp -r "s3/golden/$name" "$GOLDEN/$name"
        echo "# updated $GOLDEN/$name"
    fi
    diff -r "$GOLDEN/$name" "s3/golden/$name" >"$name.diff" ||
        fail "$name differs from fixtures/golden/$name: $(head -c 2000 "$name.diff")"
    pass "$name: export and get-accuracy-metrics identical to the golden files"
}

run_case hourly_seasonalnaive "--frequency H --items 12 --length 400 --seed 11" \
    SeasonalNaive H 24 2 0.1,0.5,0.9,mean
run_case daily_naive "--frequency D --items 16 --length 200 --seed 12" \
    Naive D 14 3 mean,0.65
finish

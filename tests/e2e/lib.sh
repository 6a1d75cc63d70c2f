# Shared set-up for the end-to-end tests: sourced with the hindcast binary
# as $1. Each test runs in its own temporary directory and workspace.
set -euo pipefail
HINDCAST=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mkdir -p "${HINDCAST_TEST_TMP:-/tmp}"
TMP=$(mktemp -d "${HINDCAST_TEST_TMP:-/tmp}/e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export HINDCAST_WORKSPACE=$TMP/ws
export HINDCAST_S3_ROOT=$TMP/s3
export SOURCE_DATE_EPOCH=1700000000
unset HINDCAST_THREADS || true
CHECKS=0

fail() {
    echo "not ok - $*"
    exit 1
}

pass() {
    CHECKS=$((CHECKS + 1))
    echo "ok $CHECKS - $*"
}

finish() {
    echo "1..$CHECKS"
}

hc() {
    "$HINDCAST" --quiet "$@"
}

# expect_error STATUS EXCEPTION_OR_TEXT CMD...: runs the command, checks its
# exit status and that stderr contains the text.
expect_error() {
    local want_status=$1 want_text=$2
    shift 2
    local status=0
    "$@" >"$TMP/out" 2>"$TMP/err" || status=$?
    [ "$status" = "$want_status" ] ||
        fail "exit status $status, expected $want_status: $* ($(cat "$TMP/err"))"
    grep -qF -- "$want_text" "$TMP/err" ||
        fail "stderr lacks '$want_text': $(cat "$TMP/err")"
    [ ! -s "$TMP/out" ] || fail "stdout not empty on error: $(cat "$TMP/out")"
}

# json_get FILE PYTHON_EXPR: evaluates an expression over the parsed JSON `d`.
json_get() {
    python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($2)" "$1"
}

# predictor_request NAME ALGO FREQ HORIZON WINDOWS TYPES DATA [OFFSET]
# for the demo data's schema (item_id,store,timestamp,target_value; header).
predictor_request() {
    local name=$1 algo=$2 freq=$3 horizon=$4 windows=$5 types=$6 data=$7
    local offset=${8:-}
    # A short name is one of hindcast's own algorithms; a full ARN is kept.
    local arn=arn:hindcast:::algorithm/$algo
    case $algo in arn:*) arn=$algo ;; esac
    local eval="\"NumberOfBacktestWindows\": $windows"
    [ -n "$offset" ] && eval="$eval, \"BackTestWindowOffset\": $offset"
    local typelist
    typelist=$(python3 -c 'import json,sys; print(json.dumps(sys.argv[1].split(",")))' "$types")
    cat <<JSON
{
  "PredictorName": "$name",
  "AlgorithmArn": "$arn",
  "ForecastHorizon": $horizon,
  "ForecastTypes": $typelist,
  "EvaluationParameters": {$eval},
  "FeaturizationConfig": {"ForecastFrequency": "$freq", "ForecastDimensions": ["store"]},
  "TargetTimeSeries": {
    "Path": "$data",
    "Schema": {"Attributes": [
      {"AttributeName": "item_id", "AttributeType": "string"},
      {"AttributeName": "store", "AttributeType": "string"},
      {"AttributeName": "timestamp", "AttributeType": "timestamp"},
      {"AttributeName": "target_value", "AttributeType": "float"}]},
    "TimestampFormat": "yyyy-MM-dd HH:mm:ss",
    "Header": true
  }
}
JSON
}

ROLE=arn:aws:iam::000000000000:role/hindcast

# export_job JOB PREDICTOR DEST [extra args]: runs an export to s3://DEST.
export_job() {
    local job=$1 predictor=$2 dest=$3
    shift 3
    hc create-predictor-backtest-export-job \
        --predictor-backtest-export-job-name "$job" \
        --predictor-arn "arn:aws:forecast:us-east-1:000000000000:predictor/$predictor" \
        --destination "S3Config={Path=s3://$dest,RoleArn=$ROLE}" "$@"
}

# check_forecasts DIR ROWS [PY_COND]: DIR/forecasted-values holds ROWS (> 0)
# rows, each with finite p10, p50, p90 and mean and p10 <= p50 <= p90, and
# PY_COND, a Python condition over the row `r` and its values
# `v` = [p10, p50, p90, mean], holds for every row.
check_forecasts() {
    python3 - "$1" "$2" "${3:-True}" <<'PY'
import csv, glob, math, sys
folder, want, cond = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = []
for path in sorted(glob.glob(folder + "/forecasted-values/*.csv")):
    with open(path, newline="") as f:
        rows += list(csv.DictReader(f))
assert rows, "no forecast rows"
assert len(rows) == want, (len(rows), want)
for r in rows:
    v = [float(r[k]) for k in ("p10", "p50", "p90", "mean")]
    assert all(math.isfinite(x) for x in v), r
    assert v[0] <= v[1] <= v[2], r
    assert eval(cond), (cond, r)
PY
}

# check_accuracy DIR: DIR/accuracy-metrics-values has a Computed row with a
# defined RMSE.
check_accuracy() {
    python3 - "$1" <<'PY'
import csv, glob, sys
rows = []
for path in sorted(glob.glob(sys.argv[1] + "/accuracy-metrics-values/*.csv")):
    with open(path) as f:
        rows += list(csv.DictReader(f))
assert any(r["backtest_window"] == "Computed" and r["RMSE"] not in ("", "not defined")
           for r in rows), "no computed accuracy rows"
PY
}

# means_differ A B: the exports in s3://bucket/A and s3://bucket/B have as
# many forecast rows, and more than half of their means differ.
means_differ() {
    python3 - "$TMP/s3/bucket" "$1" "$2" <<'PY'
import csv, glob, sys
def means(name):
    rows = []
    for path in sorted(glob.glob(sys.argv[1] + "/" + name + "/forecasted-values/*.csv")):
        rows += [r["mean"] for r in csv.DictReader(open(path))]
    return rows
a, b = means(sys.argv[2]), means(sys.argv[3])
assert len(a) == len(b) and sum(x != y for x, y in zip(a, b)) > len(a) // 2, (len(a), len(b))
PY
}

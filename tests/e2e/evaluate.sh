#!/usr/bin/env bash
# `hindcast evaluate`: accuracy metrics from forecasted-values files.
# (a) On an export's own forecasted-values it reproduces the export's
#     accuracy part and get-accuracy-metrics byte for byte, whatever the row
#     order and however the parts are split or concatenated.
# (b) Amazon Forecast's layout (no dimensions, mean/p65/p90), values worked
#     out by hand.
# (c) Errors: exception, exit status, file:line:column, nothing written.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
P=arn:aws:forecast:us-east-1:000000000000:predictor
STAMP=2023-11-14T22-13-20Z # SOURCE_DATE_EPOCH=1700000000 (lib.sh)

# ---- (a) round trip --------------------------------------------------------
hc generate-demo-data --frequency D --items 40 --length 150 --seed 21 --output data.csv >/dev/null
# Forecast types in a mixed order: the wQL columns still come out ascending.
predictor_request rt SeasonalNaive D 10 3 0.9,mean,0.1,0.5 "$TMP/data.csv" >rt.json
hc create-predictor --cli-input-json file://rt.json >/dev/null
export_job rtjob rt exp >/dev/null
hc get-accuracy-metrics --predictor-arn $P/rt >expected.json
FV=s3/exp/forecasted-values
ACC=s3/exp/accuracy-metrics-values/rtjob_${STAMP}_part0.csv
[ -f "$ACC" ] || fail "the export wrote no accuracy part"
# The demo data has items excluded from every window (no forecast rows at
# all): the predictor's dataset must bring them back.
excluded=$(python3 - "$ACC" "$FV"/*.csv <<'PY'
import sys
acc = {l.split(",")[0] + "," + l.split(",")[1] for l in open(sys.argv[1]).read().splitlines()[1:]}
fv = {l.split(",")[0] + "," + l.split(",")[1] for l in open(sys.argv[2]).read().splitlines()[1:]}
print(len(acc - fv))
PY
)
[ "$excluded" -gt 0 ] || fail "the demo data has no item without forecast rows; the test lost its point"

hc evaluate --forecasted-values "$FV" --destination ev1 --name rtjob --predictor-arn $P/rt >got.json
cmp ev1/accuracy-metrics-values/rtjob_${STAMP}_part0.csv "$ACC" ||
    fail "evaluate's accuracy part differs from the export's"
[ "$(ls ev1/accuracy-metrics-values)" = "rtjob_${STAMP}_part0.csv" ] || fail "unexpected files: $(ls -A ev1/accuracy-metrics-values)"
[ ! -e ev1/_CHECK ] && [ ! -e ev1/forecasted-values ] || fail "evaluate wrote more than accuracy-metrics-values"
cmp got.json expected.json || fail "evaluate's JSON differs from get-accuracy-metrics: $(diff got.json expected.json | head)"
pass "export's forecasted-values + predictor -> the export's accuracy part and get-accuracy-metrics, byte for byte"

# Shuffled rows, split into three parts (each with its header), two of them
# concatenated with cat (a header in the middle), one gzipped in a folder.
python3 - "$FV"/*.csv <<'PY'
import random, sys
lines = open(sys.argv[1]).read().splitlines(True)
header, rows = lines[0], lines[1:]
random.Random(7).shuffle(rows)
n = len(rows) // 3
parts = [rows[:n], rows[n:2 * n], rows[2 * n:]]
for name, part in zip(["a.csv", "b.csv", "c.csv"], parts):
    open(name, "w").write(header + "".join(part))
PY
cat a.csv b.csv >ab.csv
[ "$(grep -c '^item_id,' ab.csv)" = 2 ] || fail "ab.csv should repeat the header"
mkdir -p parts && gzip -c c.csv >parts/c.csv.gz && echo "not a part" >parts/README
hc evaluate --forecasted-values ab.csv parts --destination ev2 --name rtjob --predictor-arn $P/rt >got2.json
cmp ev2/accuracy-metrics-values/rtjob_${STAMP}_part0.csv "$ACC" || fail "shuffled, split rows give other bytes"
cmp got2.json expected.json || fail "shuffled, split rows give another JSON"
pass "shuffled rows, three parts, a concatenation with a repeated header and a .csv.gz: same bytes"

# Many parts on both sides: an export with a small part size, evaluated with
# the same limit, gives the same accuracy parts.
export_job small rt small --part-size-limit 4096 >/dev/null
nparts=$(ls s3/small/forecasted-values | wc -l)
[ "$nparts" -gt 3 ] || fail "the small export has only $nparts forecast parts"
hc --part-size-limit 4096 evaluate --forecasted-values s3/small/forecasted-values \
    --destination ev3 --name small --predictor-arn $P/rt >/dev/null
diff -r ev3/accuracy-metrics-values s3/small/accuracy-metrics-values >/dev/null ||
    fail "accuracy parts differ with --part-size-limit 4096"
[ "$(ls ev3/accuracy-metrics-values | wc -l)" -gt 1 ] || fail "only one accuracy part"
pass "$nparts forecast parts in, the export's $(ls ev3/accuracy-metrics-values | wc -l) accuracy parts out (part size limit)"

# Without the predictor: MASE is not defined everywhere; every other column
# is the export's, for the items that have forecast rows.
hc evaluate --forecasted-values "$FV" --destination ev4 --name plain >plain.json
python3 - ev4/accuracy-metrics-values/plain_${STAMP}_part0.csv "$ACC" "$FV"/*.csv <<'PY' || fail "evaluate without a predictor"
import sys
got = open(sys.argv[1]).read().splitlines()
want = open(sys.argv[2]).read().splitlines()
items = {",".join(l.split(",")[:2]) for l in open(sys.argv[3]).read().splitlines()[1:]}
assert got[0] == want[0], "header"
assert got[0].endswith(",MASE")
rows = got[1:]
assert rows and all(r.endswith(",not defined") for r in rows), "a MASE value without a predictor"
expected = [w for w in want[1:] if ",".join(w.split(",")[:2]) in items]
strip = lambda r: r.rsplit(",", 1)[0]
assert [strip(r) for r in rows] == [strip(r) for r in expected], "columns other than MASE differ"
assert any(not w.endswith(",not defined") for w in expected), "the export had no MASE to drop"
PY
python3 - plain.json expected.json <<'PY' || fail "evaluate's JSON without a predictor"
import json, sys
got, want = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
r = got["PredictorEvaluationResults"][0]
assert "AlgorithmArn" not in r, "AlgorithmArn without a predictor"
w = want["PredictorEvaluationResults"][0]
assert len(r["TestWindows"]) == len(w["TestWindows"]) == 4
for a, b in zip(r["TestWindows"], w["TestWindows"]):
    ea, eb = a["Metrics"]["ErrorMetrics"][0], b["Metrics"]["ErrorMetrics"][0]
    assert "MASE" not in ea and "MASE" in eb
    del eb["MASE"]
    assert a == b, (a, b)
PY
pass "without --predictor-arn: MASE not defined everywhere, no AlgorithmArn, everything else as the export"

# ---- (b) Amazon Forecast's own layout, worked out by hand -------------------
# Hourly, two windows of 4 points: W1 2017-06-19T00..03, W2 04..07.
# Item A, W1: y = [2,6,0,0] (sum|y| = 8), mean = [1,6,0,0], p65 = [2,5,0,0],
#   p90 = [2,2,0,0].
#   wQL[0.65] = 2*(0.65*1)/8 = 0.1625; wQL[0.9] = 2*(0.9*4)/8 = 0.9;
#   Average wQL = (0.1625+0.9)/2 = 0.53125; RMSE = sqrt(1/4) = 0.5;
#   WAPE (item level, not divided) = 1; MAPE over y != 0 = (1/2 + 0/6)/2 = 0.25.
# Item A, W2: y = [4,4,4,4] (16), mean = [4,4,4,0], p65 = [4,4,4,4],
#   p90 = [4,4,4,2]: wQL[0.65] = 0; wQL[0.9] = 2*(0.9*2)/16 = 0.225;
#   Average 0.1125; RMSE = sqrt(16/4) = 2; WAPE 4; MAPE (4/4)/4 = 0.25.
# Item A, Summary: 0.08125, 0.5625, 0.321875, RMSE 1.25, WAPE 2.5, MAPE 0.25.
# Item B, W1 only: y = [1,1,1,1] (4), mean = y, p65 = [1,1,2,1], p90 = [1,1,1,3]:
#   wQL[0.65] = 2*(0.35*1)/4 = 0.175; wQL[0.9] = 2*(0.1*2)/4 = 0.1;
#   Average 0.1375; RMSE 0; WAPE 0; MAPE 0. W2: not defined. Summary = W1.
# MASE: not defined (no predictor).
# (A's values are exact in binary; B's over-forecasts use 1 - tau, which is
# not, so B is compared to 1e-15.)
cat >amazon.csv <<'CSV'
item_id,timestamp,target_value,backtestwindow_start_time,backtestwindow_end_time,mean,p65,p90
B,2017-06-19T02:00:00.000Z,1.0,2017-06-19T00:00:00,2017-06-19T03:00:00,1.0,2.0,1.0
A,2017-06-19T05:00:00.000Z,4.0,2017-06-19T04:00:00,2017-06-19T07:00:00,4.0,4.0,4.0
A,2017-06-19T01:00:00.000Z,6.0,2017-06-19T00:00:00,2017-06-19T03:00:00,6.0,5.0,2.0
B,2017-06-19T00:00:00.000Z,1.0,2017-06-19T00:00:00,2017-06-19T03:00:00,1.0,1.0,1.0
A,2017-06-19T07:00:00.000Z,4.0,2017-06-19T04:00:00,2017-06-19T07:00:00,0.0,4.0,2.0
A,2017-06-19T00:00:00.000Z,2.0,2017-06-19T00:00:00,2017-06-19T03:00:00,1.0,2.0,2.0
B,2017-06-19T03:00:00.000Z,1.0,2017-06-19T00:00:00,2017-06-19T03:00:00,1.0,1.0,3.0
A,2017-06-19T02:00:00.000Z,0.0,2017-06-19T00:00:00,2017-06-19T03:00:00,0.0,0.0,0.0
A,2017-06-19T04:00:00.000Z,4.0,2017-06-19T04:00:00,2017-06-19T07:00:00,4.0,4.0,4.0
B,2017-06-19T01:00:00.000Z,1.0,2017-06-19T00:00:00,2017-06-19T03:00:00,1.0,1.0,1.0
A,2017-06-19T03:00:00.000Z,0.0,2017-06-19T00:00:00,2017-06-19T03:00:00,0.0,0.0,0.0
A,2017-06-19T06:00:00.000Z,4.0,2017-06-19T04:00:00,2017-06-19T07:00:00,4.0,4.0,4.0
CSV
hc evaluate --forecasted-values amazon.csv --destination am --name bike_demo >am.json
OUT=am/accuracy-metrics-values/bike_demo_${STAMP}_part0.csv
cat >am-expected-A.csv <<'CSV'
item_id,backtest_window,backtestwindow_start_time,backtestwindow_end_time,wQL[0.65],wQL[0.9],Average wQL,RMSE,WAPE,MAPE,MASE
A,Computed,2017-06-19T00:00:00,2017-06-19T03:00:00,0.1625,0.9,0.53125,0.5,1.0,0.25,not defined
A,Computed,2017-06-19T04:00:00,2017-06-19T07:00:00,0.0,0.225,0.1125,2.0,4.0,0.25,not defined
A,Summary,2017-06-19T00:00:00,2017-06-19T07:00:00,0.08125,0.5625,0.321875,1.25,2.5,0.25,not defined
CSV
head -n 4 "$OUT" | cmp - am-expected-A.csv || fail "item A differs: $(head -n 4 "$OUT")"
python3 - "$OUT" am.json <<'PY' || fail "Amazon layout: item B or the predictor-level metrics"
import json, math, sys
rows = open(sys.argv[1]).read().splitlines()
assert len(rows) == 7, rows
def near(got, want):
    assert abs(float(got) - want) <= 1e-15 * max(1.0, abs(want)), (got, want)
b1 = rows[4].split(",")
assert b1[:4] == ["B", "Computed", "2017-06-19T00:00:00", "2017-06-19T03:00:00"], b1
for got, want in zip(b1[4:10], [0.175, 0.1, 0.1375, 0.0, 0.0, 0.0]):
    near(got, want)
assert b1[10] == "not defined"
assert rows[5] == "B,Computed,2017-06-19T04:00:00,2017-06-19T07:00:00," + ",".join(["not defined"] * 7), rows[5]
assert rows[6] == "B,Summary,2017-06-19T00:00:00,2017-06-19T07:00:00," + ",".join(b1[4:]), rows[6]
# Predictor level, pooled per window (SPEC 2.7):
# W1 (A, B): sum|y| = 12; wQL[0.65] = (1.3 + 0.7)/12 = 1/6; wQL[0.9] = (7.2 + 0.4)/12;
#   RMSE = sqrt((1 + 0)/8); WAPE = (1 + 0)/12; MAPE = (0.25 + 0)/2.
# W2 (A): wQL[0.65] = 0, wQL[0.9] = 3.6/16 = 0.225, RMSE 2, WAPE 4/16, MAPE 0.25.
# SUMMARY: the mean of the two windows.
d = json.load(open(sys.argv[2]))
r = d["PredictorEvaluationResults"][0]
assert "AlgorithmArn" not in r
w = r["TestWindows"]
assert [x["EvaluationType"] for x in w] == ["SUMMARY", "COMPUTED", "COMPUTED"]
assert w[1]["TestWindowStart"] == "2017-06-19T00:00:00+00:00"
assert w[1]["TestWindowEnd"] == "2017-06-19T03:00:00+00:00"
assert w[2]["TestWindowStart"] == "2017-06-19T04:00:00+00:00"
assert (w[1]["ItemCount"], w[2]["ItemCount"]) == (2, 1)
def check(m, q65, q90, rmse, wape, mape):
    losses = {l["Quantile"]: l["LossValue"] for l in m["WeightedQuantileLosses"]}
    assert [l["Quantile"] for l in m["WeightedQuantileLosses"]] == [0.9, 0.65]
    near(losses[0.65], q65); near(losses[0.9], q90)
    near(m["AverageWeightedQuantileLoss"], (q65 + q90) / 2)
    e = m["ErrorMetrics"][0]
    assert e["ForecastType"] == "mean" and "MASE" not in e
    near(m["RMSE"], rmse); near(e["RMSE"], rmse); near(e["WAPE"], wape); near(e["MAPE"], mape)
check(w[1]["Metrics"], 1 / 6, 7.6 / 12, math.sqrt(1 / 8), 1 / 12, 0.125)
check(w[2]["Metrics"], 0.0, 0.225, 2.0, 0.25, 0.25)
check(w[0]["Metrics"], 1 / 12, (7.6 / 12 + 0.225) / 2, (math.sqrt(1 / 8) + 2) / 2,
      (1 / 12 + 0.25) / 2, 0.1875)
PY
pass "Amazon's layout (mean,p65,p90, rows in any order): hand-computed item and predictor metrics"

# No mean column: the point metrics use p50 (ForecastType 0.5 in the JSON).
# y = [2,6] (sum 8), p50 = [4,4]: wQL[0.5] = 2*(0.5*2 + 0.5*2)/8 = 0.5;
# RMSE = sqrt((4+4)/2) = 2; WAPE 4; MAPE = (2/2 + 2/6)/2 = 2/3.
cat >median.csv <<'CSV'
item_id,timestamp,target_value,backtestwindow_start_time,backtestwindow_end_time,p50
A,2017-06-19T00:00:00.000Z,2.0,2017-06-19T00:00:00,2017-06-19T01:00:00,4.0
A,2017-06-19T01:00:00.000Z,6.0,2017-06-19T00:00:00,2017-06-19T01:00:00,4.0
CSV
hc evaluate --forecasted-values median.csv --destination med --name m >med.json
[ "$(sed -n 2p med/accuracy-metrics-values/m_${STAMP}_part0.csv)" = \
  "A,Computed,2017-06-19T00:00:00,2017-06-19T01:00:00,0.5,0.5,2.0,4.0,0.6666666666666666,not defined" ] ||
    fail "p50 as the point forecast: $(sed -n 2p med/accuracy-metrics-values/m_${STAMP}_part0.csv)"
[ "$(json_get med.json 'd["PredictorEvaluationResults"][0]["TestWindows"][1]["Metrics"]["ErrorMetrics"][0]["ForecastType"]')" = 0.5 ] ||
    fail "ForecastType of the point metrics should be 0.5"
# Neither mean nor p50: the point metrics are not defined, no ErrorMetrics.
# y = [2,6], p90 = [4,4]: wQL[0.9] = 2*(0.1*2 + 0.9*2)/8 = 0.5.
cut -d, -f1-5 median.csv | paste -d, - <(printf 'p90\n4.0\n4.0\n') >p90.csv
hc evaluate --forecasted-values p90.csv --destination p90 --name m >p90.json
[ "$(sed -n 2p p90/accuracy-metrics-values/m_${STAMP}_part0.csv)" = \
  "A,Computed,2017-06-19T00:00:00,2017-06-19T01:00:00,0.5,0.5,not defined,not defined,not defined,not defined" ] ||
    fail "no point forecast: $(sed -n 2p p90/accuracy-metrics-values/m_${STAMP}_part0.csv)"
[ "$(json_get p90.json '"ErrorMetrics" in d["PredictorEvaluationResults"][0]["TestWindows"][1]["Metrics"]')" = False ] ||
    fail "ErrorMetrics without a point forecast"
# A missing actual excludes the item-window, like a filled value in an export.
sed '3s/,6.0,/,,/' median.csv >gap.csv
hc evaluate --forecasted-values gap.csv --destination gap --name m >/dev/null
[ "$(sed -n 2p gap/accuracy-metrics-values/m_${STAMP}_part0.csv)" = \
  "A,Computed,2017-06-19T00:00:00,2017-06-19T01:00:00,not defined,not defined,not defined,not defined,not defined,not defined" ] ||
    fail "a missing actual: $(sed -n 2p gap/accuracy-metrics-values/m_${STAMP}_part0.csv)"
pass "no mean: p50 gives the point metrics; neither: not defined; a missing actual excludes the window"

# ---- (c) errors --------------------------------------------------------------
OP="when calling the Evaluate operation"
ev() { hc evaluate --destination bad --name bad "$@"; }
nothing_written() { [ ! -e bad ] || fail "an error left output: $(find bad)"; }
expect_error 252 'Missing required parameter in input: "Name"' \
    hc evaluate --forecasted-values amazon.csv --destination bad
expect_error 252 "argument --forecasted-values: expected at least one argument" \
    hc evaluate --forecasted-values --destination bad --name bad
expect_error 254 "(InvalidInputException) $OP: 1 validation error detected: Value 'bad-name' at 'name'" \
    hc evaluate --forecasted-values amazon.csv --destination bad --name bad-name
expect_error 254 "(InvalidInputException) $OP: nosuch.csv: cannot read the forecasted values: No such file or directory" \
    ev --forecasted-values amazon.csv nosuch.csv
mkdir -p empty
expect_error 254 "empty: the directory holds no .csv or .csv.gz file" ev --forecasted-values empty
printf 'item_id,timestamp,target_value,backtestwindow_start_time,backtestwindow_end_time,mean,p65,p90\nA,2017-06-19T00:00:00.000Z,2.0,2017-06-19T00:00:00,2017-06-19T03:00:00,1.0,"2.0,2.0\n' >quote.csv
expect_error 254 "(InvalidInputException) $OP: quote.csv:2:7: malformed CSV" ev --forecasted-values quote.csv
sed '4s/,5.0,/,5.x,/' amazon.csv >num.csv
expect_error 254 "(InvalidInputException) $OP: num.csv:4:7: p65 '5.x' is not a number" ev --forecasted-values num.csv
sed '5s/2017-06-19T00:00:00.000Z/2017-06-31T00:00:00.000Z/' amazon.csv >ts.csv
expect_error 254 "ts.csv:5:2: timestamp '2017-06-31T00:00:00.000Z' is not a timestamp" ev --forecasted-values ts.csv
sed '6s/,4.0,2.0$/,4.0/' amazon.csv >fields.csv
expect_error 254 "fields.csv:6:8: expected 8 fields as in the header, got 7" ev --forecasted-values fields.csv
sed '7s/2017-06-19T00:00:00.000Z/2017-06-19T09:00:00.000Z/' amazon.csv >outside.csv
expect_error 254 "outside.csv:7:2: timestamp 2017-06-19T09:00:00.000Z is outside its backtest window" ev --forecasted-values outside.csv
sed '2s/T03:00:00,1.0,2.0/T04:00:00,1.0,2.0/' amazon.csv >window.csv
expect_error 254 "window.csv:4:5: the backtest window starting 2017-06-19T00:00:00 ends at 2017-06-19T03:00:00 here, but at 2017-06-19T04:00:00 in window.csv:2" \
    ev --forecasted-values window.csv
sed '1s/p90/p09/' amazon.csv >type.csv
expect_error 254 "type.csv:1:8: 'p09' is not a forecast type column" ev --forecasted-values type.csv
sed '1s/,p65,p90/,p90,p65/' amazon.csv >other.csv
expect_error 254 "other.csv:1:7: the header differs from the header of amazon.csv: column 7 is 'p65' there, 'p90' here" \
    ev --forecasted-values amazon.csv other.csv
{ cat amazon.csv; head -n1 amazon.csv | cut -d, -f1-7; } >inner.csv
expect_error 254 "inner.csv:14:8: the header differs from the header of inner.csv: 8 columns there, 7 here" \
    ev --forecasted-values inner.csv
{ cat amazon.csv; sed -n 9p amazon.csv; } >dup.csv
expect_error 254 "(InvalidInputException) $OP: dup.csv:14: duplicate row: item 'A', timestamp 2017-06-19T02:00:00.000Z in the backtest window starting 2017-06-19T00:00:00 is also at dup.csv:9" \
    ev --forecasted-values dup.csv
expect_error 254 "(InvalidInputException) $OP: amazon.csv:7: duplicate row" \
    ev --forecasted-values amazon.csv amazon.csv
expect_error 254 "(ResourceNotFoundException) $OP: No resource found with the arn: $P/nosuch" \
    ev --forecasted-values amazon.csv --predictor-arn $P/nosuch
expect_error 254 "amazon.csv:1:1: the dimension columns (none) differ from the ForecastDimensions of predictor $P/rt (store)" \
    ev --forecasted-values amazon.csv --predictor-arn $P/rt
head -n1 a.csv >foreign.csv
sed -n 2p a.csv | sed 's/^item_[0-9]*,/stranger,/' >>foreign.csv
expect_error 254 "foreign.csv:2:1: the item 'stranger,store_" ev --forecasted-values foreign.csv --predictor-arn $P/rt
nothing_written
expect_error 254 "(ResourceAlreadyExistsException) $OP" \
    hc evaluate --forecasted-values amazon.csv --destination am --name bike_demo
head -n 4 "$OUT" | cmp - am-expected-A.csv || fail "the refused run changed the existing part"
[ "$(ls -A am/accuracy-metrics-values)" = "bike_demo_${STAMP}_part0.csv" ] ||
    fail "temporary parts left behind: $(ls -A am/accuracy-metrics-values)"
pass "errors: 252 for the command line, 254 with file:line:column, nothing written or replaced"
finish

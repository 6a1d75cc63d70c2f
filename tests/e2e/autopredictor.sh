#!/usr/bin/env bash
# create-auto-predictor: per item, the registered model with the best
# OptimizationMetric over the backtest windows. Checked independently: every
# candidate is also trained as an ordinary predictor on the same data, and
# for each item the AutoPredictor must have chosen the candidate whose
# Summary value of the metric is lowest (ties: the earlier candidate), and
# exported exactly that candidate's forecasts.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
hc generate-demo-data --frequency H --items 24 --length 400 --seed 21 --output data.csv >/dev/null
cat >auto.json <<JSON
{
  "PredictorName": "auto",
  "ForecastHorizon": 24,
  "ForecastTypes": ["0.1", "0.5", "0.9", "mean"],
  "ForecastFrequency": "H",
  "ForecastDimensions": ["store"],
  "OptimizationMetric": "RMSE",
  "NumberOfBacktestWindows": 2,
  "DataConfig": {"DatasetGroupArn": "arn:aws:forecast:us-east-1:000000000000:dataset-group/demo",
    "AttributeConfigs": [{"AttributeName": "target_value",
      "Transformations": {"aggregation": "sum", "middlefill": "zero", "backfill": "zero"}}]},
  "TargetTimeSeries": {
    "Path": "$TMP/data.csv",
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
hc create-auto-predictor --cli-input-json file://auto.json >a.json
arn=$(json_get a.json 'd["PredictorArn"]')
python3 - "$arn" <<'PY' || fail "AutoPredictor ARN: $arn"
import re, sys
assert re.fullmatch(r"arn:aws:forecast:us-east-1:000000000000:predictor/auto_[0-9A-HJKMNP-TV-Z]{26}", sys.argv[1])
PY
hc create-auto-predictor --cli-input-json file://auto.json >a2.json 2>a2.err && fail "duplicate name accepted"
grep -q ResourceAlreadyExistsException a2.err || fail "duplicate AutoPredictor: $(cat a2.err)"
hc describe-predictor --predictor-arn "$arn" >d.json
[ "$(json_get d.json 'd["IsAutoPredictor"]')" = True ] || fail "IsAutoPredictor"
[ "$(json_get d.json 'd["OptimizationMetric"]')" = RMSE ] || fail "OptimizationMetric"
pass "create-auto-predictor: ARN with a 26-character id, IsAutoPredictor, OptimizationMetric"

name=${arn##*/}
HINDCAST_WORKSPACE=$HINDCAST_WORKSPACE export_job autoexp "$name" auto >/dev/null
i=0
for c in $(json_get d.json '" ".join(d["HindcastCandidateAlgorithmArns"])'); do
    i=$((i + 1))
    predictor_request "cand$i" "$c" H 24 2 0.1,0.5,0.9,mean "$TMP/data.csv" >c$i.json
    hc create-predictor --cli-input-json file://c$i.json >/dev/null
    export_job "cand${i}exp" "cand$i" "cand$i" >/dev/null
done
[ "$i" -ge 3 ] || fail "fewer than 3 candidate algorithms"
python3 - "$TMP/s3" "$i" d.json <<'PY' || fail "AutoPredictor choices differ from the candidates' own exports"
import csv, glob, json, math, sys
root, n = sys.argv[1], int(sys.argv[2])
def rows(folder):
    out = []
    for f in sorted(glob.glob(f"{root}/{folder}/*_part*.csv")):
        with open(f, newline="") as fh:
            r = list(csv.reader(fh))
        out += r[1:]
    return out
def summary_rmse(folder):
    hdr = None
    res = {}
    for f in sorted(glob.glob(f"{root}/{folder}/accuracy-metrics-values/*_part*.csv")):
        with open(f, newline="") as fh:
            r = list(csv.reader(fh))
        hdr = r[0]
        for row in r[1:]:
            if row[2] == "Summary":
                v = row[hdr.index("RMSE")]
                res[(row[0], row[1])] = math.inf if v == "not defined" else float(v)
    return res
def forecasts(folder):
    res = {}
    for row in rows(f"{folder}/forecasted-values"):
        res.setdefault((row[0], row[1]), []).append(row)
    return res
cands = [summary_rmse(f"cand{i}") for i in range(1, n + 1)]
cand_fc = [forecasts(f"cand{i}") for i in range(1, n + 1)]
auto_fc = forecasts("auto")
chosen = {}
for key in cands[0]:
    scores = [c[key] for c in cands]
    if all(math.isinf(s) for s in scores):
        continue
    best = min(range(n), key=lambda i: (scores[i], i))
    chosen[key] = best
    assert auto_fc.get(key) == cand_fc[best].get(key), (key, best)
assert set(auto_fc) == set(chosen), (sorted(auto_fc), sorted(chosen))
names = json.load(open(sys.argv[3]))["HindcastCandidateAlgorithmArns"]
counts = {}
for b in chosen.values():
    counts[names[b].rsplit("/", 1)[1]] = counts.get(names[b].rsplit("/", 1)[1], 0) + 1
print("# choices:", counts)
assert len(counts) >= 2, counts  # the test data should exercise a real choice
PY
pass "each item's model is the candidate with the lowest Summary RMSE, and its forecasts are that candidate's"

hc describe-predictor --predictor-arn "$arn" >d2.json
python3 - d2.json <<'PY' || fail "AutoPredictorItemsByAlgorithm"
import json, sys
d = json.load(open(sys.argv[1]))["HindcastTrainingSummary"]
assert sum(d["AutoPredictorItemsByAlgorithm"].values()) == 24, d
PY
hc get-accuracy-metrics --predictor-arn "$arn" >acc.json
[ "$(json_get acc.json '(d["IsAutoPredictor"], d["OptimizationMetric"], "AlgorithmArn" in d["PredictorEvaluationResults"][0])')" = "(True, 'RMSE', False)" ] ||
    fail "get-accuracy-metrics of an AutoPredictor: $(head -c 300 acc.json)"
pass "describe-predictor counts the choices; get-accuracy-metrics marks the AutoPredictor"
# Legacy CreatePredictor with PerformAutoML makes the same per-item choices.
python3 - c1.json >legacy.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["PredictorName"] = "legacy"
del r["AlgorithmArn"]
r["PerformAutoML"] = True
r["OptimizationMetric"] = "RMSE"
print(json.dumps(r))
PY
hc create-predictor --cli-input-json file://legacy.json >/dev/null
hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/legacy >dl.json
[ "$(json_get dl.json '(d["PerformAutoML"], d["IsAutoPredictor"], "AlgorithmArn" in d, len(d["AutoMLAlgorithmArns"]) >= 3)')" = "(True, False, False, True)" ] ||
    fail "PerformAutoML predictor description"
export_job legacyexp legacy legacy >/dev/null
diff <(tail -q -n +2 s3/auto/forecasted-values/*.csv) <(tail -q -n +2 s3/legacy/forecasted-values/*.csv) >/dev/null ||
    fail "PerformAutoML forecasts differ from the AutoPredictor's"
pass "create-predictor with PerformAutoML chooses per item like the AutoPredictor"
finish

#!/usr/bin/env bash
# --generate-cli-skeleton output: for each verb, the skeleton's members
# (recursively, with their JSON types) must be exactly the members that
# real responses of that verb hold, so that the two cannot drift apart.
# One response seldom holds every member (AlgorithmArn is there for a single
# algorithm, AutoMLAlgorithmArns for PerformAutoML, Message after a failure,
# NextToken on a page that is not the last), so each verb is compared with
# the union of responses that together show every case.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
P=arn:aws:forecast:us-east-1:000000000000:predictor
J=arn:aws:forecast:us-east-1:000000000000:predictor-backtest-export-job

# same_shape SKELETON RESPONSE...: members and types of the skeleton equal
# the union over the responses. A list contributes the members of all its
# elements; a map (member names chosen by the data) counts as a map only.
same_shape() {
    python3 -c '
import json, sys
MAPS = {"FeaturizationMethodParameters", "Transformations", "FitsByAlgorithm",
        "AutoPredictorItemsByAlgorithm"}
def kind(v):
    return {dict: "object", list: "list", str: "string", bool: "boolean",
            int: "integer", float: "double"}[type(v)]
def walk(v, path, out):
    out.setdefault(path, set()).add(kind(v))
    if isinstance(v, dict):
        if path.rsplit(".", 1)[-1] in MAPS:
            out[path] = {"map"}
            return
        for k, x in v.items():
            walk(x, path + "." + k, out)
    elif isinstance(v, list):
        for x in v:
            walk(x, path + "[]", out)
skeleton, real = {}, {}
walk(json.load(open(sys.argv[1])), "", skeleton)
for f in sys.argv[2:]:
    walk(json.load(open(f)), "", real)
bad = False
for path in sorted(set(skeleton) | set(real)):
    if path not in real:
        print("only in the skeleton:", path); bad = True
    elif path not in skeleton:
        print("only in responses:", path, sorted(real[path])); bad = True
    elif not skeleton[path] <= real[path]:
        print("type of", path, sorted(skeleton[path]), "responses", sorted(real[path])); bad = True
sys.exit(1 if bad else 0)
' "$@"
}

# check VERB RESPONSE...: the verb's output skeleton against the responses.
check() {
    local verb=$1
    shift
    hc "$verb" --generate-cli-skeleton output >"sk-$verb.json" || fail "$verb: no output skeleton"
    same_shape "sk-$verb.json" "$@" >"diff-$verb.txt" ||
        fail "$verb: skeleton and responses differ: $(tr '\n' ';' <"diff-$verb.txt")"
}

# A worker that died: the next describe settles the resource as
# CREATE_FAILED with a Message (lifecycle.sh kills real workers; here the
# record is marked in progress with no worker, which is deterministic).
orphan() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["Status"] = "CREATE_IN_PROGRESS"
d.pop("_Pid", None); d.pop("_PidStart", None)
json.dump(d, open(sys.argv[1], "w"))
' "$1"
}

hc generate-demo-data --frequency D --items 3 --length 40 --output data.csv >/dev/null
# One algorithm, every FeaturizationConfig and TargetTimeSeries member.
predictor_request one SeasonalNaive D 7 2 0.1,0.5,mean "$TMP/data.csv" | python3 -c '
import json, sys
r = json.load(sys.stdin)
r["FeaturizationConfig"]["Featurizations"] = [{"AttributeName": "target_value",
    "FeaturizationPipeline": [{"FeaturizationMethodName": "filling",
        "FeaturizationMethodParameters": {"middlefill": "zero", "backfill": "zero"}}]}]
print(json.dumps(r))' >one.json
hc create-predictor --cli-input-json file://one.json --tags Key=k,Value=v >c-one.json
# PerformAutoML.
python3 -c '
import json, sys
r = json.load(open("one.json"))
r["PredictorName"] = "automl"; del r["AlgorithmArn"]
r["PerformAutoML"] = True; r["OptimizationMetric"] = "RMSE"
print(json.dumps(r))' >automl.json
hc create-predictor --cli-input-json file://automl.json >/dev/null
# An AutoPredictor with a DataConfig.
python3 -c '
import json, sys
r = json.load(open("one.json"))
a = {k: r[k] for k in ("ForecastHorizon", "ForecastTypes", "TargetTimeSeries")}
a.update(PredictorName="auto", ForecastFrequency="D", ForecastDimensions=["store"],
         NumberOfBacktestWindows=2, OptimizationMetric="WAPE",
         DataConfig={"DatasetGroupArn": "arn:aws:forecast:us-east-1:000000000000:dataset-group/g",
                     "AttributeConfigs": [{"AttributeName": "target_value",
                                           "Transformations": {"middlefill": "zero"}}]})
print(json.dumps(a))' >auto.json
hc create-auto-predictor --cli-input-json file://auto.json >c-auto.json
auto=$(json_get c-auto.json 'd["PredictorArn"]')
predictor_request dead Naive D 7 1 0.5 "$TMP/data.csv" >dead.json
hc create-predictor --cli-input-json file://dead.json >/dev/null
orphan "$HINDCAST_WORKSPACE/predictors/dead/predictor.json"

# A shard (--shard), whose description has HindcastShard; its other half
# lives in a second workspace, for merge-backtest-exports below.
predictor_request sharded Naive D 7 1 0.5 "$TMP/data.csv" >sharded.json
hc --shard 0/2 create-predictor --cli-input-json file://sharded.json >/dev/null
HINDCAST_WORKSPACE=$TMP/ws2 hc --shard 1/2 create-predictor --cli-input-json file://sharded.json >/dev/null

check create-predictor c-one.json
check create-auto-predictor c-auto.json
for p in $P/one $P/automl $auto $P/dead $P/sharded; do
    hc describe-predictor --predictor-arn "$p" >"d-${p##*/}.json"
done
[ "$(json_get d-dead.json 'd["Status"]')" = CREATE_FAILED ] || fail "orphaned predictor: $(cat d-dead.json)"
check describe-predictor d-*.json
for p in $P/one $P/automl $auto; do
    hc get-accuracy-metrics --predictor-arn "$p" >"a-${p##*/}.json"
done
check get-accuracy-metrics a-*.json
hc list-predictors >lp-all.json
hc list-predictors --max-results 1 >lp-page.json
[ "$(json_get lp-page.json '"NextToken" in d')" = True ] || fail "no NextToken on a first page"
check list-predictors lp-all.json lp-page.json
pass "create-predictor, create-auto-predictor, describe-predictor, get-accuracy-metrics and list-predictors: skeleton members = response members"

export_job j1 one out/j1 >c-j1.json
hc create-predictor-backtest-export-job --predictor-backtest-export-job-name j2 \
    --predictor-arn $P/one --destination \
    "S3Config={Path=s3://out/j2,RoleArn=$ROLE,KMSKeyArn=arn:aws:kms:us-east-1:000000000000:key/k}" >c-j2.json
orphan "$HINDCAST_WORKSPACE/jobs/one/j2/job.json"
check create-predictor-backtest-export-job c-j1.json c-j2.json
hc describe-predictor-backtest-export-job --predictor-backtest-export-job-arn $J/one/j1 >dj1.json
hc describe-predictor-backtest-export-job --predictor-backtest-export-job-arn $J/one/j2 >dj2.json
[ "$(json_get dj2.json 'd["Status"]')" = CREATE_FAILED ] || fail "orphaned job: $(cat dj2.json)"
check describe-predictor-backtest-export-job dj1.json dj2.json
hc list-predictor-backtest-export-jobs >lj-all.json
hc list-predictor-backtest-export-jobs --max-results 1 >lj-page.json
check list-predictor-backtest-export-jobs lj-all.json lj-page.json
hc evaluate --forecasted-values s3/out/j1/forecasted-values --destination ev --name ev \
    --predictor-arn $P/one >ev.json
check evaluate ev.json
export_job j sharded out/s0 >/dev/null
HINDCAST_WORKSPACE=$TMP/ws2 export_job j sharded out/s1 >/dev/null
hc merge-backtest-exports --sources s3://out/s0 s3://out/s1 --predictor-backtest-export-job-name m \
    --destination "S3Config={Path=s3://out/m,RoleArn=$ROLE}" >merge.json
check merge-backtest-exports merge.json
pass "create-predictor-backtest-export-job, describe-/list-predictor-backtest-export-job(s), evaluate and merge-backtest-exports: skeleton members = response members"

hc list-tags-for-resource --resource-arn $P/one >lt.json
check list-tags-for-resource lt.json
hc tag-resource --resource-arn $P/one --tags Key=a,Value=b >tr.json
check tag-resource tr.json
hc untag-resource --resource-arn $P/one --tag-keys a >ur.json
check untag-resource ur.json
hc delete-predictor-backtest-export-job --predictor-backtest-export-job-arn $J/one/j2 >dl1.json
check delete-predictor-backtest-export-job dl1.json
hc delete-predictor --predictor-arn $P/dead >dl2.json
check delete-predictor dl2.json
# stop-resource needs a resource at work (lifecycle.sh); its response is
# empty like the other verbs that return nothing.
hc stop-resource --generate-cli-skeleton output >sk-stop.json
[ "$(cat sk-stop.json)" = "{}" ] || fail "stop-resource skeleton: $(cat sk-stop.json)"
pass "tag, untag, list-tags, delete and stop verbs: skeleton members = response members"

# Every verb has both skeletons; anything else is refused like the AWS CLI.
verbs=$(hc --help | awk '/^Commands:/ {on = 1; next} on && !NF {exit} on {print $1}' |
    grep -v generate-demo-data)
[ "$(echo "$verbs" | wc -l)" -ge 15 ] || fail "verb list: $verbs"
for v in $verbs; do
    hc "$v" --generate-cli-skeleton output >"all-out-$v.json" || fail "$v: no output skeleton"
    hc "$v" --generate-cli-skeleton input >"all-in-$v.json" || fail "$v: no input skeleton"
done
python3 -c 'import json,sys; [json.load(open(f)) for f in sys.argv[1:]]' all-*.json ||
    fail "a skeleton is not JSON"
hc create-auto-predictor --generate-cli-skeleton >sk-in.json
[ "$(json_get sk-in.json '(sorted(d["DataConfig"]), d["Tags"], d["ForecastTypes"])')" = \
  "(['AttributeConfigs', 'DatasetGroupArn'], [{'Key': '', 'Value': ''}], [''])" ] ||
    fail "create-auto-predictor input skeleton: $(cat sk-in.json)"
expect_error 252 "invalid choice: 'outptu' (choose from 'input', 'output')" \
    hc describe-predictor --generate-cli-skeleton outptu
pass "every verb prints an input and an output skeleton; a bad choice exits 252"
finish

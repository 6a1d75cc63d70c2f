#!/usr/bin/env bash
# The AWS-style resource API and the job lifecycle (issue 5): list/filter/
# paginate with signed, expiring NextTokens; tags; deletes; --no-wait;
# stop-resource; kill -9 at work; two processes creating one job; the
# in-progress limit across processes.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
P=arn:aws:forecast:us-east-1:000000000000:predictor
J=arn:aws:forecast:us-east-1:000000000000:predictor-backtest-export-job
hc generate-demo-data --frequency D --items 12 --length 100 --output small.csv >/dev/null
for p in pa pb pc; do
    predictor_request $p Naive D 7 1 0.5 "$TMP/small.csv" >$p.json
    hc create-predictor --cli-input-json file://$p.json --tags Key=team,Value=$p >/dev/null
done
for j in ja jb jc jd; do export_job $j pa out/$j >/dev/null; done
export_job je pb out/je >/dev/null

# --- lists, filters, pagination ---
hc list-predictors >lp.json
[ "$(json_get lp.json 'sorted(x["PredictorName"] for x in d["Predictors"])')" = "['pa', 'pb', 'pc']" ] ||
    fail "list-predictors: $(cat lp.json)"
hc list-predictor-backtest-export-jobs --filters Key=PredictorArn,Value=$P/pa,Condition=IS >l1.json
[ "$(json_get l1.json 'len(d["PredictorBacktestExportJobs"])')" = 4 ] || fail "IS filter"
hc list-predictor-backtest-export-jobs --filters Key=PredictorArn,Value=$P/pa,Condition=IS_NOT >l2.json
[ "$(json_get l2.json '[x["PredictorBacktestExportJobName"] for x in d["PredictorBacktestExportJobs"]]')" = "['je']" ] ||
    fail "IS_NOT filter: $(cat l2.json)"
hc list-predictor-backtest-export-jobs --filters Key=Status,Value=ACTIVE,Condition=IS >l3.json
[ "$(json_get l3.json 'len(d["PredictorBacktestExportJobs"])')" = 5 ] || fail "Status filter"
[ "$(json_get l3.json 'sorted(d["PredictorBacktestExportJobs"][0])')" = \
  "['CreationTime', 'Destination', 'LastModificationTime', 'PredictorBacktestExportJobArn', 'PredictorBacktestExportJobName', 'Status']" ] ||
    fail "job summary members: $(json_get l3.json 'sorted(d["PredictorBacktestExportJobs"][0])')"
pass "list commands with IS / IS_NOT filters on PredictorArn and Status"

hc list-predictor-backtest-export-jobs --max-results 2 >p1.json
tok=$(json_get p1.json 'd["NextToken"]')
[ "$(json_get p1.json 'len(d["PredictorBacktestExportJobs"])')" = 2 ] || fail "page 1 size"
hc list-predictor-backtest-export-jobs --max-results 2 --next-token "$tok" >p2.json
tok2=$(json_get p2.json 'd["NextToken"]')
hc list-predictor-backtest-export-jobs --max-results 2 --next-token "$tok2" >p3.json
[ "$(json_get p3.json '"NextToken" in d')" = False ] || fail "last page has a NextToken"
python3 - p1.json p2.json p3.json l3.json <<'PY' || fail "pages do not add up to the whole list"
import json, sys
pages = [json.load(open(f))["PredictorBacktestExportJobs"] for f in sys.argv[1:4]]
names = [x["PredictorBacktestExportJobName"] for p in pages for x in p]
whole = [x["PredictorBacktestExportJobName"] for x in json.load(open(sys.argv[4]))["PredictorBacktestExportJobs"]]
assert names == whole and len(set(names)) == 5, (names, whole)
PY
pass "MaxResults pages with NextToken cover every job once, in the unpaginated order"

bad=$(python3 -c 'import sys; t=sys.argv[1]; print(t[:-1] + ("0" if t[-1] != "0" else "1"))' "$tok")
expect_error 254 "(InvalidNextTokenException) when calling the ListPredictorBacktestExportJobs operation" \
    hc list-predictor-backtest-export-jobs --max-results 2 --next-token "$bad"
forged=$(python3 -c 'import sys; t=sys.argv[1]; h,m=t.split("."); p=bytes.fromhex(h).replace(b"|",b"|",1); print(p.hex().replace("30","31",1)+"."+m)' "$tok")
expect_error 254 "InvalidNextTokenException" hc list-predictor-backtest-export-jobs --max-results 2 --next-token "$forged"
expect_error 254 "InvalidNextTokenException" hc list-predictor-backtest-export-jobs --max-results 2 \
    --filters Key=Status,Value=ACTIVE,Condition=IS --next-token "$tok"
SOURCE_DATE_EPOCH=$((SOURCE_DATE_EPOCH + 2 * 86400)) expect_error 254 "The NextToken has expired" \
    hc list-predictor-backtest-export-jobs --max-results 2 --next-token "$tok"
expect_error 254 "filters.1.member.condition" hc list-predictors --filters Key=Status,Value=ACTIVE,Condition=MAYBE
expect_error 254 "maxResults" hc list-predictors --max-results 101
pass "tampered, forged, foreign-filter and expired tokens are InvalidNextTokenException"

# --- tags ---
hc list-tags-for-resource --resource-arn $P/pa >t.json
[ "$(json_get t.json 'd["Tags"]')" = "[{'Key': 'team', 'Value': 'pa'}]" ] || fail "create-time tags: $(cat t.json)"
hc tag-resource --resource-arn $J/pa/ja --tags Key=a,Value=1 Key=b,Value=2 >/dev/null
hc tag-resource --resource-arn $J/pa/ja --tags Key=a,Value=3 >/dev/null
hc untag-resource --resource-arn $J/pa/ja --tag-keys b >/dev/null
hc list-tags-for-resource --resource-arn $J/pa/ja >t2.json
[ "$(json_get t2.json 'd["Tags"]')" = "[{'Key': 'a', 'Value': '3'}]" ] || fail "tag/untag: $(cat t2.json)"
expect_error 254 "aws:" hc tag-resource --resource-arn $P/pb --tags Key=AWS:x,Value=1
expect_error 254 "InvalidInputException" hc tag-resource --resource-arn $P/pb --tags Key=k,Value=1 Key=k,Value=2
expect_error 254 "InvalidInputException" hc tag-resource --resource-arn $P/pb --tags 'Key=bad#key,Value=1'
many=$(for i in $(seq 1 50); do printf 'Key=k%d,Value=v ' "$i"; done)
# shellcheck disable=SC2086
expect_error 254 "(LimitExceededException)" hc tag-resource --resource-arn $P/pb --tags $many
many49=$(for i in $(seq 1 49); do printf 'Key=k%d,Value=v ' "$i"; done)
# shellcheck disable=SC2086
hc tag-resource --resource-arn $P/pc --tags $many49 >/dev/null # 49 + team = 50
# shellcheck disable=SC2086
hc tag-resource --resource-arn $P/pc --tags Key=team,Value=new $many49 >/dev/null # overwrites
hc list-tags-for-resource --resource-arn $P/pc >t3.json
[ "$(json_get t3.json 'len(d["Tags"])')" = 50 ] || fail "49 new tags + team"
expect_error 254 "(LimitExceededException)" hc tag-resource --resource-arn $P/pc --tags Key=one,Value=more
expect_error 254 "(ResourceNotFoundException)" hc list-tags-for-resource --resource-arn $P/nosuch
pass "tag-resource / untag-resource / list-tags-for-resource with the tag rules and the 50-tag limit"

# --- deletes ---
expect_error 254 "(ResourceInUseException) when calling the DeletePredictor operation" \
    hc delete-predictor --predictor-arn $P/pb
hc delete-predictor-backtest-export-job --predictor-backtest-export-job-arn $J/pb/je >/dev/null
expect_error 254 "ResourceNotFoundException" hc describe-predictor-backtest-export-job \
    --predictor-backtest-export-job-arn $J/pb/je
[ -f s3/out/je/_CHECK ] || fail "deleting a job deleted its exported files"
hc delete-predictor --predictor-arn $P/pb >/dev/null
expect_error 254 "ResourceNotFoundException" hc describe-predictor --predictor-arn $P/pb
pass "delete-predictor refused while it has jobs; deletes keep exported files"

# --- a bigger dataset for work that takes a while ---
hc generate-demo-data --frequency H --items 1500 --length 1200 --seed 5 --output big.csv >/dev/null
predictor_request big SeasonalNaive H 24 5 0.1,0.5,0.9,mean "$TMP/big.csv" >big.json
hc create-predictor --cli-input-json file://big.json --no-wait >nw.json
for _ in $(seq 1 600); do
    hc describe-predictor --predictor-arn $P/big >d.json
    st=$(json_get d.json 'd["Status"]')
    [ "$st" = ACTIVE ] && break
    case "$st" in CREATE_PENDING|CREATE_IN_PROGRESS) sleep 0.1 ;; *) fail "predictor $st" ;; esac
done
[ "$st" = ACTIVE ] || fail "--no-wait predictor never became ACTIVE"
pass "create-predictor --no-wait returns at once and a background process trains"

status_of() { json_get "$HINDCAST_WORKSPACE/jobs/big/$1/job.json" 'd["Status"]' 2>/dev/null || echo NONE; }
pid_of() { json_get "$HINDCAST_WORKSPACE/jobs/big/$1/job.json" 'd.get("_Pid", 0)'; }

# Starts a --no-wait export whose worker freezes itself after writing 100
# items (HINDCAST_DEBUG_PAUSE_AFTER_ITEMS): at work, temporary parts on
# disk. Prints the worker's pid once it is frozen.
start_frozen() {
    local job=$1
    HINDCAST_DEBUG_PAUSE_AFTER_ITEMS=100 export_job "$job" big "w/$job" --no-wait >/dev/null
    local pid state
    pid=$(pid_of "$job")
    for _ in $(seq 1 600); do
        state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo gone)
        [ "$state" = T ] && break
        sleep 0.05
    done
    [ "$state" = T ] || fail "worker of $job did not reach its pause ($state)"
    echo "$pid"
}

# --- no-wait export, then stop-resource while it works ---
pid=$(start_frozen stopme)
[ "$(status_of stopme)" = CREATE_IN_PROGRESS ] || fail "frozen job is $(status_of stopme)"
[ -n "$(find s3/w/stopme -name '*.tmp')" ] || fail "no temporary parts while at work"
(sleep 0.3; kill -CONT "$pid") &
hc stop-resource --resource-arn $J/big/stopme >/dev/null
wait
[ "$(status_of stopme)" = CREATE_STOPPED ] || fail "stopped job is $(status_of stopme)"
[ ! -e s3/w/stopme/_CHECK ] || fail "_CHECK after stop"
[ -z "$(find s3/w/stopme -type f)" ] || fail "files left by a stopped export: $(find s3/w/stopme -type f)"
expect_error 254 "(ResourceInUseException) when calling the StopResource operation" \
    hc stop-resource --resource-arn $J/big/stopme
pass "stop-resource: CREATE_STOPPING then CREATE_STOPPED, outputs withdrawn"

# --- kill -9 at work ---
pid=$(start_frozen killed)
kill -9 "$pid"
for _ in $(seq 1 100); do [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat")" != Z ] || break; sleep 0.05; done
hc describe-predictor-backtest-export-job --predictor-backtest-export-job-arn $J/big/killed >k.json
[ "$(json_get k.json 'd["Status"]')" = CREATE_FAILED ] || fail "killed job: $(cat k.json)"
json_get k.json 'd["Message"]' | grep -q "ended before it finished" || fail "killed job message"
[ ! -e s3/w/killed/_CHECK ] || fail "_CHECK after kill -9"
[ -z "$(find s3/w/killed -name '*_part*.csv')" ] || fail "final parts after kill -9"
[ -z "$(find s3/w/killed -name '*.tmp')" ] || fail "temporaries not withdrawn"
pass "kill -9 at work: CREATE_FAILED on the next describe, no final names, no _CHECK"

# A synchronous create killed at work is settled the same way.
# It runs without OPENBLAS_NUM_THREADS, which the CLI then sets for itself
# by running itself again (no idle BLAS thread pool; src/cli/main.c).
(unset OPENBLAS_NUM_THREADS
 HINDCAST_DEBUG_PAUSE_AFTER_ITEMS=50 export_job synckill big w/synckill >/dev/null 2>&1 || true) &
for _ in $(seq 1 600); do
    spid=$(pid_of synckill 2>/dev/null || echo 0)
    [ "$spid" != 0 ] && [ "$(awk '{print $3}' "/proc/$spid/stat" 2>/dev/null)" = T ] && break
    sleep 0.05
done
tr '\0' '\n' <"/proc/$spid/environ" | grep -qx OPENBLAS_NUM_THREADS=1 ||
    fail "the CLI did not set OPENBLAS_NUM_THREADS=1 for itself"
[ "$(cat "/proc/$spid/comm")" = hindcast ] || fail "re-executed CLI is named $(cat "/proc/$spid/comm")"
kill -9 "$spid"
wait
[ "$(status_of synckill)" = CREATE_IN_PROGRESS ] || fail "synckill recorded $(status_of synckill)"
hc describe-predictor-backtest-export-job --predictor-backtest-export-job-arn $J/big/synckill >k2.json
[ "$(json_get k2.json 'd["Status"]')" = CREATE_FAILED ] || fail "killed sync job: $(cat k2.json)"
[ -z "$(find s3/w/synckill -type f)" ] || fail "files left by a killed synchronous export"
pass "kill -9 of a synchronous export: CREATE_FAILED, nothing left under final or temporary names"

# --- the in-progress limit across processes ---
pids=""
for j in l1 l2 l3; do
    p=$(start_frozen $j)
    pids="$pids $p"
done
expect_error 254 "(LimitExceededException) when calling the CreatePredictorBacktestExportJob operation" \
    export_job l4 big w/l4
# shellcheck disable=SC2086
kill -CONT $pids
for j in l1 l2 l3; do
    for _ in $(seq 1 300); do [ "$(status_of $j)" = ACTIVE ] && break; sleep 0.1; done
    [ "$(status_of $j)" = ACTIVE ] || fail "$j ended $(status_of $j)"
done
export_job l4 big w/l4 >/dev/null
pass "a fourth job while three are in progress is LimitExceededException"

# --- two processes create the same job at once ---
for round in 1 2 3; do
    export_job race$round pa race/$round >r1.out 2>r1.err & a=$!
    export_job race$round pa race/$round >r2.out 2>r2.err & b=$!
    sa=0; sb=0
    wait $a || sa=$?
    wait $b || sb=$?
    [ $((sa + sb)) = 254 ] || fail "round $round: statuses $sa and $sb"
    cat r1.err r2.err | grep -q "ResourceAlreadyExistsException" || fail "loser's error"
    [ "$(find s3/race/$round -name '*_part0.csv' | wc -l)" = 2 ] || fail "winner's files"
done
pass "two processes creating one job: exactly one wins, the other gets ResourceAlreadyExistsException"

hc create-predictor --generate-cli-skeleton >sk.json
[ "$(json_get sk.json '"TargetTimeSeries" in d and "PredictorName" in d')" = True ] || fail "skeleton"
hc describe-predictor help | grep -q -- "--predictor-arn" || fail "per-verb help"
pass "--generate-cli-skeleton and per-verb help"
finish

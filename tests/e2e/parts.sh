#!/usr/bin/env bash
# Part rotation (SPEC 2.3): with a small part size limit, parts are numbered
# from 0 without padding, each starts with the header, none passes the limit
# unless it holds a single row, no row is split, and together they hold
# exactly the rows of a single-part export.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
hc generate-demo-data --frequency D --items 30 --length 120 --output data.csv >/dev/null
predictor_request p Naive D 7 2 0.1,0.9 "$TMP/data.csv" >p.json
hc create-predictor --cli-input-json file://p.json >/dev/null
export_job whole p one >/dev/null
export_job split p many --part-size-limit 4096 >/dev/null
stamp=2023-11-14T22-13-20Z
for folder in forecasted-values accuracy-metrics-values; do
    n=$(ls s3/many/$folder | wc -l)
    [ "$n" -gt 2 ] || fail "$folder: only $n parts"
    header=$(head -n1 s3/one/$folder/whole_${stamp}_part0.csv)
    : >joined
    for ((i = 0; i < n; i++)); do
        f=s3/many/$folder/split_${stamp}_part$i.csv
        [ -f "$f" ] || fail "missing $f"
        [ "$(head -n1 "$f")" = "$header" ] || fail "$f does not start with the header"
        size=$(stat -c %s "$f")
        rows=$(($(wc -l <"$f") - 1))
        [ "$size" -le 4096 ] || [ "$rows" = 1 ] || fail "$f is $size bytes with $rows rows"
        [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || fail "$f lacks a final LF"
        tail -n +2 "$f" >>joined
    done
    tail -n +2 s3/one/$folder/whole_${stamp}_part0.csv | cmp - joined ||
        fail "$folder: parts do not add up to the single-part export"
done
pass "parts rotate at the limit, start with the header and add up to the whole"

# Item keys holding a quoted line break (and a comma): a part may end only at
# a line break outside quotes, so every part parses into whole rows.
python3 - <<'PY'
import datetime
rows = ["item_id,store,timestamp,target_value"]
for item in ['"a\nb"', "c", '"d,e"', '"f\n\ng"']:
    for day in range(60):
        t = datetime.date(2024, 1, 1) + datetime.timedelta(days=day)
        rows.append(f"{item},s,{t} 00:00:00,{day % 7 + 1}.5")
open("quoted.csv", "w").write("\n".join(rows) + "\n")
PY
predictor_request q SeasonalNaive D 7 2 0.5 "$TMP/quoted.csv" >q.json
hc create-predictor --cli-input-json file://q.json >/dev/null
export_job qwhole q qone >/dev/null
export_job qsplit q qmany --part-size-limit 1024 >/dev/null
python3 - "$stamp" <<'PY' || fail "a part holds a cut row (see above)"
import csv, glob, sys
stamp = sys.argv[1]
for folder in ("forecasted-values", "accuracy-metrics-values"):
    parts = sorted(glob.glob(f"s3/qmany/{folder}/*.csv"),
                   key=lambda f: int(f.rsplit("part", 1)[1][:-4]))
    assert len(parts) >= 2, f"{folder}: only {len(parts)} parts"
    joined = []
    for f in parts:
        rows = list(csv.reader(open(f, newline="")))
        bad = [r for r in rows if len(r) != len(rows[0])]
        assert not bad, f"{f}: {len(bad)} rows of the wrong width, e.g. {bad[0]}"
        joined += rows[1:]
    whole = list(csv.reader(open(f"s3/qone/{folder}/qwhole_{stamp}_part0.csv", newline="")))[1:]
    assert joined == whole, f"{folder}: parts do not add up to the whole"
    assert any("\n" in r[0] for r in whole), "no key with a line break"
PY
pass "quoted line breaks in item keys never split a row across parts"

# --timings: one stderr line a phase, in order, then the total; the
# response on stdout is the one without it.
hc --timings create-predictor --cli-input-json file://<(sed 's/"PredictorName": "q"/"PredictorName": "t"/' q.json) \
    >t.out 2>t.err
phases() { sed -n 's/^hindcast: timing \([a-z-]*\) *[0-9.]* s wall *[0-9.]* s CPU$/\1/p' "$1" | tr '\n' ' '; }
[ "$(phases t.err)" = "read snapshot train accuracy sync total " ] ||
    fail "create --timings phases: $(cat t.err)"
[ "$(wc -l <t.err)" = 6 ] || fail "create --timings printed more: $(cat t.err)"
json_get t.out 'd["PredictorArn"]' | grep -q 'predictor/t$' || fail "create response: $(cat t.out)"
hc --timings create-predictor-backtest-export-job --predictor-backtest-export-job-name tj \
    --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/t \
    --destination "S3Config={Path=s3://tj,RoleArn=arn:aws:iam::000000000000:role/r}" >tj.out 2>tj.err
[ "$(phases tj.err)" = "open load-model evaluate commit total " ] ||
    fail "export --timings phases: $(cat tj.err)"
hc describe-predictor-backtest-export-job --predictor-backtest-export-job-arn \
    "$(json_get tj.out 'd["PredictorBacktestExportJobArn"]')" >/dev/null ||
    fail "export response: $(cat tj.out)"
pass "--timings reports each phase of a create and an export on stderr"
finish

#!/usr/bin/env bash
# Many machines: a predictor trained as 3 shards in 3 workspaces (--shard
# I/N, --shard auto from Slurm array variables, HINDCAST_SHARD=auto from a
# Kubernetes indexed Job's), each shard exported on its own, then
# merge-backtest-exports: both folders must equal the one-machine export
# byte for byte (names, parts, _CHECK), with the default part size, with a
# small one that splits parts inside shards and across shard boundaries, and
# with gzip. Also an hourly case with an empty shard, a sharded
# AutoPredictor, and every refusal with its message and exit status.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
P=arn:aws:forecast:us-east-1:000000000000:predictor
SMALL=16384

# merge DEST SOURCE... [-- global options]: merge-backtest-exports of
# s3://sh/<SOURCE> into s3://m/DEST, job name j.
merge() {
    local dest=$1 sources=() globals=()
    shift
    while [ $# -gt 0 ] && [ "$1" != -- ]; do sources+=("s3://sh/$1"); shift; done
    [ $# -gt 0 ] && shift && globals=("$@")
    hc "${globals[@]}" merge-backtest-exports --sources "${sources[@]}" \
        --predictor-backtest-export-job-name j \
        --destination "S3Config={Path=s3://m/$dest,RoleArn=$ROLE}"
}

# same DIR_A DIR_B: the two export destinations hold the same files with
# the same bytes, and at least one part in each folder.
same() {
    diff -r "$1" "$2" >"$TMP/diff" || fail "$1 and $2 differ: $(head -c 600 "$TMP/diff")"
    [ -f "$2/_CHECK" ] || fail "$2: no _CHECK"
    [ -n "$(ls "$2/forecasted-values")" ] && [ -n "$(ls "$2/accuracy-metrics-values")" ] ||
        fail "$2: a folder is empty"
}

# export_j PREDICTOR DEST [options]: export job j to s3://DEST, then its
# record is deleted (never its files) so that the next export of this
# workspace can be named j too: merged and one-machine names must match.
export_j() {
    export_job j "$@" >/dev/null
    hc delete-predictor-backtest-export-job --predictor-backtest-export-job-arn \
        "arn:aws:forecast:us-east-1:000000000000:predictor-backtest-export-job/$1/j" >/dev/null
}

# ---- daily, 200 series (item x store), three shards ---------------------
hc generate-demo-data --frequency D --items 200 --length 100 --output data.csv >/dev/null
predictor_request p SeasonalNaive D 14 2 0.1,0.5,0.9,mean "$TMP/data.csv" >p.json

HINDCAST_WORKSPACE=$TMP/one hc create-predictor --cli-input-json file://p.json >/dev/null
for opts in "plain" "small --part-size-limit $SMALL" \
            "gz --compression gzip --part-size-limit $SMALL"; do
    set -- $opts
    name=$1
    shift
    HINDCAST_WORKSPACE=$TMP/one export_j p "one/$name" "$@"
done
[ "$(ls s3/one/small/forecasted-values | wc -l)" -ge 8 ] || fail "too few small parts"

HINDCAST_WORKSPACE=$TMP/w0 hc --shard 0/3 create-predictor --cli-input-json file://p.json >/dev/null
# Slurm: --array=1-3, this is task 2, the second shard.
SLURM_ARRAY_TASK_ID=2 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=3 \
SLURM_ARRAY_TASK_COUNT=3 SLURM_ARRAY_TASK_STEP=1 HINDCAST_WORKSPACE=$TMP/w1 \
    hc create-predictor --shard auto --cli-input-json file://p.json >/dev/null
# Kubernetes: completion index 2 of 3, through HINDCAST_SHARD.
HINDCAST_SHARD=auto JOB_COMPLETION_INDEX=2 HINDCAST_SHARD_COUNT=3 HINDCAST_WORKSPACE=$TMP/w2 \
    hc create-predictor --cli-input-json file://p.json >/dev/null
# 200 items: shard i holds [floor(200 i / 3), floor(200 (i + 1) / 3)) =
# [0, 66), [66, 133), [133, 200).
want=("0 3 66 200" "1 3 67 200" "2 3 67 200")
for i in 0 1 2; do
    HINDCAST_WORKSPACE=$TMP/w$i hc describe-predictor --predictor-arn $P/p >d$i.json
    got=$(json_get d$i.json '" ".join(str(d["HindcastShard"][k]) for k in ("Index", "Count", "ItemCount", "TotalItemCount"))')
    [ "$got" = "${want[$i]}" ] || fail "shard $i: HindcastShard $got, expected ${want[$i]}"
    [ "$(json_get d$i.json 'd["HindcastTrainingSummary"]["ItemCount"]')" = "${want[$i]:4:2}" ] ||
        fail "shard $i trained $(json_get d$i.json 'd["HindcastTrainingSummary"]') items"
    # HINDCAST_SHARD is read only by the verbs that take --shard.
    HINDCAST_SHARD=junk HINDCAST_WORKSPACE=$TMP/w$i export_j p "sh/plain$i"
    HINDCAST_WORKSPACE=$TMP/w$i export_j p "sh/gz$i" --compression gzip
done
pass "three shards (--shard 0/3, Slurm task 2 of 1-3, Kubernetes index 2) hold 66, 67 and 67 of 200 items"

# The series in key order, worked out from the file: (item_id, store) pairs
# with at least one value, sorted bytewise.
python3 - data.csv >keys.txt <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1])))[1:]
for k in sorted({(r[0], r[1]) for r in rows if r[3] != ""}):
    print(",".join(k))
PY
[ "$(wc -l <keys.txt)" = 200 ] || fail "data.csv has $(wc -l <keys.txt) series, not 200"
python3 - s3/sh/plain1/_HINDCAST_SHARD.json keys.txt <<'PY' || fail "shard manifest"
import json, sys
m = json.load(open(sys.argv[1]))
keys = [l.split(",") for l in open(sys.argv[2]).read().splitlines()]
assert (m["ShardIndex"], m["ShardCount"], m["ItemCount"], m["TotalItemCount"],
        m["FirstItemIndex"]) == (1, 3, 67, 200, 66), m
assert m["FirstItem"] == keys[66] and m["LastItem"] == keys[132], (m["FirstItem"], m["LastItem"])
assert m["Format"] == "CSV" and m["Compression"] == "none"
assert m["ForecastedValues"]["Header"] == ("item_id,store,timestamp,target_value,"
    "backtestwindow_start_time,backtestwindow_end_time,p10,p50,p90,mean")
assert m["ForecastedValues"]["Parts"] == ["j_2023-11-14T22-13-20Z_part0.csv"]
assert m["AccuracyMetricsValues"]["Header"].endswith(",Average wQL,RMSE,WAPE,MAPE,MASE")
assert m["AccuracyMetricsValues"]["Parts"] == ["j_2023-11-14T22-13-20Z_part0.csv"]
import os
for key, folder in (("ForecastedValues", "forecasted-values"),
                    ("AccuracyMetricsValues", "accuracy-metrics-values")):
    sizes = [os.path.getsize(os.path.join(os.path.dirname(sys.argv[1]), folder, n))
             for n in m[key]["Parts"]]
    assert m[key]["PartBytes"] == sizes, (key, m[key]["PartBytes"], sizes)
PY
pass "a shard's export names its shard, items, headers and parts in _HINDCAST_SHARD.json"

merge plain plain2 plain0 plain1 >r-plain.json
[ "$(json_get r-plain.json '[d[k] for k in ("DestinationPath", "ShardCount", "ItemCount", "ForecastedValuesPartCount", "AccuracyMetricsValuesPartCount")]')" = \
  "['s3://m/plain', 3, 200, 1, 1]" ] || fail "merge response: $(cat r-plain.json)"
same s3/one/plain s3/m/plain
pass "merged in any order, the export equals the one-machine export byte for byte"

merge small plain0 plain1 plain2 -- --part-size-limit $SMALL >/dev/null
same s3/one/small s3/m/small
# Some part must hold the last row of shard 0 (series 65) and the first of
# shard 1 (series 66), and there are more parts than shards.
python3 - s3/m/small/accuracy-metrics-values keys.txt <<'PY' || fail "no part spans a shard boundary"
import glob, sys
keys = [tuple(l.split(",")) for l in open(sys.argv[2]).read().splitlines()]
parts = glob.glob(sys.argv[1] + "/*.csv")
assert len(parts) > 3, len(parts)
for path in parts:
    have = {tuple(l.split(",")[:2]) for l in open(path).read().splitlines()[1:]}
    if keys[65] in have and keys[66] in have:
        sys.exit(0)
sys.exit(1)
PY
merge small_from_gz gz0 gz1 gz2 -- --part-size-limit $SMALL >/dev/null
same s3/one/small s3/m/small_from_gz
pass "with --part-size-limit $SMALL the parts split as one machine's (inside shards and across a boundary), from plain or gzip sources"

merge gz gz0 gz1 gz2 -- --compression gzip --part-size-limit $SMALL >/dev/null
same s3/one/gz s3/m/gz
n=$(ls s3/m/gz/forecasted-values | wc -l)
for ((i = 0; i < n; i++)); do
    gzip -dc "s3/m/gz/forecasted-values/j_2023-11-14T22-13-20Z_part$i.csv.gz" |
        cmp - "s3/one/small/forecasted-values/j_2023-11-14T22-13-20Z_part$i.csv" ||
        fail "gzip part $i does not decompress to the plain part"
done
pass "--compression gzip: the same .csv.gz bytes as one machine, decompressing to the plain parts"

# ---- hourly, 2 series in 3 shards: shard 0 is empty ----------------------
hc generate-demo-data --frequency H --items 2 --length 240 --output hourly.csv >/dev/null
predictor_request h Naive H 24 2 0.5,mean "$TMP/hourly.csv" >h.json
HINDCAST_WORKSPACE=$TMP/hone hc create-predictor --cli-input-json file://h.json >/dev/null
HINDCAST_WORKSPACE=$TMP/hone export_job j h one/hourly >/dev/null
for i in 0 1 2; do
    HINDCAST_WORKSPACE=$TMP/h$i hc --shard $i/3 create-predictor --cli-input-json file://h.json >/dev/null
    HINDCAST_WORKSPACE=$TMP/h$i export_job j h "sh/h$i" >/dev/null
done
[ "$(json_get s3/sh/h0/_HINDCAST_SHARD.json '(d["ItemCount"], d["FirstItem"])')" = "(0, None)" ] ||
    fail "shard 0 of 3 of 2 items is not empty"
[ "$(wc -l <s3/sh/h0/forecasted-values/j_2023-11-14T22-13-20Z_part0.csv)" = 1 ] ||
    fail "an empty shard's forecasted-values is not its header alone"
merge hourly h0 h1 h2 >/dev/null
same s3/one/hourly s3/m/hourly
pass "hourly with an empty shard (3 shards, 2 items): headers-only export, merge equals one machine"

# ---- AutoPredictor ---------------------------------------------------------
hc generate-demo-data --frequency D --items 6 --length 60 --output auto.csv >/dev/null
python3 - "$TMP/auto.csv" >a.json <<'PY'
import json, subprocess, sys
print(json.dumps({"PredictorName": "a", "ForecastHorizon": 7, "ForecastFrequency": "D",
    "ForecastTypes": ["0.5", "mean"], "ForecastDimensions": ["store"],
    "TargetTimeSeries": {"Path": sys.argv[1], "Header": True,
        "TimestampFormat": "yyyy-MM-dd HH:mm:ss",
        "Schema": {"Attributes": [
            {"AttributeName": "item_id", "AttributeType": "string"},
            {"AttributeName": "store", "AttributeType": "string"},
            {"AttributeName": "timestamp", "AttributeType": "timestamp"},
            {"AttributeName": "target_value", "AttributeType": "float"}]}}}))
PY
auto_export() { # WORKSPACE DEST [global options]
    local ws=$1 dest=$2 arn
    shift 2
    arn=$(HINDCAST_WORKSPACE=$TMP/$ws hc "$@" create-auto-predictor --cli-input-json file://a.json |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["PredictorArn"])')
    HINDCAST_WORKSPACE=$TMP/$ws hc create-predictor-backtest-export-job \
        --predictor-backtest-export-job-name j --predictor-arn "$arn" \
        --destination "S3Config={Path=s3://$dest,RoleArn=$ROLE}" >/dev/null
}
auto_export aone one/auto
auto_export a0 sh/a0 --shard 0/2
auto_export a1 sh/a1 --shard 1/2
merge auto a1 a0 >/dev/null
same s3/one/auto s3/m/auto
pass "a sharded AutoPredictor's merged export equals the one-machine export"

# ---- refusals ----------------------------------------------------------------
nothing_in() { # DEST: no final file in s3://m/DEST
    [ -z "$(find "s3/m/$1" -type f 2>/dev/null)" ] || fail "$1 holds files: $(find "s3/m/$1" -type f)"
}
expect_error 254 "Shard 1 of 3 is missing: give the export of every shard 0 to 2" \
    merge e1 plain0 plain2
nothing_in e1
expect_error 254 "Sources 's3://sh/plain1' and 's3://sh/plain1' are both shard 1 of 3" \
    merge e2 plain0 plain1 plain1 plain2
nothing_in e2
# Another request (Naive instead of SeasonalNaive) as shard 2.
predictor_request p Naive D 14 2 0.1,0.5,0.9,mean "$TMP/data.csv" >q.json
HINDCAST_WORKSPACE=$TMP/x hc --shard 2/3 create-predictor --cli-input-json file://q.json >/dev/null
HINDCAST_WORKSPACE=$TMP/x export_job j p sh/other2 >/dev/null
expect_error 254 "Sources 's3://sh/plain0' (shard 0 of 3) and 's3://sh/other2' (shard 2 of 3) are exports of different predictor requests" \
    merge e3 plain0 plain1 other2
# The same request reading another copy of the data with one value changed:
# the path does not count, the content does.
python3 - <<'PY'
lines = open("data.csv").read().splitlines(True)
lines[1] = lines[1].rsplit(",", 1)[0] + ",12345\n"
open("data2.csv", "w").write("".join(lines))
PY
cmp -s data.csv data2.csv && fail "data2.csv is not changed"
sed "s#$TMP/data.csv#$TMP/data2.csv#" p.json >p2.json
HINDCAST_WORKSPACE=$TMP/y hc --shard 2/3 create-predictor --cli-input-json file://p2.json >/dev/null
HINDCAST_WORKSPACE=$TMP/y export_job j p sh/data2 >/dev/null
expect_error 254 "(shard 2 of 3) read different data (DataHash differs)" merge e4 plain0 plain1 data2
cp -r s3/sh/plain2 s3/sh/unfinished
rm s3/sh/unfinished/_CHECK
expect_error 254 "Source 's3://sh/unfinished': no _CHECK in $TMP/s3/sh/unfinished: its export did not finish" \
    merge e5 plain0 plain1 unfinished
expect_error 254 "no _HINDCAST_SHARD.json in $TMP/s3/one/plain: only exports of predictors created with --shard can be merged" \
    hc merge-backtest-exports --sources "$TMP/s3/one/plain" --predictor-backtest-export-job-name j \
    --destination "S3Config={Path=s3://m/e6,RoleArn=$ROLE}"
# A gzip part cut short by its 8-byte trailer (CRC and length): every row
# decompresses, but the stream has no end and its CRC is never checked.
cp -r s3/sh/gz2 s3/sh/gzcut2
cut_part=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["ForecastedValues"]["Parts"][0])' \
    s3/sh/gzcut2/_HINDCAST_SHARD.json)
full_size=$(stat -c %s "s3/sh/gzcut2/forecasted-values/$cut_part")
python3 - "s3/sh/gzcut2/forecasted-values/$cut_part" <<'PY'
import os, sys
os.truncate(sys.argv[1], os.path.getsize(sys.argv[1]) - 8)
PY
# The manifest's recorded size catches it first ...
expect_error 254 "forecasted-values/$cut_part is $((full_size - 8)) bytes, its _HINDCAST_SHARD.json says $full_size: the part was cut short or changed after the export" \
    merge e7 gz0 gz1 gzcut2 -- --compression gzip
nothing_in e7
# ... and with the size made to agree, the gzip stream's missing end does.
python3 - s3/sh/gzcut2/_HINDCAST_SHARD.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["ForecastedValues"]["PartBytes"][0] -= 8
json.dump(m, open(sys.argv[1], "w"))
PY
expect_error 254 "forecasted-values/$cut_part: cannot read: the compressed stream is cut short" \
    merge e7 gz0 gz1 gzcut2 -- --compression gzip
nothing_in e7
# A plain part cut at a row boundary reads as valid CSV: only its size shows it.
cp -r s3/sh/plain2 s3/sh/plaincut2
python3 - s3/sh/plaincut2/forecasted-values/j_2023-11-14T22-13-20Z_part0.csv <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
cut = data.rstrip(b"\n").rfind(b"\n") + 1  # drop the last row
open(sys.argv[1], "wb").write(data[:cut])
PY
expect_error 254 "Source 's3://sh/plaincut2'" merge e8 plain0 plain1 plaincut2
grep -qF "forecasted-values/j_2023-11-14T22-13-20Z_part0.csv is" "$TMP/err" ||
    fail "no size message: $(cat "$TMP/err")"
nothing_in e8
# A manifest whose counts would overflow the shard arithmetic (caught by
# the sanitizer build before the counts were checked first).
cp -r s3/sh/plain1 s3/sh/huge1
python3 - s3/sh/huge1/_HINDCAST_SHARD.json <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
m["ShardCount"], m["ShardIndex"], m["TotalItemCount"] = 2, 1, 6000000000000000000
json.dump(m, open(sys.argv[1], "w"))
PY
expect_error 254 "_HINDCAST_SHARD.json: shard 1 of 2 with items [66, +67) of 6000000000000000000 is not a shard that --shard makes" \
    merge e8 huge1
nothing_in e8
expect_error 254 "(ResourceAlreadyExistsException) when calling the MergeBacktestExports operation: The destination s3://m/plain already holds export parts" \
    merge plain plain0 plain1 plain2
same s3/one/plain s3/m/plain
pass "merge refuses a missing or duplicate shard, another request, other data, an unfinished source, an unsharded one, a truncated gzip part, a manifest with impossible counts and a destination with parts; nothing is written"

expect_error 252 "argument --shard: only create-predictor and create-auto-predictor take --shard" \
    hc --shard 0/2 describe-predictor --predictor-arn $P/p
expect_error 252 "argument --shard: only create-predictor and create-auto-predictor take --shard" \
    export_job j p sh/never --shard 1/3
for bad in "3/0:the shard count N must be at least 1" \
           "5/5:the shard index I must be less than the count N (0 <= I < N)" \
           "-1/2:is not I/N (whole numbers with 0 <= I < N) or auto" \
           "1/2/3:is not I/N" "x:is not I/N" "/3:is not I/N" "1/ 2:is not I/N"; do
    expect_error 252 "argument --shard: '${bad%%:*}'" hc --shard "${bad%%:*}" create-predictor --cli-input-json file://p.json
    grep -qF -- "${bad#*:}" "$TMP/err" || fail "--shard ${bad%%:*}: $(cat "$TMP/err")"
done
expect_error 252 "HINDCAST_SHARD: '2/2': the shard index I must be less than the count N" \
    env HINDCAST_SHARD=2/2 "$HINDCAST" create-predictor --cli-input-json file://p.json
expect_error 252 "argument --shard: 'auto' found no batch scheduler: set SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN" \
    env -u SLURM_ARRAY_TASK_ID -u JOB_COMPLETION_INDEX "$HINDCAST" --shard auto create-predictor --cli-input-json file://p.json
expect_error 252 "the Slurm array's task ids are not contiguous (SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=9, SLURM_ARRAY_TASK_STEP=2, SLURM_ARRAY_TASK_COUNT=5)" \
    env SLURM_ARRAY_TASK_ID=3 SLURM_ARRAY_TASK_MIN=1 SLURM_ARRAY_TASK_MAX=9 SLURM_ARRAY_TASK_STEP=2 \
    SLURM_ARRAY_TASK_COUNT=5 "$HINDCAST" --shard auto create-predictor --cli-input-json file://p.json
expect_error 252 "SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not" \
    env SLURM_ARRAY_TASK_ID=3 "$HINDCAST" --shard auto create-predictor --cli-input-json file://p.json
expect_error 252 "JOB_COMPLETION_INDEX is set (a Kubernetes indexed Job) but HINDCAST_SHARD_COUNT is not" \
    env JOB_COMPLETION_INDEX=1 "$HINDCAST" --shard auto create-predictor --cli-input-json file://p.json
expect_error 252 "JOB_COMPLETION_INDEX=4': the shard index I must be less than the count N" \
    env JOB_COMPLETION_INDEX=4 HINDCAST_SHARD_COUNT=4 "$HINDCAST" --shard auto create-predictor --cli-input-json file://p.json
[ ! -d "$HINDCAST_WORKSPACE/predictors/p" ] || fail "a refused create-predictor left a predictor"
pass "--shard: refused on other verbs, bad values, auto without a scheduler, a stepped Slurm array, a Kubernetes Job without HINDCAST_SHARD_COUNT (exit 252)"
finish

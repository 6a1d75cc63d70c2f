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
finish

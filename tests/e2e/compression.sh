#!/usr/bin/env bash
# --compression gzip (a hindcast extension): every part of both folders is
# written as <name>_part<N>.csv.gz, and decompresses to exactly the bytes of
# the plain export's part of the same number (the part size limit counts
# uncompressed bytes, so parts split at the same rows), at the default level
# and at level 9. A bad value is a command-line error.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
hc generate-demo-data --frequency D --items 40 --length 150 --output data.csv >/dev/null
predictor_request p SeasonalNaive D 14 2 0.1,0.5,0.9,mean "$TMP/data.csv" >p.json
hc create-predictor --cli-input-json file://p.json >/dev/null
stamp=2023-11-14T22-13-20Z

compare() { # PLAIN_DEST PLAIN_JOB GZ_DEST GZ_JOB
    local folder n ng i
    [ -f "s3/$3/_CHECK" ] || fail "$3: no _CHECK"
    for folder in forecasted-values accuracy-metrics-values; do
        n=$(ls "s3/$1/$folder" | wc -l)
        ng=$(ls "s3/$3/$folder" | wc -l)
        [ "$n" = "$ng" ] || fail "$3/$folder: $ng parts, plain has $n"
        [ -z "$(ls "s3/$3/$folder" | grep -v '\.csv\.gz$')" ] ||
            fail "$3/$folder: a part is not .csv.gz: $(ls "s3/$3/$folder")"
        for ((i = 0; i < n; i++)); do
            gz="s3/$3/$folder/$4_${stamp}_part$i.csv.gz"
            [ "$(head -c2 "$gz" | od -An -tx1 | tr -d ' ')" = 1f8b ] || fail "$gz is not gzip"
            gzip -dc "$gz" | cmp - "s3/$1/$folder/$2_${stamp}_part$i.csv" ||
                fail "$gz does not decompress to the plain part $i"
        done
    done
}

export_job plain p plain >/dev/null
export_job zipped p zipped --compression gzip >/dev/null
compare plain plain zipped zipped
pass "gzip parts decompress to the plain parts (level 1)"

export_job plain_small p plain_small --part-size-limit 8192 >/dev/null
export_job zipped_small p zipped_small --compression gzip --compression-level 9 \
    --part-size-limit 8192 >/dev/null
[ "$(ls s3/plain_small/forecasted-values | wc -l)" -gt 3 ] || fail "too few parts"
compare plain_small plain_small zipped_small zipped_small
pass "with a small part size limit the parts split at the same rows (level 9)"

expect_error 252 "argument --compression" hc --compression zip get-accuracy-metrics --predictor-arn x
expect_error 252 "argument --compression-level" hc --compression-level 10 get-accuracy-metrics --predictor-arn x
pass "bad --compression and --compression-level values are command-line errors"
finish

#!/usr/bin/env bash
# One case per class of bad input: the AWS CLI error form, the exit status
# (252 command line, 254 service error, 255 other) and nothing half-written.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
P=arn:aws:forecast:us-east-1:000000000000:predictor
hc generate-demo-data --frequency D --items 8 --length 60 --output data.csv >/dev/null
predictor_request p Naive D 7 1 0.5 "$TMP/data.csv" >p.json
hc create-predictor --cli-input-json file://p.json >/dev/null

# --- command line (252) ---
expect_error 252 "Invalid choice: 'frobnicate'" hc frobnicate
echo '{"PredictorName": ' >broken.json
expect_error 252 "Invalid JSON" hc create-predictor --cli-input-json file://broken.json
expect_error 252 'Missing required parameter in input: "PredictorArn"' hc describe-predictor
expect_error 252 "Unknown options: --bogus" hc describe-predictor --bogus x
expect_error 252 "argument --threads" hc --threads 0 describe-predictor --predictor-arn $P/p
expect_error 252 'Unknown parameter in input: "Colour"' hc describe-predictor \
    --cli-input-json '{"PredictorArn": "'$P/p'", "Colour": "red"}'
expect_error 252 'Missing required parameter in input: "Destination.S3Config.RoleArn"' \
    hc create-predictor-backtest-export-job --predictor-backtest-export-job-name j \
    --predictor-arn $P/p --destination S3Config={Path=s3://b/x}
expect_error 252 "SOURCE_DATE_EPOCH" env SOURCE_DATE_EPOCH=yesterday "$HINDCAST" describe-predictor --predictor-arn $P/p
tp_request() { # NAME ALGO TRAINING-PARAMETERS-JSON
    predictor_request "$1" "$2" D 7 1 0.5 "$TMP/data.csv" |
        python3 -c 'import json,sys; r=json.load(sys.stdin); r["TrainingParameters"]=json.loads(sys.argv[1]); print(json.dumps(r))' "$3"
}
tp_request tp1 arn:aws:forecast:::algorithm/ARIMA '{"use_fourier_terms": false}' >tp1.json
expect_error 252 "Invalid type for parameter TrainingParameters.use_fourier_terms, valid types: <class 'str'>" \
    hc create-predictor --cli-input-json file://tp1.json
pass "command-line errors exit 252 with the AWS CLI's messages"

# --- request validation (254) ---
expect_error 254 "An error occurred (InvalidInputException) when calling the CreatePredictorBacktestExportJob operation: 1 validation error detected: Value 'bad-name' at 'predictorBacktestExportJobName'" \
    export_job bad-name p b/x
expect_error 254 "(ResourceNotFoundException) when calling the CreatePredictorBacktestExportJob operation: No resource found with the arn: $P/nosuch" \
    export_job j nosuch b/x
expect_error 254 "(ResourceNotFoundException) when calling the DescribePredictor operation" \
    hc describe-predictor --predictor-arn arn:aws:forecast:eu-west-1:000000000000:predictor/p
expect_error 254 "Passing a role across accounts is not allowed" \
    hc create-predictor-backtest-export-job --predictor-backtest-export-job-name j \
    --predictor-arn $P/p --destination "S3Config={Path=s3://b/x,RoleArn=arn:aws:iam::123456789012:role/r}"
expect_error 254 "(InvalidInputException)" export_job j p "b/../../escape"
[ ! -e "$TMP/escape" ] && [ ! -e "$TMP/s3/escape" ] || fail "an escaping destination was created"
expect_error 254 "Value 'XML' at 'format'" hc create-predictor-backtest-export-job --predictor-backtest-export-job-name j \
    --predictor-arn $P/p --destination "S3Config={Path=s3://b/x,RoleArn=$ROLE}" --format XML
sed 's#arn:hindcast:::algorithm/Naive#arn:aws:forecast:::algorithm/CNN-QR#; s/"p"/"q"/' p.json >cnn.json
expect_error 254 "arn:hindcast:::algorithm/SeasonalNaive" hc create-predictor --cli-input-json file://cnn.json
sed 's/"ForecastHorizon": 7/"ForecastHorizon": 600/; s/"p"/"q"/' p.json >h.json
expect_error 254 "ForecastHorizon must be between 1 and 500" hc create-predictor --cli-input-json file://h.json
sed 's/"ForecastHorizon": 7/"ForecastHorizon": 59/; s/"p"/"q"/' p.json >h2.json
expect_error 254 "must be less than half the longest series" hc create-predictor --cli-input-json file://h2.json
tp_request tp2 arn:aws:forecast:::algorithm/ARIMA '{"use_fourier_term": "false"}' >tp2.json
expect_error 254 "TrainingParameters: 'use_fourier_term' is not a hyperparameter of ARIMA; it takes: use_fourier_terms" \
    hc create-predictor --cli-input-json file://tp2.json
tp_request tp3 arn:aws:forecast:::algorithm/ARIMA '{"use_fourier_terms": "no"}' >tp3.json
expect_error 254 "TrainingParameters.use_fourier_terms must be \"true\" or \"false\", got 'no'" \
    hc create-predictor --cli-input-json file://tp3.json
tp_request tp4 arn:aws:forecast:::algorithm/ETS '{"use_fourier_terms": "false"}' >tp4.json
expect_error 254 "'use_fourier_terms' is not a hyperparameter of ETS, which takes none" \
    hc create-predictor --cli-input-json file://tp4.json
[ ! -e "$HINDCAST_WORKSPACE/predictors/tp2" ] && [ ! -e "$HINDCAST_WORKSPACE/predictors/tp4" ] ||
    fail "a refused TrainingParameters request left a predictor"
expect_error 254 "(ResourceAlreadyExistsException) when calling the CreatePredictor operation: A predictor already exists with the arn: $P/p" \
    hc create-predictor --cli-input-json file://p.json
export_job once p b/once >/dev/null
expect_error 254 "(ResourceAlreadyExistsException) when calling the CreatePredictorBacktestExportJob operation: A predictor backtest export job already exists with the arn: arn:aws:forecast:us-east-1:000000000000:predictor-backtest-export-job/p/once" \
    export_job once p b/again
[ ! -e s3/b/again ] || fail "a refused job wrote to its destination"
pass "service errors exit 254 as 'An error occurred (Exception) when calling the Operation operation: message'"

# --- data errors: file, line and column; no predictor left behind ---
data_case() { # NAME CONTENT EXPECTED_TEXT
    printf '%b' "$2" >"$1.csv"
    sed "s#$TMP/data.csv#$TMP/$1.csv#; s/\"p\"/\"$1\"/; s/\"Header\": true/\"Header\": false/" p.json >"$1.json"
    expect_error 254 "$3" hc create-predictor --cli-input-json "file://$1.json"
    expect_error 254 "ResourceNotFoundException" hc describe-predictor --predictor-arn "$P/$1"
}
data_case badnum 'a,s,2024-01-01 00:00:00,1\na,s,2024-01-02 00:00:00,x1\n' "badnum.csv:2:4:"
data_case badts 'a,s,2024-01-01 00:00:00,1\na,s,2024-02-30 00:00:00,1\n' "badts.csv:2:3:"
data_case fields 'a,s,2024-01-01 00:00:00,1\na,s,2024-01-02 00:00:00\n' "fields.csv:2"
data_case noitem ',s,2024-01-01 00:00:00,1\n' "noitem.csv:1:1:"
data_case quote 'a,s,2024-01-01 00:00:00,1\n"a,s,2024-01-02 00:00:00,1\n' "quote.csv"
printf 'a,s,2024-01-01 00:00:00,1\na,s,2024-01-02 00:00:00,1\na,s,2024-01-02 00:00:00,2\n' >dup.csv
python3 - p.json "$TMP/dup.csv" >dup.json <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
r["PredictorName"] = "dup"
r["TargetTimeSeries"]["Path"] = sys.argv[2]
r["TargetTimeSeries"]["Header"] = False
r["FeaturizationConfig"]["Featurizations"] = [{"AttributeName": "target_value",
    "FeaturizationPipeline": [{"FeaturizationMethodName": "filling",
        "FeaturizationMethodParameters": {"aggregation": "none"}}]}]
print(json.dumps(r))
PY
expect_error 254 "dup.csv:3:" hc create-predictor --cli-input-json file://dup.json
sed "s#$TMP/data.csv#$TMP/missing.csv#; s/\"p\"/\"missing\"/" p.json >missing.json
expect_error 254 "missing.csv" hc create-predictor --cli-input-json file://missing.json
pass "data errors name file, line and column and leave no predictor"

# --- a failed export leaves no final name and no _CHECK, and keeps user files ---
mkdir -p s3/b/taken/forecasted-values
echo "precious" >s3/b/taken/forecasted-values/taken_2023-11-14T22-13-20Z_part0.csv
expect_error 254 "taken_2023-11-14T22-13-20Z_part0.csv" export_job taken p b/taken
[ "$(cat s3/b/taken/forecasted-values/taken_2023-11-14T22-13-20Z_part0.csv)" = precious ] ||
    fail "a user's file was overwritten"
[ ! -e s3/b/taken/_CHECK ] || fail "_CHECK written by a failed export"
[ -z "$(ls -A s3/b/taken/accuracy-metrics-values)" ] || fail "accuracy parts left behind"
[ "$(ls -A s3/b/taken/forecasted-values)" = "taken_2023-11-14T22-13-20Z_part0.csv" ] ||
    fail "temporary parts left behind: $(ls -A s3/b/taken/forecasted-values)"
hc describe-predictor-backtest-export-job --predictor-backtest-export-job-arn \
    arn:aws:forecast:us-east-1:000000000000:predictor-backtest-export-job/p/taken >taken.json
[ "$(json_get taken.json 'd["Status"]')" = CREATE_FAILED ] || fail "failed job not CREATE_FAILED"
json_get taken.json 'd["Message"]' | grep -q "part0.csv" || fail "failed job message"
pass "a failed export is CREATE_FAILED, leaves nothing under a final name and keeps the user's file"
finish

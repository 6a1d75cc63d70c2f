#!/usr/bin/env bash
# A Croston predictor on intermittent daily demand: six items of 120 days,
# generated here (mostly zeros with occasional orders; one item never
# orders; one holds a negative value, which Croston refuses as R's croston()
# does, so it falls back). Training fits Croston on every other
# item-window, and every exported row is checked against Croston's method
# recomputed here in Python from the training part before the row's window:
# mean = p50 = size/interval (SES, alpha 0.1, started at the first values),
# p10 / p90 = the Gaussian with the in-sample one-step error sd, censored
# at 0.
. "$(dirname "$0")/lib.sh"
cd "$TMP"
python3 - <<'PY'
import datetime
s = 12345
def rnd():
    global s
    s = (s * 1103515245 + 12345) % 2**31
    return s / 2**31
d0 = datetime.datetime(2024, 1, 1)
with open("data.csv", "w") as f:
    f.write("item_id,store,timestamp,target_value\n")
    for it in range(6):
        for t in range(120):
            v = 0.0
            if it != 4 and rnd() < 0.2 + 0.1 * it:
                v = round(1 + 9 * rnd(), 1)
            if it == 5 and t == 30:
                v = -1.0
            ts = (d0 + datetime.timedelta(days=t)).strftime("%Y-%m-%d %H:%M:%S")
            f.write(f"item{it},s1,{ts},{v}\n")
PY
predictor_request cr Croston D 14 2 0.1,0.5,0.9,mean "$TMP/data.csv" >cr.json
hc create-predictor --cli-input-json file://cr.json >create.json
pass "create-predictor with arn:hindcast:::algorithm/Croston"

hc describe-predictor --predictor-arn arn:aws:forecast:us-east-1:000000000000:predictor/cr >describe.json
[ "$(json_get describe.json 'd["Status"]')" = ACTIVE ] || fail "predictor not ACTIVE"
fitted=$(json_get describe.json 'd["HindcastTrainingSummary"]["FittedItemWindows"]')
croston=$(json_get describe.json 'd["HindcastTrainingSummary"]["FitsByAlgorithm"].get("Croston", 0)')
# 6 items x 2 backtest windows; item5's negative value is in both
# training parts, so its two fall back (SeasonalNaive).
[ "$fitted" = 12 ] && [ "$croston" = 10 ] ||
    fail "$croston of $fitted item-windows fitted with Croston: $(cat describe.json)"
[ "$(json_get describe.json 'd["HindcastTrainingSummary"]["FallbackFits"]')" = 2 ] ||
    fail "fallbacks: $(cat describe.json)"
pass "describe-predictor: ACTIVE, 10 of 12 item-windows Croston, item5's 2 fall back"

export_job crexp cr bucket/cr >/dev/null
out=$TMP/s3/bucket/cr
[ -f "$out/_CHECK" ] || fail "_CHECK missing"
pass "export-job: _CHECK written"

python3 - "$out" "$TMP/data.csv" <<'PY' || fail "forecast rows"
import csv, glob, math, sys
from collections import defaultdict
out, data = sys.argv[1], sys.argv[2]
series = defaultdict(list)  # item -> [(timestamp, value)], in file order
with open(data) as f:
    for r in csv.DictReader(f):
        series[r["item_id"]].append((r["timestamp"].replace(" ", "T"),
                                     float(r["target_value"])))

def croston(x):
    """Croston's forecast from x, by its definition: SES (alpha 0.1,
    started at the first value) of the sizes and of the intervals."""
    sizes = [v for v in x if v > 0]
    pos = [i + 1 for i, v in enumerate(x) if v > 0]
    if not sizes:
        return 0.0
    gaps = [b - a for a, b in zip([0] + pos, pos)]
    def ses(v):
        level = v[0]
        for u in v[1:]:
            level = 0.1 * u + 0.9 * level
        return level
    return ses(sizes) / ses(gaps)

rows = []
for path in sorted(glob.glob(out + "/forecasted-values/*.csv")):
    with open(path) as f:
        rows += list(csv.DictReader(f))
assert len(rows) == 12 * 14, len(rows)
z90 = 1.2815515655446004
def close(a, b):
    return abs(a - b) <= 1e-12 * max(1.0, abs(b))
checked = 0
for r in rows:
    item = r["item_id"]
    p10, p50, p90, mean = (float(r[k]) for k in ("p10", "p50", "p90", "mean"))
    if item == "item5":  # the fallback: SeasonalNaive, not checked here
        continue
    train = [v for ts, v in series[item] if ts < r["backtestwindow_start_time"]]
    assert len(train) in (92, 106), (item, len(train))
    f = croston(train)
    # In-sample one-step errors: the forecast from each prefix.
    err = [train[t] - croston(train[:t]) for t in range(1, len(train))]
    sd = math.sqrt(sum(e * e for e in err) / len(err))
    assert close(mean, f) and close(p50, f), (r, f)
    assert close(p10, max(0.0, f - z90 * sd)), (r, f, sd)
    assert close(p90, f + z90 * sd), (r, f, sd)
    if item == "item4":
        assert p10 == p50 == p90 == mean == 0.0, r
    checked += 1
assert checked == 10 * 14, checked
PY
pass "export: 168 rows; every Croston row is size/interval with the censored Gaussian quantiles"

check_accuracy "$out" || fail "accuracy rows"
pass "accuracy-metrics-values written"
finish

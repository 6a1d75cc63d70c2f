#!/usr/bin/env python3
"""Independent reference for hindcast's backtest export (SPEC 2.3-2.7, 3.2).

Re-implements, from the specification alone and in plain Python, what an
export of a Naive or SeasonalNaive predictor must contain: dense series with
zero filling, window placement, exclusion, the Gaussian predictive
distributions, every metric and the predictor-level pooling. It then reads
hindcast's files and compares them row by row: text fields exactly, numbers
to a relative 1e-9 (the two implementations may round the last bits of a
sum or of the normal quantile differently).

usage: reference.py DATA.csv[.gz] EXPORT_DIR ACCURACY.json \
           --freq H|D --horizon N --windows K [--offset N] \
           --types mean,0.1,... --algorithm Naive|SeasonalNaive
"""
import argparse
import csv
import glob
import gzip
import json
import math
import os
import sys
from datetime import datetime, timezone
from statistics import NormalDist

STEP_SECONDS = {"H": 3600, "D": 86400}
SEASON = {"H": 24, "D": 7}
REL_TOL = 1e-9


def java_double(x):
    """Java Double.toString from Python's shortest repr (same digits)."""
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    if x == 0:
        return "-0.0" if math.copysign(1, x) < 0 else "0.0"
    r = repr(abs(x))
    sign = "-" if x < 0 else ""
    if "e" in r:
        mant, exp = r.split("e")
        exp = int(exp)
    else:
        mant, exp = r, 0
    digits = mant.replace(".", "")
    point = (mant.index(".") if "." in mant else len(mant)) + exp
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    digits = stripped.rstrip("0") or "0"
    sci = point - 1
    if 1e-3 <= abs(x) < 1e7:
        if point <= 0:
            return sign + "0." + "0" * (-point) + digits
        if point >= len(digits):
            return sign + digits + "0" * (point - len(digits)) + ".0"
        return sign + digits[:point] + "." + digits[point:]
    frac = digits[1:] or "0"
    return sign + digits[0] + "." + frac + "E" + str(sci)


def read_dataset(path, freq):
    opener = gzip.open if path.endswith(".gz") else open
    step = STEP_SECONDS[freq]
    items = {}
    with opener(path, "rt", newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        assert header == ["item_id", "store", "timestamp", "target_value"], header
        for item, store, ts, value in reader:
            t = datetime.strptime(ts, "%Y-%m-%d %H:%M:%S").replace(tzinfo=timezone.utc)
            s = int(t.timestamp()) // step
            obs = items.setdefault((item, store), {})
            obs[s] = obs.get(s, 0.0) + float(value)  # aggregation: sum
    end = max(max(obs) for obs in items.values())
    series = {}
    for key, obs in items.items():
        start = min(obs)
        values, filled = [], []
        for s in range(start, end + 1):
            if s in obs:
                values.append(obs[s])
                filled.append(False)
            else:  # middlefill and backfill: zero (the defaults)
                values.append(0.0)
                filled.append(True)
        series[key] = (start, values, filled)
    return series, end


def naive(train, h, taus):
    last = train[-1]
    diffs = [(train[t] - train[t - 1]) ** 2 for t in range(1, len(train))]
    sigma = math.sqrt(sum(diffs) / len(diffs)) if diffs else 0.0
    mean = [last] * h
    quant = [[last + sigma * math.sqrt(k + 1) * NormalDist().inv_cdf(tau)
              for k in range(h)] for tau in taus]
    return mean, quant


def seasonal_naive(train, h, taus, m):
    n = len(train)
    if n < m:
        return naive(train, h, taus)
    errs = [(train[t] - train[t - m]) ** 2 for t in range(m, n)]
    sigma = math.sqrt(sum(errs) / len(errs)) if errs else 0.0
    mean = [train[n - m + (k % m)] for k in range(h)]
    quant = [[mean[k] + sigma * math.sqrt(k // m + 1) * NormalDist().inv_cdf(tau)
              for k in range(h)] for tau in taus]
    return mean, quant


def mase_scale(train, m):
    n = len(train)
    if n <= m:
        m = 1
    diffs = [abs(train[t] - train[t - m]) for t in range(m, n)]
    return sum(diffs) / len(diffs) if diffs else float("nan")


def window_metrics(y, f, quant, taus, scale):
    n = len(y)
    abs_y = sum(abs(v) for v in y)
    wql = []
    for q, tau in zip(quant, taus):
        num = 2 * sum(tau * max(yy - qq, 0) + (1 - tau) * max(qq - yy, 0)
                      for yy, qq in zip(y, q))
        wql.append(num / abs_y if abs_y != 0 else num)
    avg = sum(wql) / len(wql) if wql else float("nan")
    rmse = math.sqrt(sum((yy - ff) ** 2 for yy, ff in zip(y, f)) / n)
    wape = sum(abs(yy - ff) for yy, ff in zip(y, f))
    nz = [abs(yy - ff) / abs(yy) for yy, ff in zip(y, f) if yy != 0]
    mape = sum(nz) / len(nz) if nz else float("nan")
    mae = sum(abs(yy - ff) for yy, ff in zip(y, f)) / n
    mase = mae / scale if scale == scale and scale != 0 else float("nan")
    return wql + ([avg] if taus else []) + [rmse, wape, mape, mase]


def fmt_time(step, freq, millis):
    t = datetime.fromtimestamp(step * STEP_SECONDS[freq], tz=timezone.utc)
    return t.strftime("%Y-%m-%dT%H:%M:%S") + (".000Z" if millis else "")


def fmt_metric(x):
    return "not defined" if math.isnan(x) else java_double(x)


def close(a, b):
    if a == b:
        return True
    try:
        x, y = float(a), float(b)
    except ValueError:
        return False
    return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=1e-12)


def read_parts(folder):
    rows, header = [], None
    for path in sorted(glob.glob(os.path.join(folder, "*_part*.csv")),
                       key=lambda p: int(p.rsplit("_part", 1)[1][:-4])):
        with open(path, newline="") as f:
            lines = f.read().split("\n")
        assert lines[-1] == "", f"{path}: no final LF"
        if header is None:
            header = lines[0]
        assert lines[0] == header, f"{path}: header differs"
        rows.extend(lines[1:-1])
    return header, rows


def compare(kind, expected, actual):
    assert len(expected) == len(actual), \
        f"{kind}: {len(actual)} rows, expected {len(expected)}"
    for i, (e, a) in enumerate(zip(expected, actual)):
        ef, af = e.split(","), a.split(",")
        ok = len(ef) == len(af) and all(close(x, y) for x, y in zip(ef, af))
        assert ok, f"{kind} row {i + 1}:\n  expected {e}\n  actual   {a}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("data")
    ap.add_argument("export")
    ap.add_argument("accuracy")
    ap.add_argument("--freq", required=True)
    ap.add_argument("--horizon", type=int, required=True)
    ap.add_argument("--windows", type=int, default=1)
    ap.add_argument("--offset", type=int)
    ap.add_argument("--types", default="0.1,0.5,0.9")
    ap.add_argument("--algorithm", required=True)
    a = ap.parse_args()
    h, freq, m = a.horizon, a.freq, SEASON[a.freq]
    offset = a.offset or h
    types = a.types.split(",")
    taus = sorted(float(t) for t in types if t != "mean")
    series, end = read_dataset(a.data, freq)

    fc_header = "item_id,store,timestamp,target_value,backtestwindow_start_time," \
        "backtestwindow_end_time," + ",".join(
            "mean" if t == "mean" else "p" + str(round(float(t) * 100)) for t in types)
    acc_header = "item_id,store,backtest_window,backtestwindow_start_time," \
        "backtestwindow_end_time" + "".join(
            ",wQL[" + repr(t) + "]" for t in taus) + \
        (",Average wQL" if taus else "") + ",RMSE,WAPE,MAPE,MASE"
    fc_rows, acc_rows = [], []
    windows = [end - offset - k * offset + 1 for k in range(a.windows)][::-1]
    pooled = [dict(num=[0.0] * len(taus), abs_y=0.0, sq=0.0, ae=0.0, n=0,
                   mape=[], mase=[], items=0) for _ in windows]
    for key in sorted(series, key=lambda k: (k[0].encode(), k[1].encode())):
        start, values, filled = series[key]
        rows = []
        for wi, ws in enumerate(windows):
            first, last = fmt_time(ws, freq, False), fmt_time(ws + h - 1, freq, False)
            n_train = ws - start
            inside = range(ws - start, ws - start + h)
            if n_train <= 0 or any(filled[i] for i in inside):
                rows.append((first, last, [float("nan")] * (len(taus) + (1 if taus else 0) + 4)))
                continue
            train, y = values[:n_train], values[n_train:n_train + h]
            if a.algorithm == "Naive":
                mean, quant = naive(train, h, taus)
            else:
                mean, quant = seasonal_naive(train, h, taus, m)
            met = window_metrics(y, mean, quant, taus, mase_scale(train, m))
            rows.append((first, last, met))
            p = pooled[wi]
            for qi, tau in enumerate(taus):
                p["num"][qi] += 2 * sum(tau * max(yy - qq, 0) + (1 - tau) * max(qq - yy, 0)
                                        for yy, qq in zip(y, quant[qi]))
            p["abs_y"] += sum(abs(v) for v in y)
            p["sq"] += sum((yy - ff) ** 2 for yy, ff in zip(y, mean))
            p["ae"] += sum(abs(yy - ff) for yy, ff in zip(y, mean))
            p["n"] += h
            p["items"] += 1
            if not math.isnan(met[-2]):
                p["mape"].append(met[-2])
            if not math.isnan(met[-1]):
                p["mase"].append(met[-1])
            for t in range(h):
                vals = [mean[t] if ty == "mean" else quant[taus.index(float(ty))][t]
                        for ty in types]
                fc_rows.append(",".join([key[0], key[1], fmt_time(ws + t, freq, True),
                                         java_double(y[t]), first, last] +
                                        [java_double(v) for v in vals]))
        for first, last, met in rows:
            acc_rows.append(",".join([key[0], key[1], "Computed", first, last] +
                                     [fmt_metric(v) for v in met]))
        summary = []
        for col in range(len(rows[0][2])):
            vals = [r[2][col] for r in rows if not math.isnan(r[2][col])]
            summary.append(sum(vals) / len(vals) if vals else float("nan"))
        acc_rows.append(",".join([key[0], key[1], "Summary", rows[0][0], rows[-1][1]] +
                                 [fmt_metric(v) for v in summary]))

    header, actual = read_parts(os.path.join(a.export, "forecasted-values"))
    assert header == fc_header, f"forecast header {header!r} != {fc_header!r}"
    compare("forecasted-values", fc_rows, actual)
    header, actual = read_parts(os.path.join(a.export, "accuracy-metrics-values"))
    assert header == acc_header, f"accuracy header {header!r} != {acc_header!r}"
    compare("accuracy-metrics-values", acc_rows, actual)
    assert os.path.exists(os.path.join(a.export, "_CHECK")), "no _CHECK"

    with open(a.accuracy) as f:
        acc = json.load(f)
    tws = acc["PredictorEvaluationResults"][0]["TestWindows"]
    computed = [w for w in tws if w["EvaluationType"] == "COMPUTED"]
    assert len(computed) == len(windows)
    summaries = []
    for p, w in zip(pooled, computed):
        assert w["ItemCount"] == p["items"], (w["ItemCount"], p["items"])
        met = w["Metrics"]
        wql = [p["num"][i] / p["abs_y"] if p["abs_y"] else p["num"][i]
               for i in range(len(taus))]
        want = {"RMSE": math.sqrt(p["sq"] / p["n"]),
                "WAPE": p["ae"] / p["abs_y"] if p["abs_y"] else p["ae"],
                "MAPE": sum(p["mape"]) / len(p["mape"]) if p["mape"] else float("nan"),
                "MASE": sum(p["mase"]) / len(p["mase"]) if p["mase"] else float("nan")}
        got = met["ErrorMetrics"][0]
        for k, v in want.items():
            if math.isnan(v):
                assert k not in got, k
            else:
                assert math.isclose(got[k], v, rel_tol=REL_TOL), (k, got[k], v)
        losses = {l["Quantile"]: l["LossValue"] for l in met["WeightedQuantileLosses"]}
        for tau, v in zip(taus, wql):
            assert math.isclose(losses[tau], v, rel_tol=REL_TOL), (tau, losses[tau], v)
        summaries.append(want["RMSE"])
    srmse = acc["PredictorEvaluationResults"][0]["TestWindows"][0]["Metrics"]["RMSE"]
    assert math.isclose(srmse, sum(summaries) / len(summaries), rel_tol=REL_TOL)
    print(f"# reference: {len(fc_rows)} forecast rows and {len(acc_rows)} "
          f"accuracy rows match")


if __name__ == "__main__":
    try:
        main()
    except AssertionError as e:
        print(f"reference mismatch: {e}", file=sys.stderr)
        sys.exit(1)

#!/usr/bin/env python3
"""Prints 'N passed, N failed' over meson testlog.json files.

TAP tests (every Check unit test is one TAP subtest) count each `ok` /
`not ok` line; other tests count once by their result."""
import json
import re
import sys

passed = failed = 0
for path in sys.argv[1:]:
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            t = json.loads(line)
            out = t.get("stdout") or ""
            oks = len(re.findall(r"^ok\b", out, re.M))
            bad = len(re.findall(r"^not ok\b", out, re.M))
            if t.get("protocol") == "tap" or oks + bad:
                passed += oks
                failed += bad
                if t["result"] not in ("OK", "EXPECTEDFAIL") and bad == 0:
                    failed += 1
            elif t["result"] in ("OK", "EXPECTEDFAIL"):
                passed += 1
            else:
                failed += 1  # a skipped test counts as failed: nothing may skip
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)

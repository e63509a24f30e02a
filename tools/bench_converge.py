"""Measure site.yml against the emulator: one first converge, then no-op converges.

    python tools/bench_converge.py [--runs 3] [--port 4568]

Runs on an emulator of its own (fresh, stopped at the end) and prints the wall time of the first
converge, each no-op run with its changed count, and their median. A no-op run that changes
anything is reported, since its time would not measure a no-op.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def emulator(action: str, port: int) -> None:
    subprocess.run(
        [sys.executable, "-m", "tools.emulator", action, "--port", str(port)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def converge(port: int) -> tuple[float, int]:
    env = dict(os.environ, WEBCAST_AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", ANSIBLE_NOCOLOR="1")
    start = time.monotonic()
    result = subprocess.run(
        ["ansible-playbook", "-i", "inventories/local", "playbooks/site.yml"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    elapsed = time.monotonic() - start
    if result.returncode != 0:
        sys.exit(f"site.yml failed:\n{result.stdout[-3000:]}{result.stderr[-2000:]}")
    changed = sum(int(n) for n in re.findall(r"changed=(\d+)", result.stdout))
    return elapsed, changed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="no-op runs after the first (default 3)")
    parser.add_argument("--port", type=int, default=4568, help="the bench emulator's port (default 4568)")
    args = parser.parse_args()

    emulator("start", args.port)
    try:
        emulator("reset", args.port)
        first, changed = converge(args.port)
        print(f"first converge    {first:6.1f} s  changed={changed}")
        times = []
        for run in range(1, args.runs + 1):
            elapsed, changed = converge(args.port)
            times.append(elapsed)
            note = "" if changed == 0 else "  (NOT a no-op)"
            print(f"no-op run {run}       {elapsed:6.1f} s  changed={changed}{note}")
        print(
            f"no-op median      {statistics.median(times):6.1f} s  over {len(times)} runs "
            f"({statistics.median(times) / first:.2f} of the first converge)"
        )
    finally:
        emulator("stop", args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())

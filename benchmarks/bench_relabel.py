"""Throughput and peak memory of ``feedback-nlp relabel``: local engine vs Ray with 1 and 2 actors.

    .venv/bin/python benchmarks/bench_relabel.py [--rows 100000] [--configs local,ray1,ray2]

Input: the shared review texts (../shared/data/reviews_train.csv, 61,477 rows); when more rows are
asked for than the file holds, texts repeat with new ids (said in the output). Each configuration
runs the real CLI in a fresh subprocess; rows/s comes from the run's own summary (classification
phase, start-up excluded) and wall time includes start-up (imports, model load, Ray start). Peak
memory is the largest summed RSS of the process tree (driver + Ray processes), sampled every 0.2 s
from /proc (Linux). Skips with a message when the shared data is missing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "reviews_train.csv"
CLI = [sys.executable, "-c", "from feedback_nlp_cli.main import main; main()", "relabel"]
CONFIGS = {"local": ["--engine", "local"], "ray1": ["--engine", "ray", "--workers", "1", "--num-cpus", "1"],
           "ray2": ["--engine", "ray", "--workers", "2", "--num-cpus", "2"]}


def make_input(rows: int, path: Path) -> int:
    """Write ``rows`` reviews (id,text) to ``path``; returns how many distinct source rows were used."""
    with open(DATA, encoding="utf-8", newline="") as f:
        source = [(r["id"], r["text"]) for r in csv.DictReader(f)]
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "text"])
        for i in range(rows):
            ident, text = source[i % len(source)]
            w.writerow([ident if i < len(source) else f"{ident}#{i // len(source)}", text])
    return min(rows, len(source))


def tree_rss(root: int) -> int:
    """Summed RSS (bytes) of ``root`` and all its descendants, read from /proc."""
    parent, rss = {}, {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        parent[int(entry)] = int(fields.get("PPid", "0").strip() or 0)
        rss[int(entry)] = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        kids = [c for c, p in parent.items() if p == pid and c not in tree]
        tree.update(kids)
        frontier += kids
    return sum(rss.get(p, 0) for p in tree)


def run_one(name: str, args: list[str], src: Path, out: Path, batch_size: int) -> dict:
    cmd = CLI + [str(src), "--output", str(out), "--batch-size", str(batch_size), "--no-progress",
                 "--log-every", "30"] + args
    started = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid))
        time.sleep(0.2)
    wall = time.monotonic() - started
    log = proc.stdout.read()
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed ({proc.returncode}):\n{log[-3000:]}")
    m = re.search(r"read (\d+), written (\d+), rejected (\d+), ([\d.]+) s, ([\d.]+) rows/s", log)
    return {"config": name, "read": int(m[1]), "written": int(m[2]), "rejected": int(m[3]),
            "run_seconds": float(m[4]), "rows_per_s": float(m[5]), "wall_seconds": round(wall, 1),
            "peak_rss_mib": round(peak / 2**20), "command": " ".join(cmd[3:])}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--configs", default="local,ray1,ray2")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--json", help="also write the results here")
    a = ap.parse_args()
    if not DATA.is_file():
        print(f"skipped: shared data not found at {DATA}")
        return
    with tempfile.TemporaryDirectory(prefix="bench-relabel-") as tmp:
        src = Path(tmp) / "reviews.csv"
        distinct = make_input(a.rows, src)
        print(f"input: {a.rows} rows ({distinct} distinct reviews{', repeated' if distinct < a.rows else ''}) "
              f"from {DATA.name}; CPUs: {os.cpu_count()}; load average: {os.getloadavg()[0]:.2f}")
        results = []
        for name in a.configs.split(","):
            r = run_one(name, CONFIGS[name], src, Path(tmp) / f"out-{name}", a.batch_size)
            results.append(r)
            print(f"{name:<6} {r['rows_per_s']:>8.1f} rows/s  run {r['run_seconds']:>7.1f} s  "
                  f"wall {r['wall_seconds']:>7.1f} s  peak RSS (tree) {r['peak_rss_mib']:>6} MiB  "
                  f"read {r['read']} written {r['written']} rejected {r['rejected']}", flush=True)
        base = next((r for r in results if r["config"] == "local"), None)
        if base:
            for r in results:
                print(f"  {r['config']}: {r['rows_per_s'] / base['rows_per_s']:.2f}x the local engine")
        print("\nreproduce with public tools (any id,text CSV as input; GNU time reports the driver's"
              " peak RSS, Ray workers are separate processes):")
        for r in results:
            print(f"  /usr/bin/time -v feedback-nlp relabel {r['command'].split(' ', 1)[1]}")
        if a.json:
            Path(a.json).write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()

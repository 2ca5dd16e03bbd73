"""HTTP load test of the service on loopback: throughput and p50/p95/p99 latency.

Starts the service (uvicorn + ``service.app:create_app``) in a subprocess on a fresh SQLite file, unless
``--url``/``--key`` point at a running one, then drives ``POST /v1/classify`` and ``POST /v1/feedback``
with an asyncio httpx client at each concurrency level for a fixed time.

    .venv/bin/python benchmarks/load_test.py --duration 10 --concurrency 1 8 32 --out runs/load.json

The load generator runs on the same machine as the service: on a small box it takes CPU from the
service, so treat the numbers as a lower bound for that box, and compare runs only on one machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

TEXTS = [
    "快递太慢了，三天还没到，客服也不理人",
    "我要注销账户，再也不用你们了，换别家",
    "东西很好，很满意，下次还来",
    "菜都凉了，送了一个多小时",
    "客服态度很差，问题一直不解决，我要投诉到12315",
    "价格太贵了，性价比不高，隔壁家便宜一半",
    "app一直闪退，登录不了，验证码收不到",
    "吃完拉肚子了，怀疑不新鲜",
    "每天打三个推销电话，烦死了，不要再打了",
    "说好的满减活动不给兑现，虚假宣传",
    "扣了两次费，退款到现在还没到账",
    "房间不干净，隔音差，前台态度还可以",
]


def pct(sorted_vals: list[float], q: float) -> float:
    if not sorted_vals:
        return float("nan")
    i = min(len(sorted_vals) - 1, max(0, int(round(q * (len(sorted_vals) - 1)))))
    return sorted_vals[i]


async def run_level(base: str, key: str, endpoint: str, concurrency: int, duration: float, tag: str) -> dict:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    counter = 0
    stop_at = time.perf_counter() + duration
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, limits=limits,
                                 timeout=30.0, trust_env=False) as client:

        async def worker(wid: int) -> None:
            nonlocal counter
            while time.perf_counter() < stop_at:
                counter += 1
                n = counter
                text = TEXTS[n % len(TEXTS)]
                if endpoint == "/v1/classify":
                    body = {"text": text, "id": str(n)}
                else:
                    body = {"text": text, "external_id": f"{tag}-{concurrency}-{wid}-{n}", "source": "load"}
                t0 = time.perf_counter()
                try:
                    r = await client.post(endpoint, json=body)
                    ok = r.status_code < 300
                    code = str(r.status_code)
                except httpx.HTTPError as exc:
                    ok, code = False, type(exc).__name__
                dt = time.perf_counter() - t0
                if ok:
                    latencies.append(dt)
                else:
                    errors[code] = errors.get(code, 0) + 1

        t_start = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        elapsed = time.perf_counter() - t_start
    lat = sorted(latencies)
    return {"endpoint": endpoint, "concurrency": concurrency, "seconds": round(elapsed, 2), "ok": len(lat),
            "errors": errors, "throughput_rps": round(len(lat) / elapsed, 1),
            "p50_ms": round(pct(lat, 0.50) * 1000, 1), "p95_ms": round(pct(lat, 0.95) * 1000, 1),
            "p99_ms": round(pct(lat, 0.99) * 1000, 1),
            "mean_ms": round(statistics.fmean(lat) * 1000, 1) if lat else None}


def start_service(workdir: Path, port: int, workers: int, url: str | None = None,
                  schema: str | None = None) -> tuple[subprocess.Popen, str]:
    from service.auth import create_api_key
    from service.db import Database
    from service.migrate import upgrade

    url = url or f"sqlite:///{workdir / 'load.sqlite'}"
    db = Database(url, schema)
    upgrade(db.engine, schema)
    with db.session() as s:
        key = create_api_key(s, "load-test", ["admin"], rate_limit_per_minute=10_000_000)[1]
    db.dispose()
    env = {**os.environ, "FEEDBACK_DATABASE_URL": url, "FEEDBACK_STATE_DIR": str(workdir / "state"),
           "FEEDBACK_BOOTSTRAP_ADMIN": "false", **({"FEEDBACK_DATABASE_SCHEMA": schema} if schema else {})}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "service.app:create_app", "--host",
                             "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning",
                             "--no-access-log"], cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=open(workdir / "service.log", "wb"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"service exited; see {workdir / 'service.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return proc, key
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit("service did not become ready in 120 s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--url", help="a running service (else one is started on a temporary SQLite file)")
    ap.add_argument("--key", help="API key with the ingest scope (with --url)")
    ap.add_argument("--port", type=int, default=18080)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn workers of the started service")
    ap.add_argument("--database-url", help="database of the started service (default: a temporary SQLite file); "
                                           "a PostgreSQL run uses a fresh schema, dropped afterwards")
    ap.add_argument("--duration", type=float, default=10.0, help="seconds per (endpoint, concurrency)")
    ap.add_argument("--concurrency", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--endpoints", nargs="+", default=["/v1/classify", "/v1/feedback"])
    ap.add_argument("--out", type=Path, help="write the results as JSON here")
    args = ap.parse_args()

    proc = None
    schema = None
    tmp = tempfile.TemporaryDirectory(prefix="feedback-load-")
    try:
        if args.url:
            if not args.key:
                raise SystemExit("--url needs --key")
            base, key = args.url.rstrip("/"), args.key
        else:
            if args.database_url and not args.database_url.startswith("sqlite"):
                schema = f"load_{int(time.time())}"
            proc, key = start_service(Path(tmp.name), args.port, args.workers, args.database_url, schema)
            base = f"http://127.0.0.1:{args.port}"
        tag = f"run{int(time.time())}"
        results = []
        # warm-up: first requests load caches
        asyncio.run(run_level(base, key, "/v1/classify", 1, 1.0, tag + "w"))
        for endpoint in args.endpoints:
            for c in args.concurrency:
                r = asyncio.run(run_level(base, key, endpoint, c, args.duration, tag))
                results.append(r)
                print(f"{endpoint:14s} c={c:<3d} {r['throughput_rps']:8.1f} req/s  p50 {r['p50_ms']:7.1f} ms  "
                      f"p95 {r['p95_ms']:7.1f} ms  p99 {r['p99_ms']:7.1f} ms  ok {r['ok']}  errors {r['errors']}",
                      flush=True)
        report = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                              "platform": platform.platform()},
                  "service": {"url": base, "workers": None if args.url else args.workers,
                              "database": "given" if args.url else (
                                  "postgresql" if schema else "sqlite (temporary file)")},
                  "duration_s": args.duration, "results": results}
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(report, indent=2), "utf-8")
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        tmp.cleanup()
        if schema:
            from sqlalchemy import create_engine, text

            from service.db import normalize_url

            eng = create_engine(normalize_url(args.database_url))
            with eng.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            eng.dispose()


if __name__ == "__main__":
    main()

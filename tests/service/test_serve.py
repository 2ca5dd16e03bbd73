"""Layer 9: ``feedback-nlp serve`` on embedded defaults (SQLite file, shipped model and rules), two workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time

import httpx
import pytest

from .receivers import free_port


@pytest.mark.slow
def test_serve_with_two_workers_prints_one_admin_key_and_serves(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK")}
    env["PYTHONUNBUFFERED"] = "1"
    log = tmp_path / "serve.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "feedback_nlp_cli.main", "serve", "--port", str(port),
                                 "--workers", "2", "--log-level", "warning"],
                                cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        ready = False
        while time.monotonic() < deadline and not ready:
            assert proc.poll() is None, log.read_text(errors="replace")
            try:
                ready = httpx.get(base + "/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.2)
        assert ready, log.read_text(errors="replace")
        text = log.read_text(errors="replace")
        keys = re.findall(r"first admin API key \(shown once, store it now\): (fnk_\S+)", text)
        assert len(keys) == 1, text
        assert (tmp_path / "var" / "feedback.sqlite").is_file()  # the embedded default database
        h = {"Authorization": f"Bearer {keys[0]}"}
        with httpx.Client(base_url=base, headers=h) as c:
            # several requests so that both workers answer; the shipped default rules are in force
            for i in range(6):
                r = c.post("/v1/feedback", json={"text": f"我要注销账户，再也不用你们了，换别家{i}"})
                assert r.status_code == 201, r.text
            assert c.get("/v1/config/rules").json()["created_by"] == "system"
            assert c.post("/v1/classify", json={"text": "快递太慢了"}).json()["sentiment"]["label"] == "negative"
            assert "feedback_classifications_total" in c.get("/metrics").text
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert keys[0] not in "\n".join(line for line in log.read_text(errors="replace").splitlines()
                                   if "first admin API key" not in line)

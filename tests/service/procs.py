"""Run the service as a real subprocess (uvicorn + the app factory) for crash and multi-process tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .receivers import free_port

REPO = Path(__file__).resolve().parents[2]


class ServiceProcess:
    def __init__(self, env: dict[str, str], log_path: Path, port: int | None = None):
        self.port = port or free_port()
        self.env = {**os.environ, **env, "PYTHONUNBUFFERED": "1"}
        self.log_path = log_path
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> "ServiceProcess":
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "service.app:create_app", "--host", "127.0.0.1",
             "--port", str(self.port), "--log-level", "warning"],
            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"service exited: {self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError("service did not become ready")

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no chance to finish anything."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def service_env(db_url: str, state_dir: Path, rules: Path, channels: list[dict], **extra: str) -> dict[str, str]:
    return {"FEEDBACK_DATABASE_URL": db_url, "FEEDBACK_STATE_DIR": str(state_dir), "FEEDBACK_NLP_RULES": str(rules),
            "FEEDBACK_CHANNELS": json.dumps(channels), "FEEDBACK_WORKER_POLL_SECONDS": "0.1",
            "FEEDBACK_BOOTSTRAP_ADMIN": "false", **extra}

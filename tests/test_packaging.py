"""A wheel (non-editable install) carries the shipped model, lexicon and rules and uses them.

Builds the project's wheel, installs it into a folder away from the checkout and classifies a text
from there with no environment overrides: the model answering must be the one ``models/DEFAULT``
names, read from the installed copy.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # build from a copy: setuptools reuses a checkout's build/ folder, whose stale files would hide
    # what the current configuration leaves out
    src = tmp_path_factory.mktemp("src") / "feedback-nlp"
    skip = shutil.ignore_patterns(".git", ".venv", "build", "dist", "runs", "var", "corpus", "*.egg-info",
                                  "__pycache__", ".pytest_cache", ".hypothesis")
    shutil.copytree(ROOT, src, ignore=skip)
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(src)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (whl,) = out.glob("feedback_nlp-*.whl")
    return whl


def test_wheel_carries_shipped_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    default = (ROOT / "models" / "DEFAULT").read_text("utf-8").strip()
    for shipped in (ROOT / "models" / default).rglob("*"):
        if shipped.is_file():
            assert f"feedback_nlp_models/{shipped.relative_to(ROOT / 'models').as_posix()}" in names
    assert "feedback_nlp_models/DEFAULT" in names
    assert "feedback_nlp_lexicons/warning_keywords.yaml" in names
    assert "feedback_nlp_lexicons/user_dict.txt" in names
    assert "feedback_nlp_rules/default_rules.yaml" in names
    assert "feedback_nlp_rules/holidays_extra.yaml" in names
    assert "service/migrations/versions/0001_initial_schema.py" in names
    assert "service/migrations/script.py.mako" in names
    assert any(n.startswith("service/static/") for n in names)
    assert "feedback_nlp/data/taxonomy.yaml" in names


_PROBE = r"""
import json, sys
import feedback_nlp
from feedback_nlp import paths
from feedback_nlp.pipeline import build_pipeline
pipe = build_pipeline(None, None)
res = pipe.classify("客服態度太差了，再這樣我就銷號換別家")
print(json.dumps({
    "code": feedback_nlp.__file__,
    "models": str(paths.models_dir()),
    "lexicon": str(paths.default_lexicon_path()),
    "rules": str(paths.default_rules_path()),
    "result": res,
}, ensure_ascii=False, default=str))
"""


def test_installed_wheel_classifies_with_shipped_model(wheel, tmp_path):
    site = tmp_path / "site"
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "-q", "--target", str(site), str(wheel)],
        capture_output=True, text=True, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if not k.startswith("FEEDBACK_NLP_")}
    env["PYTHONPATH"] = str(site)  # ahead of the editable install of the checkout
    run = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=600,
                         cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    for key in ("code", "models", "lexicon", "rules"):
        assert Path(out[key]).resolve().is_relative_to(site.resolve()), (key, out[key])
    assert Path(out["rules"]).is_file() and Path(out["lexicon"]).is_file()
    default = (ROOT / "models" / "DEFAULT").read_text("utf-8").strip()
    result = out["result"]
    assert result["model_version"] == default
    assert result["sentiment"]["label"] == "negative"

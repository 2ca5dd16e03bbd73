"""A run killed with SIGKILL mid-way and resumed writes exactly what an uninterrupted run writes."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time

import pytest

from feedback_nlp.batch import RelabelOptions, ResumeProblem, relabel
from feedback_nlp.batch.manifest import Manifest

from .conftest import good_rows, read_records, read_rejects, tree_bytes, write_csv, write_jsonl

CLI = [sys.executable, "-c", "from feedback_nlp_cli.main import main; main()", "relabel"]


def _inputs(tmp_path):
    rows = good_rows(1500)
    for i in range(0, 1500, 97):  # sprinkle rejects so they are resumed too
        rows[i]["text"] = "" if i % 2 else "长" * 300
    a = write_csv(tmp_path / "a.csv", rows[:900])
    b = write_jsonl(tmp_path / "b.jsonl", rows[900:])
    return [str(a), str(b)]


def _cli(args, **kw):
    return subprocess.run(CLI + args, capture_output=True, text=True, timeout=300, **kw)


def _relabel(inputs, out, **kw):
    err = io.StringIO()
    summary = relabel(RelabelOptions(inputs=inputs, output=str(out), **kw), stream=err)
    return summary, err.getvalue()


@pytest.mark.slow
def test_sigkill_then_resume_equals_uninterrupted_run(tmp_path):
    inputs = _inputs(tmp_path)
    opts = ["--shard-size", "200", "--batch-size", "50", "--max-chars", "200", "--keep", "channel"]

    reference = tmp_path / "reference"  # the same options, in-process, never interrupted
    _relabel(inputs, reference, shard_size=200, batch_size=50, max_chars=200, keep=["channel"])

    killed = tmp_path / "killed"
    proc = subprocess.Popen(CLI + inputs + ["--output", str(killed)] + opts,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not (killed / "part-00001.parquet").exists():
        assert proc.poll() is None, "run ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    partial = Manifest.load(killed)
    assert partial is not None and not partial.complete
    assert 1 <= len(partial.shards) < 8  # stopped part-way; a shard file may exist that the manifest lacks
    assert not (killed / "rejects.jsonl").exists()

    again = _cli(inputs + ["--output", str(killed)] + opts)
    assert again.returncode == 2 and "--resume" in again.stderr

    resumed = _cli(inputs + ["--output", str(killed), "--resume"] + opts)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resuming at row {partial.next_position}" in resumed.stderr

    assert tree_bytes(killed) == tree_bytes(reference)  # byte for byte, manifest included
    records, rejects = read_records(killed), read_rejects(killed)
    assert len(records) + len(rejects) == 1500
    assert len({r["id"] for r in records} | {r["id"] for r in rejects}) == 1500  # nothing lost, nothing twice
    manifest = json.loads((killed / "manifest.json").read_text())
    assert manifest["complete"] and manifest["totals"]["read"] == 1500


def test_resume_of_a_complete_run_changes_nothing(tmp_path):
    inputs = _inputs(tmp_path)[:1]
    out = tmp_path / "out"
    _relabel(inputs, out, format="jsonl", shard_size=400)
    before = tree_bytes(out)
    summary, err = _relabel(inputs, out, format="jsonl", shard_size=400, resume=True)
    assert (summary.read, summary.written + summary.rejected) == (900, 900)
    assert tree_bytes(out) == before


def test_resume_redoes_a_listed_shard_whose_file_is_gone(tmp_path):
    inputs = _inputs(tmp_path)[:1]
    out = tmp_path / "out"
    _relabel(inputs, out, shard_size=400)
    before = tree_bytes(out)
    (out / "part-00001.parquet").unlink()
    _, err = _relabel(inputs, out, shard_size=400, resume=True)
    assert "resuming at row 400" in err
    assert tree_bytes(out) == before


def test_resume_refuses_changed_input_or_options(tmp_path):
    inputs = _inputs(tmp_path)[:1]
    out = tmp_path / "out"
    _relabel(inputs, out, shard_size=400)
    with pytest.raises(ResumeProblem, match="shard_size"):
        _relabel(inputs, out, shard_size=300, resume=True)
    with open(inputs[0], "a", encoding="utf-8") as f:
        f.write("new1,又来一条,app\n")
    with pytest.raises(ResumeProblem, match="different inputs or options"):
        _relabel(inputs, out, shard_size=400, resume=True)


class _CrashingClassifier:
    """The real pipeline, but the process 'dies' (raises) on the n-th batch."""

    def __init__(self, pipeline, crash_on_batch: int):
        self.pipeline, self.crash_on_batch, self.calls = pipeline, crash_on_batch, 0
        self.model_version, self.lexicon_version = pipeline.model_version, pipeline.lexicon_version
        self.max_chars = pipeline.max_chars

    def classify_batch(self, texts, ids=None):
        self.calls += 1
        if self.calls == self.crash_on_batch:
            raise KeyboardInterrupt("simulated crash")
        return self.pipeline.classify_batch(texts, ids)


@pytest.mark.parametrize("crash_on_batch", [2, 7])  # before the first shard; after a few shards
def test_crash_then_resume_equals_uninterrupted_run(tmp_path, pipeline, crash_on_batch):
    inputs = _inputs(tmp_path)[:1]
    opts = dict(shard_size=250, batch_size=50, max_chars=200)
    _relabel(inputs, tmp_path / "reference", **opts)
    out = tmp_path / "crashed"
    with pytest.raises(KeyboardInterrupt):
        relabel(RelabelOptions(inputs=inputs, output=str(out), **opts),
                classifier_factory=lambda: _CrashingClassifier(pipeline, crash_on_batch), stream=io.StringIO())
    assert len(Manifest.load(out).shards) == (crash_on_batch - 1) * 50 // 250
    _relabel(inputs, out, resume=True, **opts)
    assert tree_bytes(out) == tree_bytes(tmp_path / "reference")

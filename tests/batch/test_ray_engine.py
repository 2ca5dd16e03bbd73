"""--engine ray (local Ray, 2 actors) writes the same bytes as the local engine."""

from __future__ import annotations

import io
import warnings

import pytest

from feedback_nlp.batch import RaySettings, RelabelOptions, relabel

from .conftest import good_rows, read_records, tree_bytes, write_csv, write_jsonl, write_parquet

pytest.importorskip("ray")


@pytest.mark.slow
def test_ray_engine_output_equals_local_engine(tmp_path):
    rows = good_rows(300)
    rows[7]["text"] = ""
    rows[150]["id"] = None
    inputs = [str(write_csv(tmp_path / "a.csv", rows[:100])), str(write_jsonl(tmp_path / "b.jsonl", rows[100:220])),
              str(write_parquet(tmp_path / "c.parquet", rows[220:]))]
    common = dict(inputs=inputs, shard_size=64, batch_size=16, keep=["channel"])
    local = relabel(RelabelOptions(output=str(tmp_path / "local"), **common), stream=io.StringIO())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ray_summary = relabel(RelabelOptions(output=str(tmp_path / "ray"), engine="ray",
                                             ray=RaySettings(workers=2, num_cpus=2), **common),
                              stream=io.StringIO())
    assert (ray_summary.read, ray_summary.written, ray_summary.rejected) == (300, 298, 2)
    assert (local.read, local.written, local.rejected) == (300, 298, 2)
    assert tree_bytes(tmp_path / "ray") == tree_bytes(tmp_path / "local")
    assert len(list((tmp_path / "ray").glob("part-*.parquet"))) == 5
    assert [r["id"] for r in read_records(tmp_path / "ray")][:3] == ["r00000", "r00001", "r00002"]

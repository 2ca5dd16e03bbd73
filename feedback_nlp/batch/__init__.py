"""Batch re-labelling: classify large historical files, resumably, locally or on Ray.

    from feedback_nlp.batch import RelabelOptions, relabel, diff_outputs
    summary = relabel(RelabelOptions(inputs=["history/*.csv"], output="out/v2"))
    report = diff_outputs("out/v1", "out/v2")

Modules: ``inputs`` (files, streaming via ``datasets``), ``prepare`` (reject checks), ``labeling``
(classify a batch; shared by both engines), ``engines`` (local / Ray Data), ``shards`` and
``manifest`` (atomic, position-sharded output), ``progress``, ``alerts`` (``--rules``), ``diff``.
See ``docs/batch.md``.
"""

from .diff import DiffProblem, diff_outputs, format_report, write_changed_csv
from .engines import RaySettings
from .inputs import InputProblem
from .manifest import ResumeProblem
from .plan import PipelineFactory
from .progress import Summary
from .run import RelabelOptions, relabel

__all__ = [
    "DiffProblem", "InputProblem", "PipelineFactory", "RaySettings", "RelabelOptions", "ResumeProblem",
    "Summary", "diff_outputs", "format_report", "relabel", "write_changed_csv",
]

"""The two engines. Each turns a :class:`ReadPlan` into lists of outcomes in input-position order.

``local``: one process, the classifier built once. ``ray``: Ray Data ``map_batches`` with an actor
pool; one read task (pinned to the driver's node, so inputs only need to exist there) streams the
prepared rows, each actor builds the classifier once, and ``preserve_order`` keeps the outcomes in
input order so the shard writer (in the driver) writes the same files as the local engine.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Callable, Iterator

from .labeling import Alerter, Classifier, label_rows
from .plan import ReadPlan
from .prepare import Prepared

ClassifierFactory = Callable[[], Classifier]
AlerterFactory = Callable[[], Alerter]


def run_local(plan: ReadPlan, classifier: Classifier, alerter: Alerter | None = None) -> Iterator[list[dict]]:
    for batch in plan.iter_prepared():
        yield label_rows(batch, classifier, alerter)


# --- Ray -------------------------------------------------------------------------------------------

BLOCK_BYTES = 64 * 1024
WIRE_COLUMNS = ("position", "source_file", "source_row", "id", "text", "keep", "reject", "message", "preview")


def _wire_schema():
    import pyarrow as pa

    ints = {"position", "source_row"}
    return pa.schema([pa.field(c, pa.int64() if c in ints else pa.string()) for c in WIRE_COLUMNS])


def _read_task(_batch, plan: ReadPlan):
    """Generator UDF: streams the whole input as Arrow tables of prepared rows."""
    import pyarrow as pa

    schema = _wire_schema()
    for rows in plan.iter_prepared():
        yield pa.Table.from_pylist([r.to_wire() for r in rows], schema=schema)


class _LabelActor:
    """One per Ray worker: builds the classifier (and alerter) once, then labels batches."""

    def __init__(self, classifier_factory: ClassifierFactory, alerter_factory: AlerterFactory | None):
        self.classifier = classifier_factory()
        self.alerter = alerter_factory() if alerter_factory is not None else None

    def __call__(self, table):
        import pyarrow as pa

        rows = [Prepared.from_wire(d) for d in table.to_pylist()]
        outcomes = label_rows(rows, self.classifier, self.alerter)
        return pa.table({
            "position": pa.array([o["position"] for o in outcomes], type=pa.int64()),
            "outcome": pa.array([json.dumps(o, ensure_ascii=False) for o in outcomes], type=pa.string()),
        })


@dataclass
class RaySettings:
    workers: int = 2
    address: str | None = None  # None: start a local Ray instance
    num_cpus: int | None = None  # local instance only; default: workers


def run_ray(plan: ReadPlan, classifier_factory: ClassifierFactory, alerter_factory: AlerterFactory | None,
            settings: RaySettings) -> Iterator[list[dict]]:
    import ray
    from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

    started_here = not ray.is_initialized()
    if started_here:
        if settings.address:
            ray.init(address=settings.address, logging_level=logging.WARNING, log_to_driver=False)
        else:
            ray.init(num_cpus=settings.num_cpus or settings.workers, include_dashboard=False,
                     logging_level=logging.WARNING, log_to_driver=False)
    try:
        ctx = ray.data.DataContext.get_current()
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = False
        # Ray merges a task's outputs up to this size (128 MiB by default): the whole input would
        # become one block and reach a single actor. Small blocks keep every actor busy.
        ctx.target_max_block_size = BLOCK_BYTES
        here = NodeAffinitySchedulingStrategy(node_id=ray.get_runtime_context().get_node_id(), soft=False)
        ds = ray.data.from_items([{"start": plan.start}]).map_batches(
            _read_task, fn_kwargs={"plan": plan}, batch_size=1, batch_format="pyarrow",
            num_cpus=0, ray_remote_args_fn=lambda: {"scheduling_strategy": here},
        )
        ds = ds.map_batches(
            _LabelActor, fn_constructor_kwargs={"classifier_factory": classifier_factory,
                                                "alerter_factory": alerter_factory},
            batch_size=plan.batch_size, batch_format="pyarrow", num_cpus=1,
            compute=ray.data.ActorPoolStrategy(size=settings.workers),
        )
        for table in ds.iter_batches(batch_size=None, batch_format="pyarrow"):
            yield [json.loads(s) for s in table.column("outcome").to_pylist()]
    finally:
        if started_here:
            ray.shutdown()

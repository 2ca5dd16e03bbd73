"""``POST /v1/classify``: stateless classification of one text or a batch (≤ 1,000)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from feedback_nlp.errors import InputError

from ..auth import Principal, require
from ..errors import ApiError
from ..schemas import ClassifyRequest

router = APIRouter(prefix="/v1", tags=["classify"])


def input_error(exc: InputError, field: str) -> ApiError:
    return ApiError(422, exc.code, exc.message, field)


@router.post("/classify", summary="Classify one text or a batch; same JSON as the CLI")
def classify(body: ClassifyRequest, request: Request, _p: Principal = Depends(require("ingest"))) -> dict:
    clf = request.app.state.classifier
    metrics = request.app.state.metrics
    if body.text is not None:
        try:
            result = clf.classify(body.text, id=body.id)
        except InputError as exc:
            raise input_error(exc, "text") from exc
        metrics.classifications.labels("classify").inc()
        return result
    texts = [it.text for it in body.items]
    results = clf.classify_batch(texts, [it.id for it in body.items])
    errors = [{"code": r.code, "message": r.message, "field": f"items.{i}.text"}
              for i, r in enumerate(results) if isinstance(r, InputError)]
    if errors:  # all or nothing: the caller fixes the batch and sends it again
        raise ApiError(422, errors[0]["code"], errors[0]["message"], errors[0]["field"], details=errors)
    metrics.classifications.labels("classify").inc(len(results))
    p = clf.get()
    return {"results": results, "model_version": p.model_version, "lexicon_version": p.lexicon_version}

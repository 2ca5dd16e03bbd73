"""The feedback-nlp HTTP service: ingest, classify, alert, deliver, triage.

A thin shell over the ``feedback_nlp`` library (the library never imports this package).
Start it with ``feedback-nlp serve`` or ``uvicorn --factory service.app:create_app``.
"""

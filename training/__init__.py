"""Pre-training of the project's compact Chinese BERT (corpus, vocabulary, MLM, probe, shipping).

Needs the ``train`` extra (torch, transformers, tokenizers, snownlp, scikit-learn, matplotlib).
Run ``python -m training --help``.
"""

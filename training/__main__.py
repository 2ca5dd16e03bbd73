"""``python -m training corpus|vocab|time|pretrain|perplexity|probe|ship`` (see docs/training.md)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _cmd_corpus(a) -> None:
    from training.corpus import build_default_corpus

    reviews = None if a.no_reviews else Path(a.reviews)
    res = build_default_corpus(Path(a.out), reviews, heldout_per_mille=a.heldout_per_mille)
    for name, st in res.sources.items():
        print(f"{name:20s} train {st.train_chars:>10,d} chars {st.train_lines:>7,d} lines  heldout {st.heldout_chars:>8,d} chars")
    print("total", json.dumps(res.totals()))


def _cmd_vocab(a) -> None:
    from training.vocab import build_vocab, read_lines, write_vocab

    tokens = build_vocab(
        read_lines(Path(a.corpus) / "train.txt"),
        max_cjk=a.max_cjk,
        min_cjk_freq=a.min_cjk_freq,
        wordpiece_size=a.wordpiece_size,
    )
    write_vocab(tokens, Path(a.out))
    print(f"{len(tokens)} tokens -> {Path(a.out) / 'vocab.txt'}")


def _pretrain_config(a):
    from training.pretrain import PretrainConfig

    return PretrainConfig(
        out_dir=a.out,
        corpus_dir=a.corpus,
        vocab_dir=a.vocab,
        base_model=a.base_model,
        layers=a.layers,
        hidden=a.hidden,
        heads=a.heads,
        seq_len=a.seq_len,
        batch_size=a.batch_size,
        lr=a.lr,
        warmup_steps=a.warmup_steps,
        max_steps=a.max_steps,
        max_minutes=a.max_minutes,
        schedule=a.schedule,
        stop_at_step=a.stop_at_step,
        checkpoint_minutes=a.checkpoint_minutes,
        seed=a.seed,
        threads=a.threads,
    )


def _cmd_pretrain(a) -> None:
    from training.pretrain import train

    summary = train(_pretrain_config(a), resume=a.resume, log=lambda m: print(m, flush=True))
    print(json.dumps({k: v for k, v in summary.items() if k != "config"}, indent=2))


def _cmd_time(a) -> None:
    from training.data import load_or_encode
    from training.pretrain import time_candidates
    from training.vocab import load_tokenizer

    tok = load_tokenizer(Path(a.vocab) / "vocab.txt")
    data = load_or_encode(Path(a.corpus) / "heldout.txt", tok, a.seq_len, Path(a.cache))
    cands = [tuple(int(x) for x in c.split("x")) for c in a.candidates]
    rows = time_candidates(cands, steps=a.steps, batch_size=a.batch_size, seq_len=a.seq_len, data=data, tokenizer=tok, threads=a.threads)
    if a.json_out:
        Path(a.json_out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.json_out).write_text(json.dumps(rows, indent=2), encoding="utf-8")


def _cmd_perplexity(a) -> None:
    from training.perplexity import perplexity_report

    rep = perplexity_report(Path(a.model), Path(a.corpus) / "heldout.txt", max_sequences=a.max_sequences, seed=a.seed)
    print(json.dumps(rep, indent=2))
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(rep, indent=2), encoding="utf-8")


def _cmd_probe(a) -> None:
    from training.probe import run_probe

    rep = run_probe(Path(a.model), Path(a.reviews), n_train=a.n_train, n_dev=a.n_dev, seed=a.seed)
    print(json.dumps(rep, indent=2))
    if a.json_out:
        Path(a.json_out).write_text(json.dumps(rep, indent=2), encoding="utf-8")


def _cmd_ship(a) -> None:
    from training.ship import ship

    ship(Path(a.model), Path(a.out), results_dir=Path(a.results), dtype=a.dtype)
    print(f"shipped to {a.out}")


# the classifier stages, each its own module with its own options (python -m training STAGE --help)
CLASSIFIER_STAGES = {
    "train-linear": "training.linear", "finetune": "training.finetune", "export": "training.export_onnx",
    "stack": "training.stack", "evaluate": "training.evaluate", "ship-model": "training.ship_model",
}


def main(argv: list[str] | None = None) -> int:
    import importlib

    from training.corpus import DEFAULT_REVIEWS

    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in CLASSIFIER_STAGES:
        return importlib.import_module(CLASSIFIER_STAGES[argv[0]]).main(argv[1:]) or 0

    p = argparse.ArgumentParser(
        prog="python -m training",
        description="Build the compact Chinese BERT: corpus, vocabulary, pre-training, evaluation, shipping. "
                    f"Classifier stages (own options, see STAGE --help): {', '.join(CLASSIFIER_STAGES)}.")
    sub = p.add_subparsers(dest="cmd", required=True)

    c = sub.add_parser("corpus", help="build the cleaned, deduplicated pre-training corpus")
    c.add_argument("--out", default="corpus", help="output folder (train.txt, heldout.txt, stats.json)")
    c.add_argument("--reviews", default=str(DEFAULT_REVIEWS), help="shared reviews CSV (train split is used)")
    c.add_argument("--no-reviews", action="store_true", help="leave the shared reviews out")
    c.add_argument("--heldout-per-mille", type=int, default=10, help="share of lines held out for perplexity (per mille)")
    c.set_defaults(func=_cmd_corpus)

    v = sub.add_parser("vocab", help="build vocab.txt (CJK characters + WordPiece) and tokenizer files")
    v.add_argument("--corpus", default="corpus")
    v.add_argument("--out", default="runs/vocab")
    v.add_argument("--max-cjk", type=int, default=7000)
    v.add_argument("--min-cjk-freq", type=int, default=3)
    v.add_argument("--wordpiece-size", type=int, default=3000)
    v.set_defaults(func=_cmd_vocab)

    def add_model_args(sp, *, timing: bool = False):
        sp.add_argument("--corpus", default="corpus")
        sp.add_argument("--vocab", default="runs/vocab", help="folder with vocab.txt (ignored with --base-model)")
        sp.add_argument("--seq-len", type=int, default=128)
        sp.add_argument("--batch-size", type=int, default=32)
        sp.add_argument("--threads", type=int, default=2, help="torch threads")

    t = sub.add_parser("time", help="measure seconds per training step of candidate sizes")
    add_model_args(t, timing=True)
    t.add_argument("--candidates", nargs="+", default=["4x256x4", "4x320x5", "6x256x4"], help="LAYERSxHIDDENxHEADS")
    t.add_argument("--steps", type=int, default=5)
    t.add_argument("--cache", default="runs/data")
    t.add_argument("--json-out", default="runs/timing.json")
    t.set_defaults(func=_cmd_time)

    r = sub.add_parser("pretrain", help="MLM pre-training with whole-word masking (resumable)")
    add_model_args(r)
    r.add_argument("--out", default="runs/pretrain")
    r.add_argument("--base-model", default=None, help="Hugging Face id or local path of a BERT to continue pre-training")
    r.add_argument("--layers", type=int, default=4)
    r.add_argument("--hidden", type=int, default=256)
    r.add_argument("--heads", type=int, default=4)
    r.add_argument("--lr", type=float, default=7e-4)
    r.add_argument("--warmup-steps", type=int, default=200)
    r.add_argument("--max-steps", type=int, default=3000, help="length of the learning-rate schedule")
    r.add_argument("--max-minutes", type=float, default=None, help="wall-clock budget: stop and save when spent")
    r.add_argument("--schedule", choices=["steps", "time"], default="steps", help="decay the learning rate to zero at --max-steps or when --max-minutes are spent")
    r.add_argument("--stop-at-step", type=int, default=None, help="stop and checkpoint at this step (resume later with --resume)")
    r.add_argument("--checkpoint-minutes", type=float, default=5.0)
    r.add_argument("--seed", type=int, default=1234)
    r.add_argument("--resume", action="store_true", help="continue from <out>/checkpoint.pt")
    r.set_defaults(func=_cmd_pretrain)

    x = sub.add_parser("perplexity", help="held-out MLM perplexity, trained vs same architecture untrained")
    x.add_argument("--model", default="runs/pretrain/final")
    x.add_argument("--corpus", default="corpus")
    x.add_argument("--max-sequences", type=int, default=400)
    x.add_argument("--seed", type=int, default=0)
    x.add_argument("--json-out", default="runs/perplexity.json")
    x.set_defaults(func=_cmd_perplexity)

    b = sub.add_parser("probe", help="logistic-regression probe on frozen embeddings vs untrained vs TF-IDF")
    b.add_argument("--model", default="runs/pretrain/final")
    b.add_argument("--reviews", default=str(DEFAULT_REVIEWS))
    b.add_argument("--n-train", type=int, default=3000)
    b.add_argument("--n-dev", type=int, default=2000)
    b.add_argument("--seed", type=int, default=0)
    b.add_argument("--json-out", default="runs/probe.json")
    b.set_defaults(func=_cmd_probe)

    s = sub.add_parser("ship", help="write models/encoder-zh-mini (safetensors, tokenizer, card)")
    s.add_argument("--model", default="runs/pretrain/final")
    s.add_argument("--out", default="models/encoder-zh-mini")
    s.add_argument("--results", default="runs", help="folder with perplexity.json, probe.json, timing.json")
    s.add_argument("--dtype", choices=["auto", "float16", "float32"], default="auto", help="auto: fp16 unless the probe says it hurts")
    s.set_defaults(func=_cmd_ship)

    a = p.parse_args(argv)
    a.func(a)
    return 0


if __name__ == "__main__":
    sys.exit(main())

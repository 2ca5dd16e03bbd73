"""The shipped encoder predicts masked Chinese text far better than the same architecture untrained."""

from pathlib import Path

import pytest

from training.perplexity import perplexity_report

ENCODER = Path(__file__).resolve().parents[2] / "models" / "encoder-zh-mini"
TEXTS = [
    "送餐速度很快，味道也不错，下次还会再来。",
    "房间干净整洁，前台服务态度很好，就是隔音差了一点。",
    "质量太差了，用了两天就坏了，客服也不理人，再也不买了。",
    "物流很快，包装完好，东西和描述的一样，好评。",
] * 4


@pytest.mark.skipif(not (ENCODER / "model.safetensors").is_file(), reason="shipped encoder not present")
def test_shipped_encoder_beats_untrained_on_heldout_style_text(tmp_path):
    held = tmp_path / "heldout.txt"
    held.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    report = perplexity_report(ENCODER, held, max_sequences=16, seed=0)
    pre, untrained = report["pretrained"], report["untrained"]
    assert pre["masked_tokens"] == untrained["masked_tokens"] > 0  # same masks for both
    assert pre["perplexity"] * 5 < untrained["perplexity"]

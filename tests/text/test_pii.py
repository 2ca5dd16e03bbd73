import pytest

from feedback_nlp.text.normalize import normalize
from feedback_nlp.text.pii import find_pii, luhn_valid, mask_pii, valid_id_number

VALID_ID = "11010519491231002X"  # GB 11643 example with a valid check digit
INVALID_ID = "110105194912310021"
VALID_CARD = "6222021234567890128"  # Luhn-valid 19 digits
INVALID_CARD = "6222021234567890123"


def test_id_checksum():
    assert valid_id_number(VALID_ID)
    assert not valid_id_number(INVALID_ID)
    assert not valid_id_number("110105194913310024")  # month 13


def test_luhn():
    assert luhn_valid(VALID_CARD)
    assert not luhn_valid(INVALID_CARD)


@pytest.mark.parametrize("text,kind,value", [
    ("电话13812345678请回电", "mobile", "13812345678"),
    ("手机 +86 138-1234-5678 谢谢", "mobile", "+86 138-1234-5678"),
    ("座机010-62345678转人工", "landline", "010-62345678"),
    ("打0755-2345678", "landline", "0755-2345678"),
    (f"身份证{VALID_ID}", "id_number", VALID_ID),
    (f"卡号{VALID_CARD}被盗刷", "bank_card", VALID_CARD),
    ("卡号 6222 0212 3456 7890 128 扣费", "bank_card", "6222 0212 3456 7890 128"),
    ("邮箱 zhang.san+vip@example.com.cn 联系", "email", "zhang.san+vip@example.com.cn"),
])
def test_detects(text, kind, value):
    spans = find_pii(text)
    assert [(s.type, text[s.start:s.end]) for s in spans] == [(kind, value)]


@pytest.mark.parametrize("text", [
    f"身份证{INVALID_ID}",  # bad checksum: not an ID (and not Luhn-valid either)
    f"订单号{INVALID_CARD}",
    "订单号 20261123000123456789 金额 128.50",  # 20 digits: neither phone nor card
    "价格12345678元",
    "12812345678",  # 12x is not a mobile prefix
])
def test_ignores_non_pii_numbers(text):
    assert find_pii(text) == []


def test_mask_is_length_preserving():
    text = f"我是13812345678，身份证{VALID_ID}"
    masked, spans = mask_pii(text)
    assert len(masked) == len(text)
    assert "13812345678" not in masked and VALID_ID not in masked
    assert masked.startswith("我是***********")
    assert len(spans) == 2


def test_full_width_digits_found_after_normalisation():
    text = "电话１３８１２３４５６７８"
    n = normalize(text)
    spans = find_pii(n.text)
    assert len(spans) == 1
    assert n.to_original(spans[0].start, spans[0].end) == (2, 13)

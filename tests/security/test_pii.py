"""The personal-data detector on Vietnamese text (what it must find, what it must leave alone), and
the per-turn redactor: stable numbered placeholders, mapping back, streamed deltas."""

from __future__ import annotations

import json

import pytest

from bureau.security.pii import (
    BANK_ACCOUNT,
    CCCD,
    CMND,
    EMAIL,
    PHONE,
    TAX_CODE,
    Redactor,
    find_pii,
)


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, f.value) for f in find_pii(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Citizen ID (CCCD): 12 digits, bare (province code + century digit) or labelled.
        ("Số CCCD của tôi là 001203004567, cấp ngày 12/05/2021.", [(CCCD, "001203004567")]),
        ("Căn cước công dân: 079089001234", [(CCCD, "079089001234")]),
        ("Ông A (036195012345) đã nộp hồ sơ.", [(CCCD, "036195012345")]),
        ("số định danh cá nhân 079 203 004 567", [(CCCD, "079 203 004 567")]),
        ("CCCD số 001.203.004.567 do Cục Cảnh sát cấp", [(CCCD, "001.203.004.567")]),
        # Old ID (CMND): 9 digits, labelled.
        ("CMND số 123456789 cấp tại Hà Nội", [(CMND, "123456789")]),
        ("Chứng minh nhân dân: 024 567 890", [(CMND, "024 567 890")]),
        ("số CMT 182345678", [(CMND, "182345678")]),
        # Phones: mobile, landline, +84, with separators.
        ("Liên hệ 0912345678.", [(PHONE, "0912345678")]),
        ("SĐT: 0912 345 678", [(PHONE, "0912 345 678")]),
        ("Gọi 0987.654.321 giờ hành chính", [(PHONE, "0987.654.321")]),
        ("di động 0356-123-456", [(PHONE, "0356-123-456")]),
        ("Hotline +84 912 345 678", [(PHONE, "+84 912 345 678")]),
        ("(+84) 912345678", [(PHONE, "(+84) 912345678")]),
        ("+84912345678", [(PHONE, "+84912345678")]),
        ("0084912345678", [(PHONE, "0084912345678")]),
        ("Văn phòng: (024) 3825 1234", [(PHONE, "(024) 3825 1234")]),
        ("Điện thoại 024.3825.1234, fax 028 3829 5678", [(PHONE, "024.3825.1234"), (PHONE, "028 3829 5678")]),
        ("ĐT 02438251234", [(PHONE, "02438251234")]),
        # E-mail.
        ("Gửi về nguyen.van.a@hanoi.gov.vn trước thứ Sáu", [(EMAIL, "nguyen.van.a@hanoi.gov.vn")]),
        ("Email: Tran_Thi-B+hs@sotp.danang.gov.vn.", [(EMAIL, "Tran_Thi-B+hs@sotp.danang.gov.vn")]),
        # Bank accounts: only with their words.
        ("Số tài khoản: 1903 5678 9012 34 tại Techcombank", [(BANK_ACCOUNT, "1903 5678 9012 34")]),
        ("chuyển khoản vào STK 0123456789 (Vietcombank)", [(BANK_ACCOUNT, "0123456789")]),
        ("tài khoản số 102-000-123456 mở tại VietinBank", [(BANK_ACCOUNT, "102-000-123456")]),
        ("số tài khoản của ông Nguyễn Văn A là 19035678901234", [(BANK_ACCOUNT, "19035678901234")]),
        # Tax codes: with their words, or the distinctive branch form.
        ("Mã số thuế: 0101234567", [(TAX_CODE, "0101234567")]),
        ("MST 0312345678 (không phải số điện thoại)", [(TAX_CODE, "0312345678")]),
        ("chi nhánh có mã 0101234567-001", [(TAX_CODE, "0101234567-001")]),
        ("mã số thuế cá nhân là 8012345678", [(TAX_CODE, "8012345678")]),
        # Several kinds together, in order.
        (
            "Ông B, CCCD 001203004567, SĐT 0912345678, email b@x.vn, STK 123456789012",
            [
                (CCCD, "001203004567"),
                (PHONE, "0912345678"),
                (EMAIL, "b@x.vn"),
                (BANK_ACCOUNT, "123456789012"),
            ],
        ),
    ],
)
def test_finds_vietnamese_personal_data(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Số: 123/QĐ-UBND ngày 01/02/2024",
        "Quyết định số 0912345678/QĐ-UBND",  # a document number, even one shaped like a phone
        "Nghị định 30/2020/NĐ-CP ngày 05/3/2020",
        "Số tiền 1.000.000.000 đồng",
        "tổng cộng 100000000000 đồng",  # 12 digits, but no province starts with 100
        "dân số 123456789 người",  # 9 digits without a CMND label
        "Thông tư 01/2011/TT-BNV, ngày 19.01.2011",
        "mã hồ sơ 000.00.00.H26-240101-0001",
        "Năm 2024 có 365 ngày, lúc 09:30",
        "tỷ lệ 0,5% và 0.912345678",
        "mã bưu chính 100000, tờ bản đồ số 12, thửa 345",
        "Điều 8 khoản 2; trang 12-15",
        "tài khoản người dùng nguyenvana",  # 'tài khoản' with no number
        "giá 12.345.678.901 đồng",
        "số hiệu 01234567 của lô hàng",  # 8 digits, no label
        "ID giao dịch 20241125093012345678",
        "Hệ thống quản lý văn bản và điều hành",
    ],
)
def test_leaves_numbers_that_are_not_personal_data(text: str) -> None:
    assert found(text) == []


def test_a_labelled_number_is_named_by_its_label_not_by_its_shape() -> None:
    # Both look like mobile numbers; the label wins.
    assert found("STK 0912345678") == [(BANK_ACCOUNT, "0912345678")]
    assert found("MST: 0312345678") == [(TAX_CODE, "0312345678")]
    # A 12-digit CCCD is not read as a phone number plus digits.
    assert found("001203004567") == [(CCCD, "001203004567")]


def test_same_value_gets_the_same_placeholder_within_a_turn() -> None:
    redactor = Redactor()
    first = redactor.redact("Gọi 0912 345 678 hoặc 0912345678; email A@B.vn, a@b.vn")
    assert first == "Gọi [SĐT_1] hoặc [SĐT_1]; email [EMAIL_1], [EMAIL_1]"
    second = redactor.redact("CCCD 001203004567, gọi +84 912 345 678, hoặc 0987654321")
    assert second == "CCCD [CCCD_1], gọi [SĐT_1], hoặc [SĐT_2]"
    assert redactor.counts == {PHONE: 2, EMAIL: 1, CCCD: 1}
    assert redactor.restore("[SĐT_2] và [CCCD_1], [SĐT_9], [1]") == "0987654321 và 001203004567, [SĐT_9], [1]"
    # A model that drops the diacritic still gets its value back.
    assert redactor.restore("[SDT_1]") == "0912 345 678"


def test_counts_never_hold_values() -> None:
    redactor = Redactor()
    redactor.redact("CCCD 001203004567, MST 0101234567, STK 19035678901234")
    assert redactor.counts == {CCCD: 1, TAX_CODE: 1, BANK_ACCOUNT: 1}
    assert "001203004567" not in json.dumps(redactor.counts)


def test_a_disabled_redactor_passes_text_through() -> None:
    redactor = Redactor(enabled=False)
    text = "CCCD 001203004567, SĐT 0912345678"
    assert redactor.redact(text) == text and redactor.counts == {}
    assert redactor.redact_json_text(json.dumps({"a": text})) == json.dumps({"a": text})


def test_json_is_redacted_value_by_value() -> None:
    redactor = Redactor()
    # An escaped newline right before the number would hide it from a scan of the raw JSON.
    raw = json.dumps({"untrusted_content": "Hồ sơ:\n0912345678\nCCCD 001203004567", "n": 1})
    out = json.loads(redactor.redact_json_text(raw))
    assert out == {"untrusted_content": "Hồ sơ:\n[SĐT_1]\nCCCD [CCCD_1]", "n": 1}
    assert redactor.redact_json_text("plain 0912345678") == "plain [SĐT_1]"
    assert redactor.restore_data({"to": ["[SĐT_1]"], "n": 2}) == {"to": ["0912345678"], "n": 2}


@pytest.mark.parametrize(
    "deltas",
    [
        ["Số của ông là [SĐT_1] và [CCCD_1]."],
        ["Số của ông là [", "SĐT_1] và [CCCD", "_1]."],
        ["Số của ông là [S", "Đ", "T", "_", "1", "]", " và [CCCD_", "1].", ""],
        ["Số của ông là [SĐT_1", "] và [CCCD_1", "]", "."],
    ],
)
def test_placeholders_split_across_deltas_are_mapped_back(deltas: list[str]) -> None:
    redactor = Redactor()
    redactor.redact("0912345678 001203004567")
    stream = redactor.stream()
    pieces = [stream.feed(d) for d in deltas] + [stream.flush()]
    assert "".join(pieces) == "Số của ông là 0912345678 và 001203004567."
    assert not any("[" in p for p in pieces)  # no piece of a placeholder reaches the user


def test_the_stream_holds_back_only_what_can_still_become_a_placeholder() -> None:
    redactor = Redactor()
    redactor.redact("0912345678")
    stream = redactor.stream()
    assert stream.feed("Theo Điều 5 [1] và [") == "Theo Điều 5 [1] và "
    assert stream.feed("2] nữa") == "[2] nữa"  # a citation marker, released at once
    assert stream.feed("xem [ghi chú]") == "xem [ghi chú]"
    assert stream.feed("[EMAIL_12") == ""
    assert stream.feed("3] ok") == "[EMAIL_123] ok"  # unknown placeholder: left as written
    assert stream.feed("cuối [SĐ") == "cuối "
    assert stream.flush() == "[SĐ"  # the end releases what was held


def test_without_placeholders_the_stream_is_untouched() -> None:
    stream = Redactor().stream()
    assert stream.feed("[SĐ") == "[SĐ" and stream.flush() == ""

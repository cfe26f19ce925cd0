"""The presentation rules of Nghị định 30/2020/NĐ-CP as data, and the form a drafted document fills.

Phụ lục I gives the layout (paper, margins, font, the size and style of each part); Phụ lục III the
abbreviations of document types. Every number below cites the clause it comes from, and the checker
reports the same clause back to the user.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

FONT = "Times New Roman"  # Phụ lục I, mục I.4

# Phụ lục I, mục I.1: A4, 210 mm × 297 mm.
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
PAGE_TOLERANCE_MM = 1.0

# Phụ lục I, mục I.3: (least, most) in millimetres; the draft uses the least.
MARGINS_MM: dict[str, tuple[float, float]] = {
    "top": (20.0, 25.0),
    "bottom": (20.0, 25.0),
    "left": (30.0, 35.0),
    "right": (15.0, 20.0),
}
MARGIN_TOLERANCE_MM = 0.5

# Sizes in points: (least, most) allowed, and what the draft uses.
SIZES: dict[str, tuple[float, float, float]] = {
    "national_title": (12, 13, 13),  # mục II.1.a
    "motto": (13, 14, 14),  # mục II.1.b
    "superior_body": (12, 13, 13),  # mục II.2.b
    "issuing_body": (12, 13, 13),  # mục II.2.b
    "number": (13, 13, 13),  # mục II.3.c
    "date": (13, 14, 14),  # mục II.4.c
    "title": (13, 14, 14),  # mục II.5.b
    "letter_subject": (12, 13, 13),  # mục II.5.b, "V/v" of a công văn
    "body": (13, 14, 14),  # mục II.6.e
    "signature": (13, 14, 14),  # mục II.7.đ
    "recipients_label": (12, 12, 12),  # mục II.9.d
    "recipients_list": (11, 11, 11),  # mục II.9.d
    "page_number": (13, 14, 14),  # mục I.7
}

NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Phụ lục I, mục II.7.b: how the signer's authority is written.
SIGNING_AUTHORITIES: dict[str, str] = {
    "TM.": "thay mặt tập thể lãnh đạo hoặc cơ quan, tổ chức",
    "KT.": "ký thay người đứng đầu",
    "Q.": "quyền cấp trưởng",
    "TL.": "thừa lệnh",
    "TUQ.": "thừa uỷ quyền",
}

# Phụ lục III, mục I: every abbreviation of a document type (công văn has none).
ABBREVIATIONS: dict[str, str] = {
    "NGHỊ QUYẾT": "NQ",
    "QUYẾT ĐỊNH": "QĐ",
    "CHỈ THỊ": "CT",
    "QUY CHẾ": "QC",
    "QUY ĐỊNH": "QyĐ",
    "THÔNG CÁO": "TC",
    "THÔNG BÁO": "TB",
    "HƯỚNG DẪN": "HD",
    "CHƯƠNG TRÌNH": "CTr",
    "KẾ HOẠCH": "KH",
    "PHƯƠNG ÁN": "PA",
    "ĐỀ ÁN": "ĐA",
    "DỰ ÁN": "DA",
    "BÁO CÁO": "BC",
    "BIÊN BẢN": "BB",
    "TỜ TRÌNH": "TTr",
    "HỢP ĐỒNG": "HĐ",
    "CÔNG ĐIỆN": "CĐ",
    "BẢN GHI NHỚ": "BGN",
    "BẢN THỎA THUẬN": "BTT",
    "GIẤY UỶ QUYỀN": "GUQ",
    "GIẤY MỜI": "GM",
    "GIẤY GIỚI THIỆU": "GGT",
    "GIẤY NGHỈ PHÉP": "GNP",
    "PHIẾU GỬI": "PG",
    "PHIẾU CHUYỂN": "PC",
    "PHIẾU BÁO": "PB",
}


@dataclass(frozen=True)
class DocumentType:
    code: str
    label: str  # as the user says it
    title: str  # the type name printed on the document; empty for a công văn
    abbreviation: str  # Phụ lục III; empty for a công văn
    salutation_required: bool = False  # "Kính gửi" (mục II.9.b)
    articles: bool = False  # the body is a list of articles (Mẫu 1.1 - 1.3)
    decision_word: str = ""  # "QUYẾT ĐỊNH:" / "QUYẾT NGHỊ:" above the articles
    sections: bool = False  # the body is divided into parts I., II. and items 1., 2., whose headings are bold
    minutes: bool = (
        False  # a biên bản (Mẫu 1.9): dated under its title, signed by the secretary and the chair
    )


def _typed(code: str, label: str, title: str, **extra: Any) -> DocumentType:
    return DocumentType(
        code=code, label=label, title=title, abbreviation=ABBREVIATIONS.get(title, ""), **extra
    )


DOCUMENT_TYPES: dict[str, DocumentType] = {
    t.code: t
    for t in [
        DocumentType(code="cong_van", label="Công văn", title="", abbreviation="", salutation_required=True),
        _typed("quyet_dinh", "Quyết định", "QUYẾT ĐỊNH", articles=True, decision_word="QUYẾT ĐỊNH:"),
        _typed("nghi_quyet", "Nghị quyết", "NGHỊ QUYẾT", articles=True, decision_word="QUYẾT NGHỊ:"),
        _typed("to_trinh", "Tờ trình", "TỜ TRÌNH", salutation_required=True),
        _typed("bao_cao", "Báo cáo", "BÁO CÁO", sections=True),
        _typed("thong_bao", "Thông báo", "THÔNG BÁO"),
        _typed("ke_hoach", "Kế hoạch", "KẾ HOẠCH", sections=True),
        _typed("giay_moi", "Giấy mời", "GIẤY MỜI"),
        _typed("bien_ban", "Biên bản", "BIÊN BẢN", minutes=True),
        _typed("chi_thi", "Chỉ thị", "CHỈ THỊ"),
        _typed("huong_dan", "Hướng dẫn", "HƯỚNG DẪN", sections=True),
        _typed("chuong_trinh", "Chương trình", "CHƯƠNG TRÌNH", sections=True),
        _typed("phuong_an", "Phương án", "PHƯƠNG ÁN", sections=True),
        _typed("de_an", "Đề án", "ĐỀ ÁN", sections=True),
        _typed("cong_dien", "Công điện", "CÔNG ĐIỆN"),
    ]
}

# What the model is told about each field, and what the user is asked for when it is missing.
FIELD_LABELS: dict[str, str] = {
    "doc_type": "loại văn bản",
    "issuing_body": "tên cơ quan, tổ chức ban hành",
    "superior_body": "tên cơ quan, tổ chức chủ quản trực tiếp",
    "issuer_abbreviation": "chữ viết tắt tên cơ quan ban hành (ví dụ UBND)",
    "unit_abbreviation": "chữ viết tắt tên đơn vị soạn thảo hoặc lĩnh vực (ví dụ VP)",
    "number": "số văn bản",
    "place": "địa danh",
    "date": "ngày ban hành",
    "subject": "trích yếu nội dung",
    "salutation": "nơi nhận ở phần Kính gửi",
    "authority": "thẩm quyền ban hành (ví dụ CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH GIA LAI)",
    "basis": "căn cứ ban hành",
    "body": "nội dung văn bản",
    "articles": "các điều của văn bản",
    "signing_authority": "quyền hạn của người ký (TM., KT., Q., TL., TUQ.)",
    "authority_title": "chức vụ người đứng đầu hoặc tên tập thể sau TM./KT./TL./TUQ.",
    "collective": "tên tập thể lãnh đạo (dòng TM.)",
    "signer_position": "chức vụ của người ký",
    "signer_name": "họ và tên người ký",
    "recipients": "nơi nhận",
    "archive": "phần Lưu",
    "start_time": "biên bản: giờ bắt đầu (ví dụ 08 giờ 00)",
    "venue": "biên bản: địa điểm cuộc họp",
    "attendees": "biên bản: thành phần tham dự",
    "secretary": "biên bản: họ và tên thư ký (người ghi biên bản)",
    "end_time": "biên bản: giờ kết thúc (ví dụ 11 giờ 00)",
}


@dataclass
class DraftForm:
    doc_type: DocumentType
    issuing_body: str
    issuer_abbreviation: str
    place: str
    date: dt.date
    subject: str
    signer_position: str
    signer_name: str
    recipients: list[str]
    superior_body: str = ""
    unit_abbreviation: str = ""
    number: int | None = None
    salutation: list[str] = field(default_factory=list)
    authority: str = ""
    basis: list[str] = field(default_factory=list)
    body: list[str] = field(default_factory=list)
    articles: list[str] = field(default_factory=list)
    signing_authority: str = ""
    authority_title: str = ""
    collective: str = ""
    archive: str = "VT"
    # Mẫu 1.9, biên bản only: the chair is the signer (signer_name).
    start_time: str = ""
    venue: str = ""
    attendees: list[str] = field(default_factory=list)
    secretary: str = ""
    end_time: str = ""


@dataclass
class FormProblems:
    missing: list[str] = field(default_factory=list)
    invalid: dict[str, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.missing or self.invalid)


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if isinstance(value, str | int | float) else ""


def _lines(value: Any) -> list[str]:
    if isinstance(value, str):
        value = value.splitlines()
    if not isinstance(value, list):
        return []
    return [line for line in (_text(item) for item in value) if line]


ABBREVIATION_PATTERN = re.compile(r"^[A-ZĐ][A-Za-zĐđ0-9]*(?:-[A-ZĐ][A-Za-zĐđ0-9]*)*$")


def parse_form(arguments: dict[str, Any]) -> tuple[DraftForm | None, FormProblems]:
    """The form, or what is missing or wrong in it (field names, in the order of the document)."""
    problems = FormProblems()
    doc_type = DOCUMENT_TYPES.get(_text(arguments.get("doc_type")))
    if doc_type is None:
        if arguments.get("doc_type"):
            problems.invalid["doc_type"] = "phải là một trong: " + ", ".join(DOCUMENT_TYPES)
        else:
            problems.missing.append("doc_type")
    values: dict[str, Any] = {
        name: _text(arguments.get(name))
        for name in (
            "issuing_body",
            "superior_body",
            "issuer_abbreviation",
            "unit_abbreviation",
            "place",
            "subject",
            "authority",
            "signing_authority",
            "authority_title",
            "collective",
            "signer_position",
            "signer_name",
            "archive",
            "start_time",
            "venue",
            "secretary",
            "end_time",
        )
    }
    for name in ("salutation", "basis", "body", "articles", "recipients", "attendees"):
        values[name] = _lines(arguments.get(name))
    _normalize(values, doc_type)
    minutes = doc_type is not None and doc_type.minutes
    # A biên bản is dated under its title (Mẫu 1.9), not after a place name in the heading.
    required = ["issuing_body", "issuer_abbreviation", *([] if minutes else ["place"]), "date", "subject"]
    if doc_type is not None:
        if doc_type.code == "cong_van":
            required.append("unit_abbreviation")
        if doc_type.salutation_required:
            required.append("salutation")
        if minutes:
            required += ["venue", "secretary"]
        required += ["authority", "basis", "articles"] if doc_type.articles else ["body"]
    authority = values["signing_authority"].upper().rstrip(".")
    if authority:
        if authority + "." not in SIGNING_AUTHORITIES:
            problems.invalid["signing_authority"] = "phải là một trong: " + ", ".join(SIGNING_AUTHORITIES)
        values["signing_authority"] = authority + "."
        if authority != "Q":
            required.append("authority_title")
    # The chair of a biên bản signs as "CHỦ TỌA" (Mẫu 1.9); a position is optional there.
    required += [*([] if minutes else ["signer_position"]), "signer_name", "recipients"]
    for name in ("issuer_abbreviation", "unit_abbreviation"):
        if values[name] and not ABBREVIATION_PATTERN.match(values[name]):
            problems.invalid[name] = (
                "chỉ gồm chữ cái viết tắt, các nhóm nối bằng dấu gạch nối, không cách chữ"
            )
    date = _date(arguments.get("date"))
    if arguments.get("date") and date is None:
        problems.invalid["date"] = "phải có dạng YYYY-MM-DD"
    number = arguments.get("number")
    if number in ("", None):
        number = None
    elif not isinstance(number, int | str) or not str(number).isdigit() or int(number) < 1:
        problems.invalid["number"] = "phải là số nguyên dương (để trống nếu chưa đăng ký số)"
        number = None
    else:
        number = int(number)
    for name in required:
        present = date is not None if name == "date" else bool(values.get(name))
        if not present and name not in problems.invalid:
            problems.missing.append(name)
    if problems or doc_type is None or date is None:
        return None, problems
    return (
        DraftForm(
            doc_type=doc_type,
            date=date,
            number=number,
            archive=values.pop("archive") or "VT",
            **values,
        ),
        problems,
    )


# What the model writes although the layout prints it: "V/v V/v", "Kính gửi: Kính gửi:", "Điều 1. Điều 1.".
_BULLET = re.compile(r"^[-–—•+*]\s*")
_LETTER_SUBJECT = re.compile(r"^(?:V/v|V\.v\.?|Về việc)(?:\s*:)?\s+", re.IGNORECASE)
_SALUTATION = re.compile(r"^Kính\s+gửi\s*:?\s*", re.IGNORECASE)
_RECIPIENTS = re.compile(r"^Nơi\s+nhận\s*:?\s*", re.IGNORECASE)
_ARTICLE = re.compile(r"^Điều\s+\d+\s*[.:\-–]?\s*", re.IGNORECASE)
_ARCHIVE = re.compile(r"^Lưu\s*:?\s*", re.IGNORECASE)
_AUTHORITY = re.compile(r"^(?:TM|KT|Q|TL|TUQ)\.\s*", re.IGNORECASE)


def _listed(lines: list[str], label: re.Pattern[str]) -> list[str]:
    """One name a line, without the label, the bullet or the separator the layout adds."""
    names = []
    for line in lines:
        for part in label.sub("", line).split(";"):
            name = _BULLET.sub("", part.strip()).strip().rstrip(";.,").strip()
            if name:
                names.append(name)
    return names


def _normalize(values: dict[str, Any], doc_type: DocumentType | None) -> None:
    """Removes what the layout prints itself from the fields the model filled, so that it is not
    printed twice."""
    subject = values["subject"]
    if doc_type is not None and not doc_type.title:
        subject = _LETTER_SUBJECT.sub("", subject)
    elif re.match(r"^V/v\b", subject, re.IGNORECASE):
        subject = "Về việc " + _LETTER_SUBJECT.sub("", subject)
    values["subject"] = subject[:1].upper() + subject[1:]
    values["salutation"] = _listed(values["salutation"], _SALUTATION)
    recipients = _listed(values["recipients"], _RECIPIENTS)
    archived = [name for name in recipients if _ARCHIVE.match(name)]
    values["recipients"] = [name for name in recipients if not _ARCHIVE.match(name)]
    if archived and not values["archive"]:
        values["archive"] = _ARCHIVE.sub("", archived[-1])
    values["archive"] = _ARCHIVE.sub("", values["archive"]).rstrip(".")
    values["articles"] = [_ARTICLE.sub("", article) for article in values["articles"]]
    values["basis"] = [_BULLET.sub("", basis) for basis in values["basis"]]
    values["attendees"] = [_BULLET.sub("", name) for name in values["attendees"]]
    for name in ("authority_title", "collective"):
        values[name] = _AUTHORITY.sub("", values[name])


def _date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None


# --- formats (Phụ lục I, mục II.3 and II.4) -----------------------------------------------------------


def number_line(form: DraftForm) -> str:
    """ "Số: 05/QĐ-UBND"; a công văn has no type abbreviation: "Số: 123/UBND-VP". An unregistered
    draft leaves room for the number."""
    number = f"{form.number:02d}" if form.number is not None else "     "
    if form.doc_type.abbreviation:
        symbol = f"{form.doc_type.abbreviation}-{form.issuer_abbreviation}"
    else:
        symbol = f"{form.issuer_abbreviation}-{form.unit_abbreviation}"
    return f"Số: {number}/{symbol}"


def date_line(place: str, date: dt.date) -> str:
    """Days under 10 and months 1 and 2 take a leading zero: "Gia Lai, ngày 05 tháng 02 năm 2026"."""
    month = f"{date.month:02d}" if date.month < 3 else str(date.month)
    return f"{place}, ngày {date.day:02d} tháng {month} năm {date.year}"


def form_schema() -> dict[str, Any]:
    """The JSON schema of the form, as the model fills it."""

    def string(description: str) -> dict[str, Any]:
        return {"type": "string", "description": description}

    def strings(description: str) -> dict[str, Any]:
        return {"type": "array", "items": {"type": "string"}, "description": description}

    return {
        "type": "object",
        "properties": {
            "doc_type": {
                "type": "string",
                "enum": list(DOCUMENT_TYPES),
                "description": "Loại văn bản: "
                + ", ".join(f"{t.code} ({t.label})" for t in DOCUMENT_TYPES.values()),
            },
            "issuing_body": string("Tên cơ quan ban hành, ví dụ ỦY BAN NHÂN DÂN TỈNH GIA LAI"),
            "superior_body": string("Tên cơ quan chủ quản trực tiếp (nếu có), ví dụ UBND TỈNH GIA LAI"),
            "issuer_abbreviation": string("Chữ viết tắt tên cơ quan ban hành, ví dụ UBND, STP"),
            "unit_abbreviation": string("Công văn: chữ viết tắt đơn vị soạn thảo/lĩnh vực, ví dụ VP"),
            "number": {"type": "integer", "description": "Số văn bản; bỏ trống nếu văn thư chưa cấp số"},
            "place": string("Địa danh, ví dụ Gia Lai"),
            "date": string("Ngày ban hành, dạng YYYY-MM-DD"),
            "subject": string(
                "Trích yếu nội dung; công văn: phần sau “V/v”, không ghi “V/v” (văn bản tự thêm)"
            ),
            "salutation": strings(
                "Các cơ quan, cá nhân sau “Kính gửi:”, mỗi nơi một dòng, không ghi “Kính gửi:” "
                "(bắt buộc với công văn, tờ trình)"
            ),
            "authority": string(
                "Quyết định/nghị quyết: thẩm quyền ban hành, ví dụ CHỦ TỊCH UBND TỈNH GIA LAI"
            ),
            "basis": strings("Quyết định/nghị quyết: các căn cứ ban hành, mỗi căn cứ một dòng"),
            "body": strings(
                "Các đoạn nội dung (mọi loại trừ quyết định, nghị quyết); đề mục mỗi mục một dòng "
                "(I., II., 1., 2.); biên bản: diễn biến cuộc họp"
            ),
            "articles": strings("Quyết định/nghị quyết: nội dung từng điều, không ghi 'Điều n.'"),
            "signing_authority": {"type": "string", "enum": ["", *SIGNING_AUTHORITIES]},
            "authority_title": string("Sau TM./KT./TL./TUQ.: tên tập thể hoặc chức vụ người đứng đầu"),
            "collective": string("Khi ký KT. thay mặt tập thể: tên tập thể cho dòng TM. phía trên"),
            "signer_position": string("Chức vụ người ký, ví dụ PHÓ CHỦ TỊCH"),
            "signer_name": string("Họ và tên người ký"),
            "recipients": strings("Nơi nhận, mỗi nơi một dòng (không cần dòng Lưu)"),
            "archive": string("Phần Lưu sau 'Lưu:', mặc định VT; ví dụ VT, VP"),
            "start_time": string("Biên bản: giờ bắt đầu, ví dụ 08 giờ 00"),
            "venue": string("Biên bản: địa điểm cuộc họp, hội nghị"),
            "attendees": strings("Biên bản: thành phần tham dự, mỗi người hoặc đơn vị một dòng"),
            "secretary": string("Biên bản: họ và tên thư ký (người ghi biên bản); chủ tọa là người ký"),
            "end_time": string("Biên bản: giờ kết thúc, ví dụ 11 giờ 00"),
        },
        "required": ["doc_type"],
    }

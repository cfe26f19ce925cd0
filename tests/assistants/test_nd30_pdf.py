"""The drafted documents as LibreOffice lays them out: every type rendered to PDF and read back from
the PDF's text layer with the position of each line, against Phụ lục I of Nghị định 30/2020/NĐ-CP.

Positions are millimetres from the top-left corner of the page. The text area runs from 30 mm (left
margin) to 195 mm (210 mm less the 15 mm right margin)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest

from assistants.documents.nd30 import DOCUMENT_TYPES, MOTTO, NATIONAL_TITLE
from assistants.documents.nd30_render import render_docx
from tests.assistants.test_nd30 import form_for

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
pytestmark = pytest.mark.skipif(
    SOFFICE is None,
    reason="LibreOffice is not installed (Debian: apt-get install libreoffice-writer-nogui "
    "fonts-liberation2, as `make system-packages` does)",
)

LEFT, RIGHT = 30.0, 195.0
CENTRE = (LEFT + RIGHT) / 2
TOP_MARGIN = 20.0
MM_PER_POINT = 25.4 / 72

# Long enough for a second page in every type.
LONG = "Nội dung được trình bày đầy đủ để văn bản sang trang thứ hai và có số trang. " * 6
CHANGES: dict[str, dict[str, Any]] = {
    "cong_van": {
        "issuing_body": "Sở Nông nghiệp và Môi trường",
        "superior_body": "Ủy ban nhân dân tỉnh Gia Lai",
        "unit_abbreviation": "VP",
        "issuer_abbreviation": "SNNMT",
    },
    "bien_ban": {"start_time": "08 giờ 00", "end_time": "11 giờ 30"},
}


@dataclass(frozen=True)
class Line:
    page: int
    left: float
    top: float
    right: float
    text: str
    size: float  # points, of the line's first character

    @property
    def centre(self) -> float:
        return (self.left + self.right) / 2


def read_lines(path: Path) -> list[Line]:
    """Each text segment pdfium finds, a line of a paragraph or a cell, top to bottom per page."""
    found = []
    document = pdfium.PdfDocument(path)
    for number in range(len(document)):
        page = document[number]
        height = page.get_height()
        text = page.get_textpage()
        for index in range(text.count_rects()):
            left, bottom, right, top = text.get_rect(index)
            content = text.get_text_bounded(left, bottom, right, top).strip()
            if not content:
                continue
            first = text.get_index(left + 0.5, (top + bottom) / 2, 2, 2)
            size = pdfium_c.FPDFText_GetFontSize(text.raw, first) if first >= 0 else 0.0
            found.append(
                Line(
                    page=number + 1,
                    left=left * MM_PER_POINT,
                    top=(height - top) * MM_PER_POINT,
                    right=right * MM_PER_POINT,
                    text=content,
                    size=round(size, 1),
                )
            )
    return found


def to_pdf(docx_files: list[Path], out: Path, profile: Path) -> None:
    """One LibreOffice for all files; its own profile, so that parallel runs do not share one."""
    assert SOFFICE is not None
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, docx_files),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Line]]:
    folder = tmp_path_factory.mktemp("drafts")
    files = []
    for code, doc_type in DOCUMENT_TYPES.items():
        content = {"articles": [LONG] * 5} if doc_type.articles else {"body": [LONG] * 6}
        path = folder / f"{code}.docx"
        path.write_bytes(render_docx(form_for(code, **content, **CHANGES.get(code, {}))))
        files.append(path)
    to_pdf(files, folder, tmp_path_factory.mktemp("profile"))
    return {code: read_lines(folder / f"{code}.pdf") for code in DOCUMENT_TYPES}


def one(lines: list[Line], text: str) -> Line:
    matches = [line for line in lines if line.text == text]
    assert len(matches) == 1, (text, [line.text for line in lines if line.page == 1])
    return matches[0]


def starting(lines: list[Line], text: str) -> Line:
    return next(line for line in lines if line.text.startswith(text))


@pytest.mark.parametrize("code", list(DOCUMENT_TYPES))
def test_the_national_title_and_the_motto_stay_on_one_line(
    rendered: dict[str, list[Line]], code: str
) -> None:
    lines = rendered[code]
    title, motto = one(lines, NATIONAL_TITLE), one(lines, MOTTO)
    # Top right of the first page (ô 1), the motto centred under the title (mục II.1).
    assert title.page == 1 and title.left > 90 and title.right <= RIGHT and title.top < 25
    assert abs(motto.centre - title.centre) < 1 and 0 < motto.top - title.top < 10


@pytest.mark.parametrize("code", list(DOCUMENT_TYPES))
def test_pages_are_numbered_from_the_second_centred_in_the_top_margin(
    rendered: dict[str, list[Line]], code: str
) -> None:
    lines = rendered[code]
    pages = max(line.page for line in lines)
    assert pages >= 2, code
    in_margin = [line for line in lines if line.top < TOP_MARGIN]
    # Mục I.7: not on the first page; Arabic numerals, centred, 13 to 14 pt, from the second.
    assert [line.text for line in in_margin if line.page == 1] == []
    numbers = [line for line in in_margin if line.page > 1]
    assert [line.text for line in numbers] == [str(page) for page in range(2, pages + 1)]
    for number in numbers:
        assert abs(number.centre - CENTRE) < 1.5 and 13 <= number.size <= 14, number


@pytest.mark.parametrize("code", [c for c, t in DOCUMENT_TYPES.items() if not t.minutes])
def test_the_signature_faces_the_recipients_on_the_right(rendered: dict[str, list[Line]], code: str) -> None:
    lines = rendered[code]
    label = one(lines, "Nơi nhận:")
    authority = one(lines, "TM. ỦY BAN NHÂN DÂN")
    name = one(lines, "Nguyễn Văn An")
    # Mục II.7 and II.9: the signer's block in the right half, "Nơi nhận:" at the left margin on
    # the line of the authority; the name under it, with room for the signature between.
    assert LEFT - 0.5 < label.left < LEFT + 2 and label.right < CENTRE
    assert authority.left > CENTRE - 5 and abs(authority.top - label.top) < 2
    assert name.page == authority.page and abs(name.centre - authority.centre) < 1.5
    assert name.top - authority.top > 20
    assert label.page == max(line.page for line in lines)


def test_a_long_agency_name_breaks_between_word_groups(rendered: dict[str, list[Line]]) -> None:
    lines = rendered["cong_van"]
    superior = [one(lines, "ỦY BAN NHÂN DÂN"), one(lines, "TỈNH GIA LAI")]
    issuing = [one(lines, "SỞ NÔNG NGHIỆP"), one(lines, "VÀ MÔI TRƯỜNG")]
    title = one(lines, NATIONAL_TITLE)
    tops = [line.top for line in [*superior, *issuing]]
    assert tops == sorted(tops) and abs(tops[0] - title.top) < 2
    for line in [*superior, *issuing]:
        # Centred in the left column, clear of the Quốc hiệu.
        assert line.left >= LEFT and line.right < title.left, line
    assert abs(superior[0].centre - issuing[1].centre) < 1.5
    assert not any("MÔI" in line.text and "TRƯỜNG" not in line.text for line in lines)


def test_several_recipients_line_up_after_the_colon(rendered: dict[str, list[Line]]) -> None:
    lines = rendered["cong_van"]
    label = one(lines, "Kính gửi:")
    first, second = one(lines, "- Sở Tư pháp;"), one(lines, "- Sở Nội vụ.")
    # Mục II.9.a: the dashes line up with each other right after the colon.
    assert abs(first.top - label.top) < 1 and first.left > label.right
    assert abs(first.left - second.left) < 0.5 and second.top > first.top


def test_a_bien_ban_follows_mau_1_9(rendered: dict[str, list[Line]]) -> None:
    lines = rendered["bien_ban"]
    assert not any("Gia Lai, ngày" in line.text for line in lines)
    title, meeting = one(lines, "BIÊN BẢN"), starting(lines, "Về việc tổ chức Hội nghị")
    started = starting(lines, "Thời gian bắt đầu:")
    assert started.text == "Thời gian bắt đầu: 08 giờ 00, ngày 05 tháng 12 năm 2026."
    after_title = sorted(
        (line for line in lines if line.page == 1 and line.top > meeting.top), key=lambda x: x.top
    )
    assert [line.text for line in after_title[:2]][-1] == started.text  # under the title's rule
    assert title.top < meeting.top < started.top
    secretary, chair = one(lines, "THƯ KÝ"), one(lines, "CHỦ TỌA")
    # Two signatures side by side: the secretary on the left, the chair on the right.
    assert abs(secretary.top - chair.top) < 1 and secretary.right < CENTRE < chair.left
    secretary_name, chair_name = one(lines, "Trần Thị Bình"), one(lines, "Nguyễn Văn An")
    assert abs(secretary_name.top - chair_name.top) < 1 and secretary_name.top - secretary.top > 20
    assert abs(secretary_name.centre - secretary.centre) < 1.5
    label = one(lines, "Nơi nhận:")
    assert label.top > secretary_name.top and label.left < LEFT + 2

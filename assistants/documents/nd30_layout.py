"""How wide a line of the heading is, and where a long agency name breaks.

A word processor wraps a name that does not fit its column wherever the last word ends, which in
Vietnamese splits words made of two syllables ("SỞ NÔNG NGHIỆP VÀ MÔI / TRƯỜNG"). The văn thư breaks
by hand (Shift+Enter) between word groups: "SỞ NÔNG NGHIỆP / VÀ MÔI TRƯỜNG", "ỦY BAN NHÂN DÂN /
TỈNH GIA LAI". The draft does the same, so that Word and LibreOffice show the same lines.

Widths come from the Adobe font metrics of Times (Roman and Bold), which Times New Roman and
Liberation Serif share: thousandths of the font size per character, accents ignored.
"""

from __future__ import annotations

import itertools
import string
import unicodedata

PT_TO_MM = 25.4 / 72

# fmt: off
_ROMAN = (722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889,  # A-M
          722, 722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611)  # N-Z
_BOLD = (722, 667, 722, 722, 667, 611, 778, 778, 389, 500, 778, 667, 944,
         722, 778, 611, 778, 722, 556, 667, 722, 722, 1000, 722, 722, 667)
# fmt: on
_ROMAN_CAPS = dict(zip(string.ascii_uppercase, _ROMAN, strict=True))
_BOLD_CAPS = dict(zip(string.ascii_uppercase, _BOLD, strict=True))
_OTHER = {" ": 250, "-": 333, ",": 250, ".": 250, ":": 333, "/": 278, "(": 333, ")": 333}


def _base(char: str) -> str:
    """The letter under its accents: "Ễ" is as wide as "E"; "Đ" as "D"; the horn of "Ơ", "Ư" is
    within the width of "O", "U"."""
    if char in "Đđ":
        return "D" if char == "Đ" else "d"
    return unicodedata.normalize("NFD", char)[0]


def text_width_mm(text: str, size_pt: float, *, bold: bool = False) -> float:
    caps = _BOLD_CAPS if bold else _ROMAN_CAPS
    thousandths = 0
    for char in text:
        base = _base(char)
        if base in caps:
            thousandths += caps[base]
        elif base.isdigit():
            thousandths += 500
        elif base.islower():
            thousandths += 500 if bold else 470
        else:
            thousandths += _OTHER.get(base, 600)
    return thousandths / 1000 * size_pt * PT_TO_MM


# A line may begin with these: a conjunction or preposition opening the next word group, or the
# level of a place ("TỈNH GIA LAI", "HUYỆN CHƯ SÊ").
_STARTS_GROUP = {"VÀ", "VỀ", "CỦA", "THUỘC", "TRỰC", "TẠI", "CÁC", "CHO", "KHU", "VÙNG"}
_PLACE_LEVELS = {"TỈNH", "HUYỆN", "QUẬN", "XÃ", "PHƯỜNG", "THÀNH", "THỊ"}

# Words of two syllables common in the names of state bodies: never split across lines.
_WORDS = """
ỦY BAN|UỶ BAN|NHÂN DÂN|HỘI ĐỒNG|NÔNG NGHIỆP|MÔI TRƯỜNG|PHÁT TRIỂN|NÔNG THÔN|TÀI NGUYÊN|TÀI CHÍNH|
KẾ HOẠCH|ĐẦU TƯ|XÂY DỰNG|GIAO THÔNG|VẬN TẢI|CÔNG THƯƠNG|GIÁO DỤC|ĐÀO TẠO|Y TẾ|VĂN HÓA|VĂN HOÁ|
THỂ THAO|DU LỊCH|KHOA HỌC|CÔNG NGHỆ|THÔNG TIN|TRUYỀN THÔNG|LAO ĐỘNG|THƯƠNG BINH|XÃ HỘI|DÂN TỘC|
TÔN GIÁO|NGOẠI VỤ|NỘI VỤ|TƯ PHÁP|THANH TRA|VĂN PHÒNG|TRUNG TÂM|QUẢN LÝ|DỰ ÁN|PHỤC VỤ|HÀNH CHÍNH|
CÔNG AN|QUÂN SỰ|BIÊN PHÒNG|CHÍNH PHỦ|QUỐC HỘI|ĐẠI HỌC|CAO ĐẲNG|TRUNG HỌC|TIỂU HỌC|MẦM NON|
CÔNG TRÌNH|DÂN DỤNG|CÔNG NGHIỆP|KINH TẾ|HẠ TẦNG|ĐÔ THỊ|THÀNH PHỐ|THỊ XÃ|THỊ TRẤN|TRỰC THUỘC|
BẢO HIỂM|BẢO VỆ|THỰC VẬT|CHĂN NUÔI|THÚ Y|THỦY LỢI|THUỶ LỢI|LÂM NGHIỆP|KIỂM LÂM|THỦY SẢN|THUỶ SẢN|
ĐẤT ĐAI|ĐĂNG KÝ|KHUYẾN NÔNG|MẶT TRẬN|TỔ QUỐC|VIỆT NAM|THANH NIÊN|PHỤ NỮ|CHIẾN BINH|NGÂN HÀNG|
KHO BẠC|NHÀ NƯỚC|HẢI QUAN|THỐNG KÊ|KIỂM SÁT|TÒA ÁN|TOÀ ÁN|THI HÀNH|DÂN SỰ|HÌNH SỰ|TỈNH ỦY|
TỈNH UỶ|HUYỆN ỦY|HUYỆN UỶ|THÀNH ỦY|THÀNH UỶ|ĐẢNG ỦY|ĐẢNG UỶ|CHẤP HÀNH|TRUNG ƯƠNG|TUYÊN GIÁO|
DÂN VẬN|KIỂM TRA|TỔ CHỨC|CƠ QUAN|ĐƠN VỊ|SỰ NGHIỆP|CHUYỂN ĐỔI|CỘNG ĐỒNG|GIA ĐÌNH|TRẺ EM|
BỆNH VIỆN|ĐA KHOA|ĐẠI BIỂU|KIỂM SOÁT|BỆNH TẬT|PHÒNG CHỐNG|AN NINH|TRẬT TỰ|QUỐC PHÒNG|HỘI NGHỊ|CÔNG TÁC
"""
_PAIRS = {tuple(word.split()) for word in _WORDS.replace("\n", "").split("|") if word}


SPLIT_WORD = 100


def _cost(words: list[str], cut: int) -> int:
    """What breaking before words[cut] costs: nothing between word groups, a little between two
    syllables that may or may not be one word, and most inside a known word or a place's name."""
    before, after = words[cut - 1], words[cut]
    if (before, after) in _PAIRS:
        return SPLIT_WORD
    if any(word in _PLACE_LEVELS for word in words[: cut - 1]) and after not in _STARTS_GROUP:
        return SPLIT_WORD  # inside "TỈNH GIA LAI": the place's name follows its level to the end
    if after in _STARTS_GROUP or after in _PLACE_LEVELS:
        return 0
    return 10


def break_name(text: str, width_mm: float, size_pt: float, *, bold: bool, most_lines: int = 4) -> list[str]:
    """The lines of `text`, each narrower than `width_mm`: as few lines as possible, broken between
    word groups, the lines as even as can be. A name that cannot be made to fit stays one line and
    the word processor wraps it."""
    words = text.split()
    if not words or text_width_mm(text, size_pt, bold=bold) <= width_mm:
        return [" ".join(words)]
    best: tuple[int, int, int, float, list[str]] | None = None
    for count in range(2, min(most_lines, len(words)) + 1):
        for cuts in itertools.combinations(range(1, len(words)), count - 1):
            bounds = [0, *cuts, len(words)]
            lines = [" ".join(words[a:b]) for a, b in itertools.pairwise(bounds)]
            widest = max(text_width_mm(line, size_pt, bold=bold) for line in lines)
            if widest > width_mm:
                continue
            costs = [_cost(words, cut) for cut in cuts]
            # A split word is worse than one more line; then fewer lines, better breaks, even lines.
            candidate = (costs.count(SPLIT_WORD), count, sum(costs), widest, lines)
            if best is None or candidate[:4] < best[:4]:
                best = candidate
    return best[4] if best is not None else [" ".join(words)]

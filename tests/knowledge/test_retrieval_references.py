"""A query naming an article and a document number ("Điều 16 Nghị định 99/2022/NĐ-CP") finds that
article of that document first — not the same-numbered article of another decree, nor a document
that cites the number — whether typed with diacritics or without."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from knowledge import services
from knowledge.ingestion import pipeline
from knowledge.models import Document, DocumentStatus, KnowledgeBase
from knowledge.search.retrieval import retrieve
from tests.factories import World
from tests.knowledge.test_retrieval import fake_embedder, make_kb  # noqa: F401 - the autouse fixture

_HEADER = """{issuer}
Số: {number}

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Hà Nội, ngày {day} tháng {month} năm {year}

{kind}
{subject}

Căn cứ Luật Tổ chức Chính phủ ngày 19 tháng 6 năm 2015;
Căn cứ Bộ luật Dân sự ngày 24 tháng 11 năm 2015;
{basis}
"""


def _articles(topic: str, count: int) -> str:
    return "\n\n".join(
        f"Điều {n}. Quy định về {topic} (mục {n})\n"
        f"1. Cơ quan đăng ký thực hiện {topic} theo trình tự quy định tại Điều này.\n"
        f"2. Người yêu cầu nộp hồ sơ về {topic} trực tiếp hoặc qua hệ thống trực tuyến."
        for n in range(1, count + 1)
    )


ND99 = (
    _HEADER.format(
        issuer="CHÍNH PHỦ",
        number="99/2022/NĐ-CP",
        day="30",
        month="11",
        year="2022",
        kind="NGHỊ ĐỊNH",
        subject="Về đăng ký biện pháp bảo đảm",
        basis="Chính phủ ban hành Nghị định về đăng ký biện pháp bảo đảm.",
    )
    + "\n"
    + _articles("đăng ký biện pháp bảo đảm", 20)
)

ND21 = (
    _HEADER.format(
        issuer="CHÍNH PHỦ",
        number="21/2021/NĐ-CP",
        day="19",
        month="3",
        year="2021",
        kind="NGHỊ ĐỊNH",
        subject="Quy định thi hành Bộ luật Dân sự về bảo đảm thực hiện nghĩa vụ",
        basis="Chính phủ ban hành Nghị định quy định thi hành Bộ luật Dân sự về bảo đảm thực hiện nghĩa vụ.",
    )
    + "\n"
    + _articles("bảo đảm thực hiện nghĩa vụ", 20)
)

# A circular that cites Nghị định 99/2022/NĐ-CP over and over, its Điều 16 included.
TT08 = (
    _HEADER.format(
        issuer="BỘ TƯ PHÁP",
        number="08/2023/TT-BTP",
        day="2",
        month="10",
        year="2023",
        kind="THÔNG TƯ",
        subject="Hướng dẫn một số vấn đề về đăng ký biện pháp bảo đảm",
        basis="Căn cứ Nghị định số 99/2022/NĐ-CP ngày 30 tháng 11 năm 2022 về đăng ký biện pháp bảo đảm;",
    )
    + "\n"
    + "\n\n".join(
        f"Điều {n}. Hướng dẫn Điều {n} Nghị định số 99/2022/NĐ-CP\n"
        f"1. Việc thực hiện Điều {n} Nghị định số 99/2022/NĐ-CP về đăng ký biện pháp bảo đảm "
        f"theo hướng dẫn tại Điều này.\n"
        f"2. Mẫu đơn theo Nghị định số 99/2022/NĐ-CP được ban hành kèm theo Thông tư này."
        for n in range(1, 21)
    )
)


def _index_text(world: World, knowledge_base: KnowledgeBase, text: str, name: str) -> Document:
    (result,) = services.document_upload(
        actor=world.user("builder"),
        knowledge_base=knowledge_base,
        files=[ContentFile(text.encode("utf-8"), name=name)],
        dispatch=False,
    )
    assert result.document is not None, result.reason
    document = pipeline.index_document_inline(result.document)
    assert document.status == DocumentStatus.READY, document.failure_reason
    return document


@pytest.fixture
def three_documents(world: World) -> tuple[KnowledgeBase, Document]:
    knowledge_base = make_kb(world)
    nd99 = _index_text(world, knowledge_base, ND99, "nghi_dinh_99_2022.txt")
    _index_text(world, knowledge_base, ND21, "nghi_dinh_21_2021.txt")
    _index_text(world, knowledge_base, TT08, "thong_tu_08_2023.txt")
    assert nd99.doc_number == "99/2022/NĐ-CP"
    return knowledge_base, nd99


@pytest.mark.parametrize(
    "query",
    [
        "Điều 16 Nghị định 99/2022/NĐ-CP",
        "dieu 16 nghi dinh 99/2022/nd-cp",
        "Điều 16 Nghị định 99/2022/NĐ-CP quy định gì về đăng ký biện pháp bảo đảm?",
        "dieu 16 nghi dinh 99/2022/nd-cp quy dinh gi ve dang ky bien phap bao dam",
    ],
)
@pytest.mark.parametrize("mode", ["hybrid", "keyword"])
def test_the_article_of_the_cited_document_ranks_first(
    three_documents: tuple[KnowledgeBase, Document], query: str, mode: str
) -> None:
    knowledge_base, nd99 = three_documents
    hits = retrieve(knowledge_bases=[knowledge_base], query=query, mode=mode, top_k=5)
    assert hits[0].document_id == nd99.pk
    assert hits[0].section_title.startswith("Điều 16."), hits[0].section_title
    # the legal leg holds only the pair: neither half alone
    assert all(
        h.document_id == nd99.pk and h.section_title.startswith("Điều 16.") for h in hits if h.legal_rank
    )


def test_a_missing_pair_falls_back_to_either_half(three_documents: tuple[KnowledgeBase, Document]) -> None:
    knowledge_base, nd99 = three_documents
    hits = retrieve(knowledge_bases=[knowledge_base], query="Điều 45 Nghị định 99/2022/NĐ-CP", top_k=5)
    assert hits[0].document_id == nd99.pk and hits[0].legal_match == 1

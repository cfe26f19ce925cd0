"""The template gallery in the demo organization of `make run`: a small, real sample knowledge base
for each kind of knowledge the templates ask for (internal regulations, a procedure law, the law on
complaints) in Sở Tư pháp, every template cloned there with its knowledge (the ND 30 drafting one
also in the UBND office) and published. Idempotent: what exists (by name) is left as it is.

Runs after seed_demo; the demo org admin is the actor, so the audit log shows who set it up."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files import File
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from assistants.catalog.templates import (
    KNOWLEDGE_CITIZEN_FAQ,
    KNOWLEDGE_INTERNAL_REGULATIONS,
    KNOWLEDGE_PROCEDURES,
    template_clone,
    template_list,
)
from assistants.catalog.versions import version_publish
from assistants.models import Assistant
from bureau.exceptions import BureauError
from bureau.tenancy.models import Department, Organization, Role, User
from knowledge.models import Classification, KnowledgeBase, Visibility
from knowledge.services import document_upload, knowledge_base_create

ORGANIZATION_SLUG = "ubnd-gia-lai"
HOME_DEPARTMENT = "so-tu-phap"
EXTRA_CLONES = {"soan-thao-van-ban-nd30": ["vp-ubnd"]}


@dataclass(frozen=True)
class SampleKnowledge:
    name: str
    description: str
    domain_tags: tuple[str, ...]
    documents: tuple[str, ...]  # relative to the shared data folder beside the repository


# A small, real knowledge base for each kind of knowledge a template asks for, so that every demo
# assistant's starter questions find their passages.
SAMPLE_KNOWLEDGE = {
    KNOWLEDGE_INTERNAL_REGULATIONS: SampleKnowledge(
        name="Quy chế nội bộ và văn bản hướng dẫn",
        description="Văn bản về công tác văn thư (Nghị định 30/2020/NĐ-CP và phụ lục thể thức) và quy định "
        "chi tiết Bộ luật Lao động (Nghị định 145/2020/NĐ-CP), dùng chung cho toàn tỉnh.",
        domain_tags=("văn thư", "pháp luật", "lao động"),
        documents=(
            "documents/nd30_2020/30_2020_ND_CP.docx",
            "documents/nd30_2020/Phuluc1.docx",
            "documents/labor_decrees/nghi_dinh_145_2020_nd_cp.txt",
        ),
    ),
    KNOWLEDGE_PROCEDURES: SampleKnowledge(
        name="Thủ tục hộ tịch",
        description="Luật Hộ tịch 2014: đăng ký khai sinh, kết hôn, khai tử, thay đổi và cải chính hộ tịch — "
        "hồ sơ, thẩm quyền và thời hạn giải quyết.",
        domain_tags=("thủ tục hành chính", "hộ tịch"),
        documents=("documents/laws_txt/Luat-Ho-tich-2014-259727.txt",),
    ),
    KNOWLEDGE_CITIZEN_FAQ: SampleKnowledge(
        name="Khiếu nại và giải quyết khiếu nại",
        description="Luật Khiếu nại 2011: quyền khiếu nại, thời hiệu, nơi nộp đơn, trình tự và thời hạn "
        "giải quyết khiếu nại lần đầu và lần hai.",
        domain_tags=("tiếp công dân", "khiếu nại"),
        documents=("documents/laws_txt/Luat-khieu-nai-2011-132446.txt",),
    ),
}
CHANGELOG = "Bản đầu tiên, tạo từ mẫu"


def default_data_dir() -> Path:
    return Path(settings.BASE_DIR).parent / "shared" / "data"


class Command(BaseCommand):
    help = "Clone the assistant templates into the demo organization and publish them (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-index", action="store_true", help="queue documents without sending them")
        parser.add_argument("--data-dir", type=Path, default=None, help="the shared data folder")

    def handle(self, *args: Any, **options: Any) -> None:
        organization = Organization.objects.filter(slug=ORGANIZATION_SLUG).first()
        if organization is None:
            self.stdout.write("seed_templates: no demo organization; run seed_demo first.")
            return
        departments = {d.code: d for d in Department.objects.filter(organization=organization)}
        if HOME_DEPARTMENT not in departments:
            self.stdout.write(f"seed_templates: no department {HOME_DEPARTMENT}; run seed_demo first.")
            return
        admin = (
            User.objects.filter(
                memberships__role=Role.ORG_ADMIN, memberships__department__organization=organization
            )
            .order_by("pk")
            .first()
        )
        data_dir = options["data_dir"] or default_data_dir()
        with transaction.atomic():
            knowledge_bases = {}
            for kind, sample in SAMPLE_KNOWLEDGE.items():
                knowledge_bases[kind] = self._knowledge_base(admin, departments[HOME_DEPARTMENT], sample)
                self._documents(
                    admin, knowledge_bases[kind], sample, data_dir, dispatch=not options["no_index"]
                )
            self._clones(admin, departments, knowledge_bases)

    def _knowledge_base(
        self, actor: User | None, department: Department, sample: SampleKnowledge
    ) -> KnowledgeBase:
        found = KnowledgeBase.objects.filter(department=department, name=sample.name).first()
        if found is not None:
            return found
        self.stdout.write(f"  knowledge base “{sample.name}” in {department.name}")
        return knowledge_base_create(
            actor=actor,
            department=department,
            name=sample.name,
            description=sample.description,
            domain_tags=list(sample.domain_tags),
            visibility=Visibility.ORGANIZATION,
            classification=Classification.PUBLIC,
        )

    def _documents(
        self,
        actor: User | None,
        knowledge_base: KnowledgeBase,
        sample: SampleKnowledge,
        data_dir: Path,
        dispatch: bool,
    ) -> None:
        if not data_dir.is_dir():
            self.stdout.write(f"  no shared data folder at {data_dir}: the sample documents are skipped.")
            return
        for relative in sample.documents:
            path = data_dir / relative
            if not path.is_file():
                self.stdout.write(f"  missing {relative}: skipped.")
                continue
            with path.open("rb") as handle:
                [result] = document_upload(
                    actor=actor,
                    knowledge_base=knowledge_base,
                    files=[File(handle, name=path.name)],
                    dispatch=dispatch,
                )
            if result.outcome != "duplicate":  # a duplicate was uploaded by an earlier run
                self.stdout.write(f"  document {path.name}: {result.outcome} {result.reason}".rstrip())

    def _clones(
        self,
        actor: User | None,
        departments: dict[str, Department],
        knowledge_bases: dict[str, KnowledgeBase],
    ) -> None:
        for template in template_list():
            for code in [HOME_DEPARTMENT, *EXTRA_CLONES.get(template.slug, [])]:
                department = departments.get(code)
                if department is None:
                    continue
                if Assistant.objects.filter(department=department, name=template.name).exists():
                    continue
                sample = knowledge_bases.get(template.knowledge)
                linked = [sample.pk] if sample is not None and actor is not None else []
                warnings: list[str] = []
                assistant = template_clone(
                    actor=actor,
                    template_slug=template.slug,
                    department=department,
                    knowledge_base_ids=linked,
                    warnings=warnings,
                )
                try:
                    version_publish(actor=actor, assistant=assistant, changelog=CHANGELOG)
                except BureauError as refused:
                    # The organization's review policy, or a default provider not cleared for the
                    # knowledge (assistants/review/clearance.py): the clone stays a draft to fix or submit.
                    warnings.append(f"left as a draft: {refused.message}")
                self.stdout.write(f"  assistant “{assistant.name}” ({assistant.slug}) in {department.name}")
                for warning in warnings:
                    self.stdout.write(f"    {warning}")

"""The demo organization of `make run`: a provincial People's Committee with departments and one
user per role. Idempotent: running it again changes nothing that exists."""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from bureau.tenancy import services
from bureau.tenancy.models import Department, Membership, Organization, Role, User

ORGANIZATION = ("ubnd-gia-lai", "Ủy ban nhân dân tỉnh Gia Lai")
DEPARTMENTS = [
    (
        "vp-ubnd",
        "Văn phòng UBND tỉnh",
        "Tham mưu, tổng hợp, kiểm soát thủ tục hành chính và công nghệ thông tin.",
    ),
    ("so-tu-phap", "Sở Tư pháp", "Xây dựng, kiểm tra văn bản quy phạm pháp luật; hộ tịch, chứng thực."),
    ("so-noi-vu", "Sở Nội vụ", "Tổ chức bộ máy, công chức, viên chức; văn thư, lưu trữ."),
    ("so-tai-chinh", "Sở Tài chính", "Ngân sách, tài sản công, giá."),
]
USERS = [
    ("admin@bureau.local", "Nguyễn Văn An", "vp-ubnd", Role.ORG_ADMIN),
    ("kiemtoan@bureau.local", "Trần Thị Bình", "vp-ubnd", Role.AUDITOR),
    ("truongphong.tuphap@bureau.local", "Lê Văn Cường", "so-tu-phap", Role.DEPT_ADMIN),
    ("xaydung.tuphap@bureau.local", "Phạm Thị Dung", "so-tu-phap", Role.BUILDER),
    ("canbo.tuphap@bureau.local", "Hoàng Văn Em", "so-tu-phap", Role.MEMBER),
    ("canbo.noivu@bureau.local", "Vũ Thị Giang", "so-noi-vu", Role.MEMBER),
]


def demo_password() -> str:
    return os.environ.get("BUREAU_DEMO_PASSWORD", "Bureau@2026")


class Command(BaseCommand):
    help = "Seed the demo organization, departments and one user per role (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--print-logins", action="store_true", help="only print the demo logins")

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["print_logins"]:
            self.seed()
        self.print_logins()

    @transaction.atomic
    def seed(self) -> None:
        organization, _ = Organization.objects.get_or_create(
            slug=ORGANIZATION[0], defaults={"name": ORGANIZATION[1]}
        )
        departments: dict[str, Department] = {}
        for code, name, description in DEPARTMENTS:
            existing = Department.objects.filter(organization=organization, code=code).first()
            departments[code] = existing or services.department_create(
                actor=None, organization=organization, name=name, code=code, description=description
            )
        for email, full_name, code, role in USERS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(email=email, password=demo_password(), full_name=full_name)
            if not Membership.objects.filter(user=user, department=departments[code]).exists():
                services.membership_add(
                    actor=None, department=departments[code], email=email, role=role, actor_is_org_admin=True
                )

    def print_logins(self) -> None:
        self.stdout.write(f"\nDemo logins (password: {demo_password()}):")
        names = {code: name for code, name, _ in DEPARTMENTS}
        for email, full_name, code, role in USERS:
            self.stdout.write(f"  {role:<11} {email:<34} {full_name} — {names[code]}")

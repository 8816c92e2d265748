"""The demo: both province-years, scored. It loads the scored example datasets
and so uses every layer; it sits on top, with the awards (STYLE.md 15)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from clusters import demo
from clusters.models import Authority, Cluster, Membership, Succession, Unit
from clusters.services import year_create
from emulation import audit
from scoring.dataset import dataset_import, read_document
from scoring.models import FrameworkCriterion
from scoring.services import is_placeholder_title

# The scored year of CUM-HUYEN (a copy of spec example 01, whose codes are the demo's).
DEMO_DATASET = demo.DATA / "01-cum-huyen-basic.json"


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu của tỉnh Bắc Giang năm 2025 và tỉnh Bắc Ninh sau sắp xếp năm 2026 "
        "(chạy lại nhiều lần vẫn cho cùng kết quả)."
    )

    def handle(self, *args, **options) -> None:
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Không chạy seed_demo khi DEBUG=false: lệnh này tạo tài khoản quản trị "
                f"`admin` với mật khẩu công khai {demo.DEMO_PASSWORD}. Chỉ dùng trên máy "
                "phát triển (DEBUG=true); trên máy chủ thật hãy dùng createsuperuser."
            )
        self._seed()

    @transaction.atomic
    def _seed(self) -> None:
        year = year_create(year=demo.DEMO_YEAR)
        dataset = _with_guidance_titles(read_document(DEMO_DATASET))
        scored = {cluster["code"] for cluster in dataset["clusters"]}
        authorities = {
            code: Authority.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    # The demo's administrator marks the standing agency (issue 13).
                    "kind": Authority.Kind.STANDING if provincial else Authority.Kind.GUIDING,
                },
            )[0]
            for code, name, provincial in demo.AUTHORITIES
        }
        for code, name, kind, group, calendar, authority, members in demo.CLUSTERS:
            cluster, _ = Cluster.objects.update_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": kind,
                    "group": group,
                    "calendar": calendar,
                    "authority": authorities[authority],
                },
            )
            for unit_code, unit_name, unit_kind, role in members:
                unit, _ = Unit.objects.update_or_create(
                    code=unit_code,
                    defaults={
                        "name": unit_name,
                        "kind": unit_kind,
                        **demo.letterhead(unit_name, unit_kind),
                    },
                )
                if code not in scored:
                    Membership.objects.update_or_create(
                        year=year, unit=unit, defaults={"cluster": cluster, "role": role}
                    )
        # The scored clusters come from the dataset, replaced on every run (what
        # was tried online in them goes too: the demo starts afresh); the year's
        # other clusters are left as they are.
        summary = dataset_import(
            document=dataset, replace=True, scope="clusters", discard_online_records=True
        )
        self.stdout.write(f"Dữ liệu chấm điểm mẫu ({', '.join(sorted(scored))}): {summary}")
        self._seed_2026()

        User = get_user_model()
        self.stdout.write(f"Tài khoản mẫu (mật khẩu chung: {demo.DEMO_PASSWORD}):")
        for username, full_name, authority, unit, superuser in demo.USERS:
            last, _, first = full_name.rpartition(" ")
            user, _ = User.objects.update_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "email": f"{username}@thidua.local",
                    "authority": authorities.get(authority),
                    "unit": Unit.objects.get(code=unit) if unit else None,
                    "is_superuser": superuser,
                    "is_staff": superuser,
                },
            )
            user.set_password(demo.DEMO_PASSWORD)
            user.save(update_fields=["password"])
            where = authority or unit or "quản trị"
            self.stdout.write(f"  {username:<10} {full_name} ({where})")

    def _seed_2026(self) -> None:
        """The new Bắc Ninh in 2026: the cluster of communes and wards under the
        2026 guidance, and the commune formed from two 2025 communes (#16)."""
        year_create(year=demo.DEMO_YEAR_2026)
        dataset = demo.guidance_2026(_with_guidance_titles(read_document(demo.DATASET_2026)))
        summary = dataset_import(
            document=dataset, replace=True, scope="clusters", discard_online_records=True
        )
        self.stdout.write(f"Năm {demo.DEMO_YEAR_2026} ({demo.CLUSTER_2026}): {summary}")
        for successor, predecessor, kind, effective_on, number, day, body in demo.SUCCESSIONS:
            new, old = Unit.objects.get(code=successor), Unit.objects.get(code=predecessor)
            link = Succession.objects.filter(successor=new, predecessor=old).first()
            link = link or Succession(successor=new, predecessor=old)
            link.kind, link.effective_on = kind, effective_on
            link.decision_number, link.decision_date, link.decision_body = number, day, body
            audit.save(link, user=None, reason="Dữ liệu mẫu")
            Unit.objects.filter(pk=old.pk).update(valid_until=effective_on - timedelta(days=1))
            Unit.objects.filter(pk=new.pk).update(valid_from=effective_on)
            self.stdout.write(f"  {new.name}: {link.get_kind_display().lower()} {old.name}")


def _with_guidance_titles(dataset: dict) -> dict:
    """The shared example leaves section II's titles as placeholders ("Nội dung
    II.1"); the demo takes Phụ lục 02's own titles for them, so that it reads
    as a real scorecard (#15). The file itself stays the shared example."""
    titles = dict(
        FrameworkCriterion.objects.filter(group="")
        .order_by("-framework__year")
        .values_list("code", "title")
    )
    for cluster in dataset["clusters"]:
        for criterion in cluster.get("criteria", []):
            if is_placeholder_title(criterion["title"], criterion["code"]):
                criterion["title"] = titles.get(criterion["code"], criterion["title"])
    return dataset

"""The demo: both province-years, scored. It loads the scored example datasets
and so uses every layer; it sits on top, with the awards (STYLE.md 15)."""

from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from clusters import deadlines, demo
from clusters.models import (
    Attendance,
    Authority,
    Cluster,
    ClusterReport,
    Conference,
    Deadline,
    EmulationYear,
    HeadDocument,
    Membership,
    Report,
    Succession,
    Unit,
)
from clusters.records import cluster_report_send
from clusters.services import (
    conference_record_attendance,
    conference_save,
    head_document_upload,
    year_create,
)
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
        today = timezone.localdate()
        played = [(code, demo.DEMO_YEAR) for code in sorted(scored)]
        for code, year in [*played, (demo.CLUSTER_2026, demo.DEMO_YEAR_2026)]:
            done = _head_work_up_to(Cluster.objects.get(code=code), year, today)
            if done:
                self.stdout.write(f"Trưởng cụm, khối {code} năm {year} đã làm đúng hạn: {done}")

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


# The head's work of a demo year whose deadline has passed by the day the demo
# is made, each done two weeks before its deadline: the demo's years read as
# run on time up to today, whatever today is. The members' sheets, the
# agreement and the awards stay open: the demo is where people try them.
DONE_BEFORE_DUE = timedelta(days=14)
SAMPLE_DOCUMENT = demo.DATA / "van-ban-mau.pdf"


def _head_work_up_to(cluster: Cluster, year_number: int, today: date) -> str:
    """Record the head's documents, reports and conferences of the cluster's
    year that are due before `today` and not yet recorded; what was recorded."""
    year = EmulationYear.objects.get(year=year_number)
    head = Membership.objects.get(cluster=cluster, year=year, role=Membership.Role.HEAD)
    user = get_user_model().objects.filter(unit=head.unit).first()
    due = {
        d.kind: d.due_date
        for d in Deadline.objects.filter(year=year, calendar=cluster.calendar)
        if d.due_date < today
    }
    done = []
    for kind, prefix in ((deadlines.PROGRAMME, "CTr"), (deadlines.REGULATION, "QC")):
        issued = HeadDocument.objects.filter(cluster=cluster, year=year, kind=kind)
        if kind in due and not issued.exists():
            head_document_upload(
                cluster=cluster,
                year=year,
                kind=kind,
                number=f"01/{prefix}-{cluster.code}",
                issued_on=due[kind] - DONE_BEFORE_DUE,
                file=_sample(f"{kind}.pdf"),
                user=user,
            )
            done.append(deadlines.KIND_LABELS[kind].lower())
    for kind, deadline in Report.DEADLINES.items():
        reported = ClusterReport.objects.filter(cluster=cluster, year=year, kind=kind)
        if deadline in due and not reported.exists():
            cluster_report_send(
                cluster=cluster,
                year=year,
                kind=kind,
                number=f"02/BC-{cluster.code}",
                reported_on=due[deadline] - DONE_BEFORE_DUE,
                file=_sample(f"bao-cao-{kind}.pdf"),
                user=user,
            )
            done.append(f"{Report.Kind(kind).label.lower()} của cụm, khối")
    conferences = (
        (deadlines.MID_YEAR_CONFERENCE, Conference.Kind.MID_YEAR, DONE_BEFORE_DUE),
        # R11: the preparatory meeting a few days before the annual conference.
        (deadlines.ANNUAL_CONFERENCE, Conference.Kind.PREPARATORY, DONE_BEFORE_DUE + timedelta(7)),
        (deadlines.ANNUAL_CONFERENCE, Conference.Kind.ANNUAL, DONE_BEFORE_DUE),
    )
    for deadline, kind, before in conferences:
        held = Conference.objects.filter(cluster=cluster, year=year, kind=kind)
        if deadline not in due or held.exists():
            continue
        conference = conference_save(
            cluster=cluster,
            year=year,
            kind=kind,
            held_on=due[deadline] - before,
            place=f"Trụ sở {head.unit.name}",
            minutes=_sample(f"bien-ban-{kind}.pdf"),
            user=user,
        )
        members = Membership.objects.filter(cluster=cluster, year=year)
        conference_record_attendance(
            conference=conference,
            statuses={m.pk: Attendance.Status.PRESENT for m in members},
            revision=conference.attendance_revision,
            user=user,
        )
        done.append(Conference.Kind(kind).label.lower())
    return ", ".join(done)


def _sample(name: str) -> ContentFile:
    return ContentFile(SAMPLE_DOCUMENT.read_bytes(), name=name)

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from clusters import deadlines
from clusters.results_records import ResultsQuerySet
from emulation import limits
from emulation.numbers import column_bounds, format_figure
from emulation.uploads import random_upload_path


class Authority(models.Model):
    """A body that guides a set of clusters (R1, [IV.2]); one of them is also
    the standing agency of the provincial council.

    Its kind is set by an administrator in the Django admin only, never read
    from a name nor from an import (issue 13): it decides who holds the
    province's powers (clusters.access).
    """

    class Kind(models.TextChoices):
        # "Sở Nội vụ (Cơ quan thường trực Hội đồng TĐKT tỉnh)" [I.2.1]: agrees every
        # cluster's scorecard [II.1], receives the proposals [III.2.2] and records
        # the council's and the Chairman's choices.
        STANDING = "standing", "Cơ quan thường trực Hội đồng TĐKT tỉnh (Sở Nội vụ)"
        # UBND huyện, BQL các KCN, Liên minh HTX, Sở Y tế, Sở GD&ĐT [IV.2]: guide,
        # follow and evaluate their clusters and send the results to Sở Nội vụ.
        GUIDING = "guiding", "Cơ quan hướng dẫn cụm, khối (Phần IV.2)"

    code = models.CharField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=255)
    kind = models.CharField(
        "vai trò",
        max_length=10,
        choices=Kind.choices,
        default=Kind.GUIDING,
        help_text=(
            "Chỉ quản trị hệ thống đặt. Cán bộ của cơ quan thường trực Hội đồng TĐKT tỉnh "
            "xem mọi cụm, khối của tỉnh, nhất trí bảng chấm điểm, tiếp nhận hồ sơ đề nghị "
            "khen thưởng và ghi nhận chỉ tiêu, điểm thưởng của Hội đồng và quyết định "
            "khen thưởng."
        ),
    )
    # Shared by every year: a change (an import with --update-shared, the
    # admin) is kept with who, when and why (R35, #11).
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cơ quan hướng dẫn"
        verbose_name_plural = "cơ quan hướng dẫn"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_standing_agency(self) -> bool:
        return self.kind == self.Kind.STANDING


class Unit(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", "Huyện, thành phố"
        COMMUNE = "commune", "Xã, thị trấn"
        # Since 1 July 2025 clusters gather communes and wards (#16).
        WARD = "ward", "Phường"
        DEPARTMENT = "department", "Sở, ban, ngành"
        PARTY_MASS = "party_mass", "Cơ quan Đảng, đoàn thể"
        ASSOCIATION = "association", "Hội"
        ENTERPRISE = "enterprise", "Doanh nghiệp"
        COOPERATIVE = "cooperative", "Hợp tác xã"
        SCHOOL = "school", "Trường học"
        HOSPITAL = "hospital", "Bệnh viện"
        OTHER = "other", "Khác"

    code = models.CharField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=255)
    kind = models.CharField("loại", max_length=20, choices=Kind.choices, default=Kind.OTHER)
    # Since 2025 units are formed, merged and dissolved (#16): the days the unit
    # existed as such; empty, it has always existed / still exists.
    valid_from = models.DateField("hoạt động từ ngày", null=True, blank=True)
    valid_until = models.DateField("hoạt động đến ngày", null=True, blank=True)
    # Deactivated by Sở Nội vụ (a unit merged or dissolved): kept with its
    # past years, offered to no cluster's next year (#14).
    is_active = models.BooleanField("đang hoạt động", default=True)
    # What its official documents print (Nghị định 30/2020): the issuing body
    # and its superior in the header, the place of the date line, the signer.
    issuer_name = models.CharField(
        "tên cơ quan ban hành", max_length=limits.ISSUER_NAME, blank=True
    )
    superior_name = models.CharField(
        "tên cơ quan chủ quản", max_length=limits.ISSUER_NAME, blank=True
    )
    place_name = models.CharField("địa danh", max_length=limits.PLACE_NAME, blank=True)
    signer_title = models.CharField("chức vụ người ký", max_length=limits.SIGNER_TITLE, blank=True)
    signer_name = models.CharField("họ và tên người ký", max_length=limits.PERSON_NAME, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="unit_valid_from_before_until",
                violation_error_message="Ngày bắt đầu hoạt động phải trước ngày kết thúc.",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Succession(models.Model):
    """`successor` continues `predecessor` from `effective_on`: a merger (two
    communes into a new one), a split or a new name, by a decision of the
    competent body (#16). A unit's record over the years, the rotation of
    heads (R13) and the province view follow these links (clusters.lineage)."""

    class Kind(models.TextChoices):
        MERGED = "merged", "Hợp nhất, sáp nhập từ"
        SPLIT = "split", "Chia tách từ"
        RENAMED = "renamed", "Đổi tên từ"

    successor = models.ForeignKey(
        Unit,
        verbose_name="đơn vị kế thừa",
        on_delete=models.PROTECT,
        related_name="predecessor_links",
    )
    predecessor = models.ForeignKey(
        Unit,
        verbose_name="đơn vị trước đây",
        on_delete=models.PROTECT,
        related_name="successor_links",
    )
    kind = models.CharField("hình thức", max_length=8, choices=Kind.choices)
    effective_on = models.DateField("có hiệu lực từ ngày")
    decision_number = models.CharField("số quyết định, nghị quyết", max_length=64)
    decision_date = models.DateField("ngày ban hành")
    decision_body = models.CharField("cơ quan ban hành", max_length=255)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ghi nhận",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "kế thừa đơn vị"
        verbose_name_plural = "kế thừa đơn vị (sáp nhập, chia tách, đổi tên)"
        ordering = ["successor__code", "predecessor__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["successor", "predecessor"],
                name="succession_once_per_pair",
                violation_error_message="Đơn vị này đã được ghi là kế thừa đơn vị kia.",
            ),
            models.CheckConstraint(
                condition=~Q(successor=models.F("predecessor")),
                name="succession_not_itself",
                violation_error_message="Một đơn vị không kế thừa chính nó.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.successor}: {self.get_kind_display().lower()} {self.predecessor}"

    def clean(self) -> None:
        """No chain that loops: the predecessor does not already continue the
        successor (the admin's form and succession_record both ask)."""
        from clusters.lineage import predecessor_ids

        if not (self.successor_id and self.predecessor_id):
            return
        if self.successor_id == self.predecessor_id:
            raise ValidationError("Một đơn vị không kế thừa chính nó.")
        chain = predecessor_ids([self.predecessor_id])[self.predecessor_id]
        if self.successor_id in chain:
            raise ValidationError(
                f"{self.predecessor} đã kế thừa {self.successor} (trực tiếp hoặc qua đơn vị "
                "khác): ghi thêm sẽ tạo thành vòng kế thừa."
            )


class ClusterQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClusterQuerySet":
        """Clusters whose data `user` may read (R1): all for superusers and
        the standing agency's staff, its own authority's for other staff, the cluster
        its unit belongs to (in any year) for unit users."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser or user.is_provincial_staff:
            return self
        if user.authority_id:
            return self.filter(authority_id=user.authority_id)
        if user.unit_id:
            member = Membership.objects.filter(cluster=OuterRef("pk"), unit_id=user.unit_id)
            return self.filter(Exists(member))
        return self.none()

    def with_member_count(self, year: "EmulationYear") -> "ClusterQuerySet":
        return self.annotate(member_count=Count("memberships", filter=Q(memberships__year=year)))


class Cluster(models.Model):
    class Kind(models.TextChoices):
        CUM = "cum", "Cụm thi đua"
        KHOI = "khoi", "Khối thi đua"

    class Group(models.TextChoices):
        A = "A", "A – Cụm các huyện, thành phố"
        B = "B", "B – Khối sở, ban, ngành và trường chuyên nghiệp"
        C = "C", "C – Khối cơ quan Đảng, Mặt trận, đoàn thể, hội"
        D = "D", "D – Khối doanh nghiệp, hợp tác xã"

    class Calendar(models.TextChoices):
        STANDARD = deadlines.STANDARD, "Năm dương lịch"
        EDUCATION = deadlines.EDUCATION, "Năm học"

    code = models.CharField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=255)
    kind = models.CharField("loại", max_length=4, choices=Kind.choices)
    group = models.CharField("nhóm tiêu chí", max_length=1, choices=Group.choices)
    calendar = models.CharField(
        "lịch thi đua", max_length=10, choices=Calendar.choices, default=Calendar.STANDARD
    )
    authority = models.ForeignKey(
        Authority,
        verbose_name="cơ quan hướng dẫn",
        on_delete=models.PROTECT,
        related_name="clusters",
    )
    history = HistoricalRecords()

    objects = ClusterQuerySet.as_manager()

    class Meta:
        verbose_name = "cụm, khối thi đua"
        verbose_name_plural = "cụm, khối thi đua"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    def first_year(self) -> int | None:
        """The cluster's first year in the system: its earliest year with members."""
        return self.memberships.aggregate(first=Min("year__year"))["first"]


class EmulationYearQuerySet(models.QuerySet):
    def current(self) -> "EmulationYear | None":
        """The newest year the system holds: the one people are working on."""
        return self.order_by("-year").first()


class EmulationYear(models.Model):
    """The yearly cycle (năm thi đua). For education clusters `year` is the
    school year starting in autumn of that year (R4)."""

    year = models.PositiveSmallIntegerField("năm", unique=True)
    # The guidance it is scored under: scoring.models.GuidanceYear (R36).

    objects = EmulationYearQuerySet.as_manager()

    class Meta:
        verbose_name = "năm thi đua"
        verbose_name_plural = "năm thi đua"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"Năm {self.year}"

    def window(self, calendar: str) -> tuple[date, date]:
        """The first and last day a person may give for this year's activities
        on a cluster calendar (R4), both included.

        It opens at the previous year's annual conference, where this year's
        pledge is signed and its head and deputy elected [I.3.2.b, R13] (and a
        head may issue its programme, R5): December of the year before for a
        standard year, June of `year` for a school year (R9). It closes six
        months after this year's annual conference (December, or June of
        `year + 1` for a school year): the seed only says the proposal goes
        to Sở Nội vụ and the Chairman "after the annual conference", so the
        decision (R34) and the Chairman's assignment of next year's head (R2)
        are given half a year. Dates past that, or years off, are typos.
        """
        if calendar == deadlines.EDUCATION:
            return date(self.year, 6, 1), date(self.year + 1, 12, 31)
        return date(self.year - 1, 12, 1), date(self.year + 1, 6, 30)

    def check_date(self, day: date, *, calendar: str, what: str, happened: bool) -> None:
        """Refuse a date outside the year's window, or after today for an event
        that must already have happened (a signature, a report sent, a
        meeting held, a decision signed), with a Vietnamese message."""
        first, last = self.window(calendar)
        if not first <= day <= last:
            raise ValidationError(
                f"{what} {day:%d/%m/%Y} không thuộc năm thi đua {self.year}: chỉ nhận ngày "
                f"từ {first:%d/%m/%Y} đến {last:%d/%m/%Y}.",
                code="outside_year",
            )
        today = timezone.localdate()
        if happened and day > today:
            raise ValidationError(
                f"{what} {day:%d/%m/%Y} là ngày trong tương lai: không được sau hôm nay "
                f"({today:%d/%m/%Y}).",
                code="future",
            )


class Deadline(models.Model):
    """One dated activity of a year for one calendar (R5–R10)."""

    Kind = models.TextChoices(
        "Kind", [(k.upper(), (k, v)) for k, v in deadlines.KIND_LABELS.items()]
    )

    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="deadlines"
    )
    calendar = models.CharField("lịch", max_length=10, choices=Cluster.Calendar.choices)
    kind = models.CharField("việc", max_length=32, choices=Kind.choices)
    due_date = models.DateField("hạn")
    # Moves by one with each change; a change from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hạn"
        verbose_name_plural = "các hạn trong năm"
        ordering = ["year", "calendar", "due_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "calendar", "kind"], name="deadline_unique_per_year_calendar"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.due_date:%d/%m/%Y}"


class ExtensionQuerySet(models.QuerySet):
    def active(self) -> "ExtensionQuerySet":
        return self.filter(revoked_at__isnull=True)


class Extension(models.Model):
    """A later date of one deadline for one unit or a whole cluster (#14).

    Sở Nội vụ grants it for any deadline, the head for the items its members
    send it (registration, reports, and with the annual report the
    self-scoring sheet). While active, everything that compares a unit's work
    with the deadline (lateness, R27's participation, the reminders of R14,
    "Việc cần làm") reads the extended date for the unit. Revoked, not
    deleted: its history keeps who granted and revoked it, and why (R35).
    """

    deadline = models.ForeignKey(
        Deadline, verbose_name="hạn", on_delete=models.CASCADE, related_name="extensions"
    )
    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="extensions"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="extensions"
    )
    membership = models.ForeignKey(
        "Membership",
        verbose_name="đơn vị",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="extensions",
        help_text="Để trống: gia hạn cho cả cụm, khối.",
    )
    due_date = models.DateField("hạn mới")
    reason = models.CharField("lý do", max_length=limits.REASON)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gia hạn",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField("thời điểm gia hạn", default=timezone.now)
    revoked_at = models.DateTimeField("thời điểm thu hồi", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người thu hồi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = ExtensionQuerySet.as_manager()

    class Meta:
        verbose_name = "gia hạn"
        verbose_name_plural = "gia hạn"
        ordering = ["deadline__due_date", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "cluster", "membership"],
                condition=Q(revoked_at__isnull=True, membership__isnull=False),
                name="extension_one_active_per_unit",
            ),
            models.UniqueConstraint(
                fields=["deadline", "cluster"],
                condition=Q(revoked_at__isnull=True, membership__isnull=True),
                name="extension_one_active_per_cluster",
            ),
        ]

    def __str__(self) -> str:
        return f"Gia hạn {self.deadline.get_kind_display()} đến {self.due_date:%d/%m/%Y}"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class MembershipQuerySet(models.QuerySet):
    def of_user(self, user, year: "EmulationYear | int") -> "Membership | None":
        """The membership of the user's unit in `year`, if it has one."""
        if not getattr(user, "unit_id", None):
            return None
        try:  # one at most (R2); get() also spares first()'s ordering
            membership = self.select_related("cluster__authority", "unit").get(
                unit_id=user.unit_id, year=year
            )
        except self.model.DoesNotExist:
            return None
        if isinstance(year, EmulationYear):
            membership.year = year  # the caller's: no join to read it again
        return membership


class Membership(models.Model):
    """A unit's place in a cluster for one year (R2)."""

    class Role(models.TextChoices):
        HEAD = "head", "Trưởng cụm, khối"
        DEPUTY = "deputy", "Phó trưởng cụm, khối"
        MEMBER = "member", "Thành viên"

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="memberships"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="memberships"
    )
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="memberships"
    )
    role = models.CharField("vai trò", max_length=8, choices=Role.choices, default=Role.MEMBER)
    acts_for_head = models.BooleanField(
        "được ủy quyền thay trưởng",
        default=False,
        help_text="Phó trưởng cụm, khối thay trưởng khi được ủy quyền.",
    )
    # Who placed a unit in a cluster's year, changed its role or took it out,
    # and why (R35, #14).
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = "thành viên"
        verbose_name_plural = "thành viên cụm, khối"
        ordering = ["cluster", "year", "unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "unit"],
                name="membership_one_cluster_per_unit_year",
                violation_error_message="Một đơn vị chỉ thuộc một cụm, khối trong một năm.",
            ),
            models.UniqueConstraint(
                fields=["cluster", "year"],
                condition=Q(role="head"),
                name="membership_one_head_per_cluster_year",
                violation_error_message="Mỗi cụm, khối chỉ có một trưởng cụm, khối trong năm.",
            ),
            models.UniqueConstraint(
                fields=["cluster", "year"],
                condition=Q(role="deputy"),
                name="membership_one_deputy_per_cluster_year",
                violation_error_message="Mỗi cụm, khối có nhiều nhất một phó trưởng.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.get_role_display()} ({self.cluster.code}, {self.year.year})"

    @property
    def leads(self) -> bool:
        """Head, or deputy acting for the head when delegated (R3): by the
        head's delegation in force today, or the administrator's flag."""
        if self.role == self.Role.HEAD:
            return True
        return self.role == self.Role.DEPUTY and (self.acts_for_head or self.delegated_today)

    @cached_property
    def delegated_today(self) -> bool:
        """A delegation of the head covers today (#14). One query, for a deputy only."""
        return self.delegations.in_force(timezone.localdate()).exists()


class DelegationQuerySet(models.QuerySet):
    def in_force(self, day: date) -> "DelegationQuerySet":
        return self.filter(ended_at__isnull=True, starts_on__lte=day, ends_on__gte=day)


class Delegation(models.Model):
    """The head's delegation to the deputy ("Phó Trưởng cụm, khối … thay mặt
    Trưởng cụm, khối điều hành khi được ủy quyền", [I.2.2], R3) for a period
    and a purpose (#14). The deputy leads only from `starts_on` to `ends_on`;
    the head may end it earlier. Ended, not deleted: the history keeps who
    gave and ended it, and why (R35)."""

    membership = models.ForeignKey(
        Membership,
        verbose_name="phó trưởng cụm, khối",
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    starts_on = models.DateField("từ ngày")
    ends_on = models.DateField("đến ngày")
    purpose = models.CharField("nội dung ủy quyền", max_length=limits.REASON)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ủy quyền",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("thời điểm ủy quyền", default=timezone.now)
    ended_at = models.DateTimeField("thời điểm kết thúc", null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người kết thúc",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    objects = DelegationQuerySet.as_manager()

    class Meta:
        verbose_name = "ủy quyền cho phó trưởng cụm, khối"
        verbose_name_plural = "ủy quyền cho phó trưởng cụm, khối"
        ordering = ["-starts_on", "pk"]

    def __str__(self) -> str:
        return f"Ủy quyền {self.starts_on:%d/%m/%Y}–{self.ends_on:%d/%m/%Y}"

    @property
    def is_ended(self) -> bool:
        return self.ended_at is not None


# ---------------------------------------------------------------------------
# What the units' year leaves for the results: the deductions of R12/R25 and
# the participation record of R27. The year's activities below record them;
# scoring reads them. Their tables keep the names they were created with in
# scoring (`scoring_deduction`, `scoring_participation` and their histories):
# the models moved down to the organisation without moving data (#16).


class Deduction(models.Model):
    """An R25 deduction: proposed (by the head or the system), confirmed by staff."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Đề nghị"
        CONFIRMED = "confirmed", "Đã xác nhận"
        REJECTED = "rejected", "Không chấp nhận"

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="deductions"
    )
    # A deduction kind of the year's guidance (R25, R39): checked and named
    # where the guidance is known (scoring), no fixed list of 2022 kinds here.
    kind = models.CharField("loại", max_length=20)
    count = models.PositiveSmallIntegerField("số lần", default=1, validators=[MinValueValidator(1)])
    reason = models.TextField("lý do", max_length=limits.REASON)
    evidence = models.FileField("minh chứng", upload_to="deductions/", blank=True)
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.CONFIRMED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = "membership__"
    history = HistoricalRecords(table_name="scoring_historicaldeduction")

    class Meta:
        db_table = "scoring_deduction"  # kept where it was made (#16)
        verbose_name = "điểm trừ"
        verbose_name_plural = "điểm trừ"
        constraints = [
            limits.length_check("scoring_deduction", "reason", limits.REASON),
            models.CheckConstraint(condition=Q(count__gte=1), name="deduction_count_positive"),
        ]

    def __str__(self) -> str:
        # The organisation does not read guidances (scoring does): the code.
        return f"Điểm trừ “{self.kind}” × {self.count}"


def _fact(verbose_name: str) -> models.BooleanField:
    """A participation fact: done, not done, or None while nothing is recorded."""
    return models.BooleanField(verbose_name, null=True, default=None)


def _source(what: str, choices: type[models.TextChoices]) -> models.CharField:
    """Where a participation fact's value came from (blank while nothing is recorded)."""
    return models.CharField(f"nguồn: {what}", max_length=10, choices=choices.choices, blank=True)


class Participation(models.Model):
    """A unit's one participation record of its year (R27): registered, pledge
    signed, mid-year report, annual report, each with where its value came
    from (STYLE 18).

    The year's online activities write to it as they happen, a dataset import
    writes every fact of every unit, and the head or the staff may enter a
    fact by hand with a reason (R35). A fact nobody has recorded is None; how
    a fact counts for the results (its deadline, an unpublished pledge) is
    decided in one place, `clusters.participation`.
    """

    class Source(models.TextChoices):
        ONLINE = "online", "Trực tuyến"
        IMPORT = "import", "Nhập từ tệp dữ liệu"
        MANUAL = "manual", "Ghi nhận thủ công"

    FACTS = ("registered", "pledge_signed", "mid_year_report", "annual_report")

    membership = models.OneToOneField(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="participation"
    )
    # Moves by one with each fact written; an entry by hand from an older page
    # is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    registered = _fact("đã đăng ký thi đua")
    registered_source = _source("đăng ký", Source)
    pledge_signed = _fact("đã ký giao ước")
    pledge_signed_source = _source("giao ước", Source)
    mid_year_report = _fact("đã gửi báo cáo sơ kết")
    mid_year_report_source = _source("báo cáo sơ kết", Source)
    annual_report = _fact("đã gửi báo cáo tổng kết")
    annual_report_source = _source("báo cáo tổng kết", Source)
    confirmed_at = models.DateTimeField("trưởng cụm xác nhận lúc", null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người xác nhận",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords(table_name="scoring_historicalparticipation")

    class Meta:
        db_table = "scoring_participation"  # kept where it was made (#16)
        verbose_name = "tham gia hoạt động"
        verbose_name_plural = "tham gia hoạt động"

    def __str__(self) -> str:
        return f"Tham gia của {self.membership.unit.code}"


# ---------------------------------------------------------------------------
# The year's activities (R5–R13): registrations, pledges, the head's
# documents, reports, conferences and the election of next year's leaders.
# Each keeps its history (R35); the deductions they suggest are
# `Deduction` rows linked from here.


class Registration(models.Model):
    """A member unit's registration for the year (đăng ký thi đua, Phụ lục 01; R6)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Đang soạn"
        SUBMITTED = "submitted", "Đã gửi"

    membership = models.OneToOneField(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="registration"
    )
    objectives = models.TextField("mục tiêu", blank=True, max_length=limits.OBJECTIVES)
    other_targets = models.TextField("chỉ tiêu khác", blank=True, max_length=limits.OTHER_TARGETS)
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField("ngày gửi", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gửi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField("cập nhật", auto_now=True)
    # Bumped on every save; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "đăng ký thi đua"
        verbose_name_plural = "đăng ký thi đua"
        constraints = [
            limits.length_check("clusters_registration", "objectives", limits.OBJECTIVES),
            limits.length_check("clusters_registration", "other_targets", limits.OTHER_TARGETS),
        ]

    def __str__(self) -> str:
        return f"Đăng ký thi đua của {self.membership.unit.code} năm {self.membership.year.year}"

    @property
    def is_submitted(self) -> bool:
        return self.status == self.Status.SUBMITTED

    def is_late(self, due: date | None) -> bool:
        """Submitted after the year's registration deadline (R6); late is still accepted."""
        return (
            self.submitted_at is not None
            and due is not None
            and timezone.localdate(self.submitted_at) > due
        )


class RegistrationTarget(models.Model):
    """A main target (chỉ tiêu chủ yếu) of a registration. Linked to a
    quantitative criterion, its planned value is the unit's plan there (R19)."""

    registration = models.ForeignKey(
        Registration, verbose_name="bản đăng ký", on_delete=models.CASCADE, related_name="targets"
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    title = models.TextField("chỉ tiêu", max_length=limits.TARGET_TITLE)
    measure = models.CharField("đơn vị tính", max_length=64, blank=True)
    planned_value = models.DecimalField(
        "kế hoạch",
        max_digits=20,
        decimal_places=6,
        null=True,
        blank=True,
        validators=column_bounds(20, 6),
    )
    criterion = models.ForeignKey(
        "scoring.Criterion",
        verbose_name="tiêu chí chấm điểm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registration_targets",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chỉ tiêu đăng ký"
        verbose_name_plural = "chỉ tiêu đăng ký"
        ordering = ["registration", "order"]
        constraints = [
            limits.length_check("clusters_registrationtarget", "title", limits.TARGET_TITLE),
            models.UniqueConstraint(
                fields=["registration", "criterion"],
                condition=Q(criterion__isnull=False),
                name="registration_target_one_per_criterion",
                violation_error_message="Mỗi tiêu chí chỉ gắn với một chỉ tiêu đăng ký.",
            ),
        ]

    def __str__(self) -> str:
        return self.title[:80]

    @property
    def planned_text(self) -> str:
        """The plan the Vietnamese way (decimal comma, dot thousands)."""
        return format_figure(self.planned_value)


class Pledge(models.Model):
    """The year's pledge (giao ước thi đua) the head publishes for members to sign."""

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="pledges"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="pledges"
    )
    text = models.TextField("nội dung giao ước", blank=True, max_length=limits.PLEDGE_TEXT)
    file = models.FileField(
        "tệp giao ước", upload_to=random_upload_path("pledges"), blank=True, max_length=200
    )
    published_at = models.DateTimeField("ngày công bố", null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người công bố",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Bumped on every draft save; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "giao ước thi đua"
        verbose_name_plural = "giao ước thi đua"
        constraints = [
            limits.length_check("clusters_pledge", "text", limits.PLEDGE_TEXT),
            models.UniqueConstraint(fields=["cluster", "year"], name="pledge_one_per_cluster_year"),
        ]

    def __str__(self) -> str:
        return f"Giao ước thi đua {self.cluster.code} năm {self.year.year}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class PledgeSignature(models.Model):
    """A member's signature of the pledge: online, or on paper at the conference."""

    class Method(models.TextChoices):
        ONLINE = "online", "Ký trực tuyến"
        PAPER = "paper", "Ký trực tiếp tại hội nghị"

    pledge = models.ForeignKey(
        Pledge, verbose_name="giao ước", on_delete=models.CASCADE, related_name="signatures"
    )
    membership = models.ForeignKey(
        Membership,
        verbose_name="đơn vị",
        on_delete=models.CASCADE,
        related_name="pledge_signatures",
    )
    method = models.CharField("hình thức", max_length=8, choices=Method.choices)
    signed_on = models.DateField("ngày ký")
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ký hoặc ghi nhận",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("thời điểm ghi nhận", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chữ ký giao ước"
        verbose_name_plural = "chữ ký giao ước"
        constraints = [
            models.UniqueConstraint(
                fields=["pledge", "membership"], name="pledge_signature_one_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit.code} ký {self.signed_on:%d/%m/%Y}"


class HeadDocument(models.Model):
    """A document the head issues: the programme (R5) or the scoring regulation (R7)."""

    class Kind(models.TextChoices):
        PROGRAMME = deadlines.PROGRAMME, "Chương trình, kế hoạch hoạt động"
        REGULATION = deadlines.REGULATION, "Quy chế chấm điểm và bình xét thi đua"

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="head_documents"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="head_documents"
    )
    kind = models.CharField("loại văn bản", max_length=12, choices=Kind.choices)
    number = models.CharField("số, ký hiệu", max_length=64, blank=True)
    issued_on = models.DateField("ngày ban hành")
    file = models.FileField("tệp", upload_to=random_upload_path("head-documents"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người tải lên",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("ngày tải lên", auto_now=True)
    late_deduction = models.OneToOneField(
        "Deduction",
        verbose_name="điểm trừ đề nghị do ban hành chậm",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "văn bản của trưởng cụm, khối"
        verbose_name_plural = "văn bản của trưởng cụm, khối"
        ordering = ["cluster", "year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year", "kind"], name="head_document_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.issued_on:%d/%m/%Y})"

    def is_late(self, due: date | None) -> bool:
        return due is not None and self.issued_on > due


class Report(models.Model):
    """A member's mid-year or annual report on emulation work (R10)."""

    class Kind(models.TextChoices):
        MID_YEAR = "mid_year", "Báo cáo sơ kết 6 tháng"
        ANNUAL = "annual", "Báo cáo tổng kết năm"

    DEADLINES = {Kind.MID_YEAR: deadlines.MID_YEAR_REPORT, Kind.ANNUAL: deadlines.ANNUAL_REPORT}

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="reports"
    )
    kind = models.CharField("loại báo cáo", max_length=10, choices=Kind.choices)
    number = models.CharField("số, ký hiệu", max_length=64, blank=True)
    reported_on = models.DateField("ngày báo cáo")
    file = models.FileField("tệp", upload_to=random_upload_path("reports"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người tải lên",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("ngày gửi", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "báo cáo"
        verbose_name_plural = "báo cáo sơ kết, tổng kết"
        constraints = [
            models.UniqueConstraint(fields=["membership", "kind"], name="report_one_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} của {self.membership.unit.code}"

    def is_late(self, due: date | None) -> bool:
        return due is not None and timezone.localdate(self.uploaded_at) > due


class Conference(models.Model):
    """A conference or other activity of a cluster's year (R8, R9, R11)."""

    class Kind(models.TextChoices):
        MID_YEAR = "mid_year", "Hội nghị sơ kết 6 tháng"
        PREPARATORY = "preparatory", "Họp trù bị"
        ANNUAL = "annual", "Hội nghị tổng kết năm"
        OTHER = "other", "Hoạt động khác"

    # One of each per cluster and year; "other" activities are as many as held.
    SINGLE_KINDS = (Kind.MID_YEAR, Kind.PREPARATORY, Kind.ANNUAL)

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="conferences"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="conferences"
    )
    kind = models.CharField("loại", max_length=12, choices=Kind.choices)
    title = models.CharField("tên hoạt động", max_length=255, blank=True)
    held_on = models.DateField("ngày tổ chức")
    place = models.CharField("địa điểm", max_length=255)
    agenda = models.TextField("nội dung, chương trình", blank=True, max_length=limits.AGENDA)
    # Moves by one with each change; an edit from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    # Moves by one each time the attendance is recorded; a recording from an
    # older page is refused (#11.8). Its own count: the attendance and the
    # date and place are edited on different pages.
    attendance_revision = models.PositiveIntegerField("phiên bản điểm danh", default=0)
    minutes = models.FileField(
        "biên bản", upload_to=random_upload_path("minutes"), blank=True, max_length=200
    )
    # The minutes read out and adopted at the meeting (#14): how many of the
    # units voting agreed. Empty: not adopted (the PDF then says nothing of it).
    adopted_votes = models.PositiveSmallIntegerField(
        "số đơn vị tán thành biên bản", null=True, blank=True
    )
    adopted_voters = models.PositiveSmallIntegerField("số đơn vị biểu quyết", null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người tạo",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hội nghị"
        verbose_name_plural = "hội nghị, hoạt động"
        ordering = ["cluster", "year", "held_on"]
        constraints = [
            limits.length_check("clusters_conference", "agenda", limits.AGENDA),
            models.UniqueConstraint(
                fields=["cluster", "year", "kind"],
                condition=Q(kind__in=["mid_year", "preparatory", "annual"]),
                name="conference_one_per_main_kind",
                violation_error_message="Mỗi năm cụm, khối chỉ có một hội nghị loại này.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ngày {self.held_on:%d/%m/%Y}"

    @property
    def name(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def is_adopted(self) -> bool:
        return self.adopted_votes is not None


class Attendance(models.Model):
    """Who took part in a conference, per member unit (R12)."""

    class Status(models.TextChoices):
        PRESENT = "present", "Tham dự đúng thành phần"
        WRONG_COMPOSITION = "wrong_composition", "Tham dự không đúng thành phần"
        ABSENT = "absent", "Vắng mặt"

    conference = models.ForeignKey(
        Conference, verbose_name="hội nghị", on_delete=models.CASCADE, related_name="attendances"
    )
    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="attendances"
    )
    status = models.CharField("tham dự", max_length=20, choices=Status.choices)
    note = models.CharField("ghi chú", max_length=255, blank=True)
    deduction = models.OneToOneField(
        "Deduction",
        verbose_name="điểm trừ đề nghị",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tham dự hội nghị"
        verbose_name_plural = "tham dự hội nghị"
        constraints = [
            models.UniqueConstraint(
                fields=["conference", "membership"], name="attendance_one_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit.code}: {self.get_status_display()}"

    @property
    def is_breach(self) -> bool:
        """Absence or wrong composition: a ground for a member_duty deduction (R12, R25)."""
        return self.status != self.Status.PRESENT


class Election(models.Model):
    """Next year's head and deputy, elected at the annual conference of `year`,
    and the Chairman's assignment of them (R2, R13)."""

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="elections"
    )
    year = models.ForeignKey(
        EmulationYear,
        verbose_name="năm tổ chức bầu",
        on_delete=models.CASCADE,
        related_name="elections",
    )
    head = models.ForeignKey(
        Unit, verbose_name="trưởng cụm, khối năm sau", on_delete=models.PROTECT, related_name="+"
    )
    deputy = models.ForeignKey(
        Unit,
        verbose_name="phó trưởng cụm, khối năm sau",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    elected_on = models.DateField("ngày bầu")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ghi nhận",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decision_number = models.CharField("số quyết định giao", max_length=64, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ghi nhận quyết định",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    assigned_at = models.DateTimeField("thời điểm ghi nhận quyết định", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "bầu trưởng, phó cụm, khối"
        verbose_name_plural = "bầu trưởng, phó cụm, khối"
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year"], name="election_one_per_cluster_year"
            )
        ]

    def __str__(self) -> str:
        return f"Bầu trưởng, phó {self.cluster.code} năm {self.year.year + 1}"

    @property
    def is_assigned(self) -> bool:
        return self.assigned_at is not None


class PriorRole(models.Model):
    """A cluster's head or deputy in a year before the cluster's first year in
    the system (#14), entered by Sở Nội vụ from the old records: the rotation
    (R2) and a unit's record over the years read it like a year's membership.
    Corrected and removed with a reason, kept in the history (R35)."""

    # The same values as the memberships' roles: the rotation reads both alike.
    class Role(models.TextChoices):
        HEAD = Membership.Role.HEAD.value, Membership.Role.HEAD.label
        DEPUTY = Membership.Role.DEPUTY.value, Membership.Role.DEPUTY.label

    # Only a guard against a mistyped year, not a rule of the guidance.
    EARLIEST_YEAR = 1990

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="prior_roles"
    )
    year = models.PositiveSmallIntegerField("năm", validators=[MinValueValidator(EARLIEST_YEAR)])
    unit = models.ForeignKey(
        Unit, verbose_name="đơn vị", on_delete=models.PROTECT, related_name="prior_roles"
    )
    role = models.CharField("vai trò", max_length=8, choices=Role.choices)
    source = models.CharField(
        "căn cứ",
        max_length=255,
        help_text="Quyết định, biên bản hoặc hồ sơ ghi nhận vai trò của năm đó.",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nhập",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "trưởng, phó cụm, khối các năm trước"
        verbose_name_plural = "trưởng, phó cụm, khối các năm trước"
        ordering = ["cluster", "-year", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year", "role"],
                name="prior_role_one_per_cluster_year_role",
                violation_error_message=("Cụm, khối đã có đơn vị giữ vai trò này trong năm."),
            ),
            models.UniqueConstraint(
                fields=["unit", "year"],
                name="prior_role_one_per_unit_year",
                violation_error_message=("Một đơn vị chỉ giữ một vai trò trong một năm."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.get_role_display()} ({self.cluster.code}, {self.year})"

    def clean(self) -> None:
        """The year is before the cluster's first year in the system (a year
        in the system has its roles in its memberships), and the unit existed
        that year and belonged to no other cluster in the system then."""
        if not (self.cluster_id and self.unit_id and self.year):
            return
        self._check_before_the_system()
        self._check_the_unit_that_year()

    def _check_before_the_system(self) -> None:
        first = self.cluster.first_year()
        if first is not None and self.year >= first:
            raise ValidationError(
                {
                    "year": f"Năm {self.year} không trước năm đầu tiên của {self.cluster.name} "
                    f"trên hệ thống ({first}): trưởng, phó của năm {first} trở đi ghi ở danh "
                    "sách thành viên của năm."
                }
            )
        this_year = timezone.localdate().year
        if first is None and self.year > this_year:
            raise ValidationError({"year": f"Năm {self.year} chưa đến (năm nay là {this_year})."})

    def _check_the_unit_that_year(self) -> None:
        unit = self.unit
        if unit.valid_from and unit.valid_from.year > self.year:
            raise ValidationError(
                f"{unit} hoạt động từ ngày {unit.valid_from:%d/%m/%Y}: chưa có năm {self.year}."
            )
        if unit.valid_until and unit.valid_until.year < self.year:
            raise ValidationError(
                f"{unit} chỉ hoạt động đến ngày {unit.valid_until:%d/%m/%Y}: không còn năm "
                f"{self.year}."
            )
        elsewhere = (
            Membership.objects.filter(unit=unit, year__year=self.year)
            .select_related("cluster")
            .first()
        )
        if elsewhere is not None:
            raise ValidationError(
                f"{unit} thuộc {elsewhere.cluster.name} năm {self.year} trên hệ thống: không "
                "giữ vai trò ở cụm, khối khác trong năm đó."
            )

    def describe(self) -> str:
        return f"{self.get_role_display().lower()} năm {self.year}: {self.unit}"


class ReminderSent(models.Model):
    """One reminder of a deadline to a responsible unit at one offset (R14).

    The row is claimed (inserted) before the e-mail goes, so the unique
    constraint keeps a reminder from going twice even when two workers run
    the daily job at once; `sent_at` stays empty until a send succeeds.
    """

    deadline = models.ForeignKey(
        Deadline,
        verbose_name="hạn",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    # The pledge has no Deadline row: it is due on the day of the previous
    # year's annual conference, where it is signed (participation.pledge_due_on).
    # An ad-hoc report asked by Sở Nội vụ (#14), due on its own date.
    adhoc = models.ForeignKey(
        "AdhocRequest",
        verbose_name="báo cáo đột xuất",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    conference = models.ForeignKey(
        "Conference",
        verbose_name="hội nghị ký giao ước",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="pledge_reminders",
    )
    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="reminders"
    )
    # Empty for a reminder sent by hand (#15), which has no offset.
    offset = models.SmallIntegerField(
        "số ngày trước hạn",
        null=True,
        blank=True,
        help_text="14, 7 hoặc 1 ngày trước hạn; -1 là ngày sau hạn; trống khi nhắc trực tiếp.",
    )
    claimed_at = models.DateTimeField("nhận gửi lúc", default=timezone.now)
    sent_at = models.DateTimeField("đã gửi lúc", null=True, blank=True)
    # A reminder sent by hand by the head or Sở Nội vụ (#15): one item, its day and sender.
    kind = models.CharField("việc", max_length=32, blank=True)
    reminded_on = models.DateField("nhắc ngày", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nhắc",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = "thư nhắc việc"
        verbose_name_plural = "thư nhắc việc"
        ordering = ["-claimed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["deadline", "membership", "offset"],
                name="reminder_once_per_deadline_unit_offset",
            ),
            models.UniqueConstraint(
                fields=["conference", "membership", "offset"],
                name="reminder_once_per_pledge_conference_unit_offset",
            ),
            models.UniqueConstraint(
                fields=["adhoc", "membership", "offset"],
                name="reminder_once_per_adhoc_unit_offset",
            ),
            models.CheckConstraint(
                condition=(
                    Q(deadline__isnull=False, conference__isnull=True, adhoc__isnull=True)
                    | Q(deadline__isnull=True, conference__isnull=False, adhoc__isnull=True)
                    | Q(deadline__isnull=True, conference__isnull=True, adhoc__isnull=False)
                ),
                name="reminder_of_a_deadline_a_pledge_conference_or_an_adhoc",
            ),
            # By hand, at most once a day per unit and item (#15); the automatic
            # ones have no day and are counted by offset above.
            models.UniqueConstraint(
                fields=["membership", "kind", "reminded_on"],
                name="reminder_by_hand_once_a_day_per_unit_item",
            ),
            models.CheckConstraint(
                condition=(
                    Q(offset__isnull=False, reminded_on__isnull=True)
                    | Q(offset__isnull=True, reminded_on__isnull=False) & ~Q(kind="")
                ),
                name="reminder_automatic_or_by_hand",
            ),
        ]

    def __str__(self) -> str:
        return f"Nhắc {self.label} cho {self.membership.unit.code} ({self.offset_label})"

    @property
    def label(self) -> str:
        if self.adhoc_id:
            return f"Báo cáo đột xuất: {self.adhoc.subject}"
        if self.kind:
            from clusters.progress import ITEM_LABELS  # progress reads these models

            return ITEM_LABELS.get(self.kind, self.kind)
        return self.deadline.get_kind_display() if self.deadline else "Ký giao ước thi đua"

    @property
    def due_date(self) -> date:
        if self.adhoc_id:
            return self.adhoc.due_date
        return self.deadline.due_date if self.deadline else self.conference.held_on

    @property
    def by_hand(self) -> bool:
        return self.reminded_on is not None

    @property
    def offset_label(self) -> str:
        if self.offset is None:
            return "Nhắc trực tiếp"
        if self.offset < 0:
            return f"{-self.offset} ngày sau hạn"
        return f"{self.offset} ngày trước hạn"


class ConferenceGuest(models.Model):
    """A guest of a conference the seed names beside the member units (#14):
    "Thành viên Hội đồng TĐKT tỉnh …; Lãnh đạo Sở Nội vụ …; Riêng khối thi
    đua các doanh nghiệp mời đại diện lãnh đạo Cơ quan Đảng ủy Khối doanh
    nghiệp tỉnh" [I.3.2.a, I.3.2.b]."""

    class Role(models.TextChoices):
        COUNCIL = "council", "Thành viên Hội đồng Thi đua – Khen thưởng tỉnh"
        HOME_AFFAIRS = "home_affairs", "Lãnh đạo, công chức Sở Nội vụ"
        ENTERPRISE_PARTY = "enterprise_party", "Lãnh đạo Cơ quan Đảng ủy Khối doanh nghiệp tỉnh"
        OTHER = "other", "Khách mời khác"

    conference = models.ForeignKey(
        Conference, verbose_name="hội nghị", on_delete=models.CASCADE, related_name="guests"
    )
    role = models.CharField("thành phần", max_length=20, choices=Role.choices)
    name = models.CharField("họ tên, chức vụ", max_length=255)
    present = models.BooleanField("có mặt", default=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "khách mời hội nghị"
        verbose_name_plural = "khách mời hội nghị"
        ordering = ["conference", "role", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_role_display()})"

    @staticmethod
    def invited_roles(cluster: Cluster) -> list[str]:
        """The guests the seed names for the cluster's conferences: the
        council's member and Sở Nội vụ; for a block of enterprises (group D)
        also Đảng ủy Khối doanh nghiệp [I.3.2]."""
        roles = [ConferenceGuest.Role.COUNCIL, ConferenceGuest.Role.HOME_AFFAIRS]
        if cluster.group == Cluster.Group.D:
            roles.append(ConferenceGuest.Role.ENTERPRISE_PARTY)
        return roles


class ExemplaryModel(models.Model):
    """An exemplary collective or individual a member unit puts forward
    ("Phát hiện, phổ biến, giới thiệu các mô hình, điển hình tiên tiến",
    [I.2.3]); the annual conference presents 1–2 of the cluster's [I.3.2.b]."""

    class Kind(models.TextChoices):
        COLLECTIVE = "collective", "Tập thể"
        INDIVIDUAL = "individual", "Cá nhân"

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="exemplars"
    )
    kind = models.CharField("loại", max_length=10, choices=Kind.choices)
    name = models.CharField("tên tập thể, cá nhân", max_length=255)
    description = models.TextField("mô tả ngắn", max_length=limits.EXEMPLARY_DESCRIPTION)
    file = models.FileField(
        "tệp kèm theo", upload_to=random_upload_path("exemplars"), blank=True, max_length=200
    )
    # The annual conference that presented it (1–2 per cluster and year).
    presented_at = models.ForeignKey(
        Conference,
        verbose_name="báo cáo tại hội nghị",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="exemplars",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gửi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("ngày gửi", default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "điển hình tiên tiến"
        verbose_name_plural = "điển hình tiên tiến"
        ordering = ["membership__unit__code", "pk"]
        constraints = [
            limits.length_check(
                "clusters_exemplarymodel", "description", limits.EXEMPLARY_DESCRIPTION
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"


class ClusterReport(models.Model):
    """The cluster's own mid-year or annual report (báo cáo sơ kết, tổng kết
    của cụm, khối), sent by the head to Sở Nội vụ [I.1, I.2.1] (#14)."""

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="reports"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="cluster_reports"
    )
    kind = models.CharField("loại báo cáo", max_length=10, choices=Report.Kind.choices)
    number = models.CharField("số, ký hiệu", max_length=64, blank=True)
    reported_on = models.DateField("ngày báo cáo")
    file = models.FileField("tệp", upload_to=random_upload_path("cluster-reports"), max_length=200)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gửi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    uploaded_at = models.DateTimeField("ngày gửi", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "báo cáo của cụm, khối"
        verbose_name_plural = "báo cáo của cụm, khối"
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year", "kind"], name="cluster_report_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} của {self.cluster.code}"

    def is_late(self, due: date | None) -> bool:
        return due is not None and timezone.localdate(self.uploaded_at) > due


class AdhocRequest(models.Model):
    """A báo cáo đột xuất Sở Nội vụ asks of a cluster's head or of all its
    members, by a date ("báo cáo … hoặc đột xuất", [I.1, I.2.3]) (#14)."""

    class Audience(models.TextChoices):
        HEAD = "head", "Trưởng cụm, khối"
        MEMBERS = "members", "Tất cả đơn vị thành viên"

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="adhoc_requests"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="adhoc_requests"
    )
    subject = models.CharField("nội dung báo cáo", max_length=255)
    details = models.TextField("yêu cầu cụ thể", max_length=limits.ADHOC_REQUEST, blank=True)
    audience = models.CharField("gửi đến", max_length=8, choices=Audience.choices)
    due_date = models.DateField("hạn gửi")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người yêu cầu",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField("ngày yêu cầu", default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "yêu cầu báo cáo đột xuất"
        verbose_name_plural = "yêu cầu báo cáo đột xuất"
        ordering = ["-due_date", "pk"]
        constraints = [
            limits.length_check("clusters_adhocrequest", "details", limits.ADHOC_REQUEST),
        ]

    def __str__(self) -> str:
        return f"Báo cáo đột xuất: {self.subject}"

    def addressed_to(self, membership: Membership) -> bool:
        return membership.cluster_id == self.cluster_id and (
            self.audience == self.Audience.MEMBERS or membership.role == Membership.Role.HEAD
        )


class AdhocAnswer(models.Model):
    """An addressee's answer to an ad-hoc request: a file, a text, or both."""

    request = models.ForeignKey(
        AdhocRequest, verbose_name="yêu cầu", on_delete=models.CASCADE, related_name="answers"
    )
    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="adhoc_answers"
    )
    text = models.TextField("nội dung", max_length=limits.ADHOC_ANSWER, blank=True)
    file = models.FileField(
        "tệp báo cáo", upload_to=random_upload_path("adhoc"), blank=True, max_length=200
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gửi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField("ngày gửi", auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "báo cáo đột xuất"
        verbose_name_plural = "báo cáo đột xuất"
        constraints = [
            limits.length_check("clusters_adhocanswer", "text", limits.ADHOC_ANSWER),
            models.UniqueConstraint(
                fields=["request", "membership"], name="adhoc_answer_one_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit.code}: {self.request.subject}"

    def is_late(self) -> bool:
        return timezone.localdate(self.sent_at) > self.request.due_date


class Evaluation(models.Model):
    """A guiding authority's yearly evaluation of one of its clusters, sent to
    Sở Nội vụ with the cluster's registrations, reports, regulation and
    issued scorecard ("Hằng năm, thực hiện đánh giá hoạt động của các cụm,
    khối thi đua và gửi các kết quả … về Sở Nội vụ", [IV.2]) (#14). The seed
    gives no rating scale: the evaluation is a text."""

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="evaluations"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="evaluations"
    )
    text = models.TextField("đánh giá hoạt động của cụm, khối", max_length=limits.EVALUATION)
    written_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ghi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sent_at = models.DateTimeField("ngày gửi Sở Nội vụ", null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người gửi",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "đánh giá của cơ quan hướng dẫn"
        verbose_name_plural = "đánh giá của cơ quan hướng dẫn"
        constraints = [
            limits.length_check("clusters_evaluation", "text", limits.EVALUATION),
            models.UniqueConstraint(fields=["cluster", "year"], name="evaluation_one_per_year"),
        ]

    def __str__(self) -> str:
        return f"Đánh giá {self.cluster.code} năm {self.year.year}"

    @property
    def is_sent(self) -> bool:
        return self.sent_at is not None

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.functional import cached_property
from simple_history.models import HistoricalRecords

from clusters import deadlines
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
    history = HistoricalRecords()

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


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
# The year's activities (R5–R13): registrations, pledges, the head's
# documents, reports, conferences and the election of next year's leaders.
# Each keeps its history (R35); the deductions they suggest are
# `scoring.Deduction` rows linked from here.


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
        "scoring.Deduction",
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
        "scoring.Deduction",
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
    offset = models.SmallIntegerField(
        "số ngày trước hạn", help_text="14, 7 hoặc 1 ngày trước hạn; -1 là ngày sau hạn."
    )
    claimed_at = models.DateTimeField("nhận gửi lúc", default=timezone.now)
    sent_at = models.DateTimeField("đã gửi lúc", null=True, blank=True)

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
            models.CheckConstraint(
                condition=Q(deadline__isnull=True) ^ Q(conference__isnull=True),
                name="reminder_of_a_deadline_or_a_pledge_conference",
            ),
        ]

    def __str__(self) -> str:
        return f"Nhắc {self.label} cho {self.membership.unit.code} ({self.offset_label})"

    @property
    def label(self) -> str:
        return self.deadline.get_kind_display() if self.deadline else "Ký giao ước thi đua"

    @property
    def due_date(self) -> date:
        return self.deadline.due_date if self.deadline else self.conference.held_on

    @property
    def offset_label(self) -> str:
        if self.offset < 0:
            return f"{-self.offset} ngày sau hạn"
        return f"{self.offset} ngày trước hạn"

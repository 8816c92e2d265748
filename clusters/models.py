from django.db import models
from django.db.models import Count, Exists, OuterRef, Q

from clusters import deadlines


class Authority(models.Model):
    """A body that guides a set of clusters (R1, [IV.2])."""

    code = models.CharField("mã", max_length=32, unique=True)
    name = models.CharField("tên", max_length=255)
    is_provincial = models.BooleanField(
        "cấp tỉnh (Sở Nội vụ)",
        default=False,
        help_text="Cán bộ của cơ quan cấp tỉnh xem được mọi cụm, khối của tỉnh.",
    )

    class Meta:
        verbose_name = "cơ quan hướng dẫn"
        verbose_name_plural = "cơ quan hướng dẫn"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    class Kind(models.TextChoices):
        DISTRICT = "district", "Huyện, thành phố"
        COMMUNE = "commune", "Xã, phường, thị trấn"
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

    class Meta:
        verbose_name = "đơn vị"
        verbose_name_plural = "đơn vị"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class ClusterQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ClusterQuerySet":
        """Clusters whose data `user` may read (R1): all for superusers and
        provincial staff, its own authority's for other staff, the cluster
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

    objects = EmulationYearQuerySet.as_manager()

    class Meta:
        verbose_name = "năm thi đua"
        verbose_name_plural = "năm thi đua"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"Năm {self.year}"


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


class MembershipQuerySet(models.QuerySet):
    def of_user(self, user, year: "EmulationYear") -> "Membership | None":
        """The membership of the user's unit in `year`, if it has one."""
        if not getattr(user, "unit_id", None):
            return None
        return (
            self.select_related("cluster__authority", "unit", "year")
            .filter(unit_id=user.unit_id, year=year)
            .first()
        )


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
        help_text="Phó trưởng cụm, khối thay trưởng khi được ủy quyền (R3).",
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
                violation_error_message="Một đơn vị chỉ thuộc một cụm, khối trong một năm (R2).",
            ),
            models.UniqueConstraint(
                fields=["cluster", "year"],
                condition=Q(role="head"),
                name="membership_one_head_per_cluster_year",
                violation_error_message="Mỗi cụm, khối chỉ có một trưởng cụm, khối trong năm (R2).",
            ),
            models.UniqueConstraint(
                fields=["cluster", "year"],
                condition=Q(role="deputy"),
                name="membership_one_deputy_per_cluster_year",
                violation_error_message="Mỗi cụm, khối có nhiều nhất một phó trưởng (R2).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.unit} – {self.get_role_display()} ({self.cluster.code}, {self.year.year})"

    @property
    def leads(self) -> bool:
        """Head, or deputy acting for the head when delegated (R3)."""
        return self.role == self.Role.HEAD or (self.role == self.Role.DEPUTY and self.acts_for_head)

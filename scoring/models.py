from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING
from uuid import uuid4

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from clusters.models import Cluster, EmulationYear, Membership
from clusters.results_records import ResultsQuerySet
from emulation import limits
from emulation.numbers import column_bounds, format_figure
from scoring import engine

if TYPE_CHECKING:
    from scoring.regulation import Regulation


def PointsField(verbose_name: str, **kwargs) -> models.DecimalField:
    """Points are exact decimals with 2 places (R17, R20), never below 0."""
    kwargs.setdefault("validators", column_bounds(7, 2))
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=2, **kwargs)


def FigureField(verbose_name: str, **kwargs) -> models.DecimalField:
    """Plans, actuals and tier values: wide, with room for fractions; a tier's
    value or limit may be below 0 (R20 refuses a negative plan or actual)."""
    validators = column_bounds(20, 6, signed=True)
    return models.DecimalField(
        verbose_name, max_digits=20, decimal_places=6, validators=validators, **kwargs
    )


# A section is a code of the guidance (R37): 2022's I, II, III, another's IV
# or VIII, titled by it; no fixed list of the 2022 sections here.
SECTION_CODE_MAX = 16
Method = models.TextChoices(
    "Method", [(m.upper(), (m, engine.METHOD_LABELS[m])) for m in engine.METHODS]
)
Direction = models.TextChoices(
    "Direction", [(d.upper(), (d, engine.DIRECTION_LABELS[d])) for d in engine.DIRECTIONS]
)


class Framework(models.Model):
    """The council's criteria framework (Phụ lục 02) of one guidance, by year.

    A later guidance adds a framework with a later year; scorecards keep the
    one they were built from.
    """

    # A guidance's copy keeps the year of the framework it was copied from.
    year = models.PositiveSmallIntegerField("năm ban hành")
    title = models.CharField("tên", max_length=500)

    class Meta:
        verbose_name = "khung tiêu chí (Phụ lục 02)"
        verbose_name_plural = "khung tiêu chí (Phụ lục 02)"
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"{self.title} ({self.year})"


class FrameworkCriterion(models.Model):
    framework = models.ForeignKey(
        Framework, verbose_name="khung", on_delete=models.CASCADE, related_name="criteria"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="children"
    )
    section = models.CharField("phần", max_length=SECTION_CODE_MAX)
    group = models.CharField(
        "nhóm", max_length=1, blank=True, help_text="Chỉ phần I có tiêu chí theo nhóm A, B, C, D."
    )
    code = models.CharField("mã", max_length=32)
    title = models.TextField("nội dung", max_length=limits.CRITERION_TITLE)
    points = PointsField("điểm", null=True, blank=True)
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    method = models.CharField("cách chấm", max_length=12, choices=Method.choices, blank=True)
    direction = models.CharField(
        "chiều chỉ tiêu", max_length=6, choices=Direction.choices, blank=True
    )
    tiers = models.JSONField("các mức", default=list, blank=True)
    note = models.TextField("hướng dẫn chấm", blank=True, max_length=limits.CRITERION_NOTE)

    class Meta:
        verbose_name = "tiêu chí khung"
        verbose_name_plural = "tiêu chí khung"
        ordering = ["framework", "section", "group", "order"]
        constraints = [
            limits.length_check("scoring_frameworkcriterion", "title", limits.CRITERION_TITLE),
            limits.length_check("scoring_frameworkcriterion", "note", limits.CRITERION_NOTE),
            models.UniqueConstraint(
                fields=["framework", "group", "code"], name="framework_criterion_unique_code"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title[:80]}"


class Guidance(models.Model):
    """A guidance (hướng dẫn) of the province's emulation clusters: the
    document, its figures (R36–R40, the dataset's `regulation` block in full)
    and its framework of criteria (Phụ lục 02). One that is in use is frozen:
    a change makes a new version (R18's rule for scorecards)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        IN_USE = "in_use", "Đang áp dụng (không sửa được)"

    code = models.CharField("mã", max_length=limits.CODE)
    name = models.CharField("tên", max_length=limits.GUIDANCE_NAME)
    issuer = models.CharField("cơ quan ban hành", max_length=limits.GUIDANCE_NAME, blank=True)
    document_number = models.CharField("số văn bản", max_length=limits.CODE * 2, blank=True)
    document_date = models.DateField("ngày ban hành", null=True, blank=True)
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    status = models.CharField("trạng thái", max_length=8, choices=Status.choices)
    # Checked by scoring.regulation.regulation_from_json on every write.
    parameters = models.JSONField("các thông số")
    # What people read for each code: {"bonuses": {kind: label}, "deductions":
    # {kind: label}, "reasons": {reason: label}, "awards": {award: label}}.
    # Not a figure, so not in the dataset's block (R36); a code without one
    # here reads the 2022 label of its code.
    labels = models.JSONField("tên các loại điểm thưởng, điểm trừ", default=dict, blank=True)
    framework = models.ForeignKey(
        Framework,
        verbose_name="khung tiêu chí",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="guidances",
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hướng dẫn thi đua"
        verbose_name_plural = "hướng dẫn thi đua"
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["code", "version"], name="guidance_unique_version"),
        ]

    def __str__(self) -> str:
        return f"{self.name} (bản {self.version})"

    @property
    def is_frozen(self) -> bool:
        """In use: marked so, or applied to a year where a scorecard was
        issued under it; a change then makes a new version (R18)."""
        return (
            self.status == self.Status.IN_USE
            or Scorecard.objects.issued().filter(year__guidances__guidance=self).exists()
        )


class GuidanceYear(models.Model):
    """A guidance applied to a year (R36): to every cluster of the year, or,
    with `cluster_kind`, to the clusters (cụm) or the blocks (khối) only,
    which then take it instead of the year's."""

    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="guidances"
    )
    guidance = models.ForeignKey(
        Guidance, verbose_name="hướng dẫn", on_delete=models.PROTECT, related_name="years"
    )
    cluster_kind = models.CharField(
        "chỉ áp dụng cho", max_length=4, choices=Cluster.Kind.choices, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hướng dẫn áp dụng cho năm"
        verbose_name_plural = "hướng dẫn áp dụng cho năm"
        ordering = ["year", "cluster_kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "cluster_kind"], name="guidance_year_one_per_kind"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guidance} – năm {self.year.year}"


class ScorecardQuerySet(ResultsQuerySet):
    def issued(self) -> "ScorecardQuerySet":
        return self.filter(status=Scorecard.Status.ISSUED)


class Scorecard(models.Model):
    """A cluster's own scorecard for a year (R17, R18)."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Dự thảo"
        # The members discuss the draft before it is submitted [II.1] (issue 13).
        CONSULTING = "consulting", "Đang lấy ý kiến các thành viên"
        SUBMITTED = "submitted", "Đã trình cơ quan hướng dẫn"
        # The guiding authority sent it on to Sở Nội vụ [IV.2] (issue 13).
        FORWARDED = "forwarded", "Cơ quan hướng dẫn đã chuyển Sở Nội vụ"
        RETURNED = "returned", "Bị trả lại"
        APPROVED = "approved", "Đã phê duyệt"
        ISSUED = "issued", "Đã ban hành"
        SUPERSEDED = "superseded", "Đã thay thế"

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="scorecards"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="scorecards"
    )
    version = models.PositiveSmallIntegerField("phiên bản", default=1)
    framework = models.ForeignKey(
        Framework,
        verbose_name="xây dựng từ khung",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    status = models.CharField(
        "trạng thái", max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    return_reason = models.TextField("lý do trả lại", blank=True, max_length=limits.REASON)
    guidance_note = models.TextField(
        "ý kiến của cơ quan hướng dẫn",
        blank=True,
        max_length=limits.REASON,
        help_text="Ý kiến mới nhất; các ý kiến trước còn trong lịch sử.",
    )
    discussion_note = models.TextField(
        "giải trình của trưởng cụm, khối",
        blank=True,
        max_length=limits.REASON,
        help_text="Khi trình mà chưa đủ ý kiến nhất trí của các thành viên.",
    )
    # Within its column here; within the cap of the year's guidance (R39) where
    # it is set: the admin's form and the dataset.
    cluster_bonus_max = PointsField("điểm thưởng tối đa của cụm, khối", default=Decimal(5))
    updated_at = models.DateTimeField("cập nhật", auto_now=True)
    history = HistoricalRecords(excluded_fields=["updated_at"])

    RESULTS_PATH = ""
    objects = ScorecardQuerySet.as_manager()

    class Meta:
        verbose_name = "bảng chấm điểm"
        verbose_name_plural = "bảng chấm điểm"
        ordering = ["cluster", "year", "-version"]
        constraints = [
            limits.length_check("scoring_scorecard", "return_reason", limits.REASON),
            limits.length_check("scoring_scorecard", "guidance_note", limits.REASON),
            limits.length_check("scoring_scorecard", "discussion_note", limits.REASON),
            models.UniqueConstraint(
                fields=["cluster", "year", "version"], name="scorecard_unique_version"
            ),
            models.UniqueConstraint(
                fields=["cluster", "year"],
                condition=Q(status="issued"),
                name="scorecard_one_issued_per_cluster_year",
            ),
        ]

    def __str__(self) -> str:
        return f"Bảng chấm điểm {self.cluster.code} năm {self.year.year} (bản {self.version})"

    @property
    def is_frozen(self) -> bool:
        """An issued (or replaced) scorecard never changes (R18)."""
        return self.status in {self.Status.ISSUED, self.Status.SUPERSEDED}

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class ScorecardPosition(models.Model):
    """A member unit's position on a draft of its cluster's scorecard: the seed
    has the scorecard "phải được các thành viên trong cụm, khối thi đua thảo
    luận thống nhất" before Sở Nội vụ agrees it [II.1] (issue 13). One per
    member unit and scorecard version; the positions of a round the head takes
    back are deleted, their history kept (R35)."""

    class Stance(models.TextChoices):
        AGREE = "agree", "Nhất trí"
        COMMENTS = "comments", "Nhất trí, có góp ý"
        DISAGREE = "disagree", "Không nhất trí"

    scorecard = models.ForeignKey(
        Scorecard,
        verbose_name="bảng chấm điểm",
        on_delete=models.CASCADE,
        related_name="positions",
    )
    membership = models.ForeignKey(
        Membership,
        verbose_name="đơn vị",
        on_delete=models.CASCADE,
        related_name="scorecard_positions",
    )
    stance = models.CharField("ý kiến", max_length=10, choices=Stance.choices)
    comment = models.TextField("nội dung góp ý", blank=True, max_length=limits.POSITION_COMMENT)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người ghi",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    recorded_at = models.DateTimeField("ghi lúc")
    # Bumped on every save; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "ý kiến về dự thảo bảng chấm điểm"
        verbose_name_plural = "ý kiến về dự thảo bảng chấm điểm"
        ordering = ["scorecard", "membership__unit__code"]
        constraints = [
            limits.length_check("scoring_scorecardposition", "comment", limits.POSITION_COMMENT),
            models.UniqueConstraint(
                fields=["scorecard", "membership"], name="scorecard_position_one_per_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"Ý kiến của {self.membership.unit.code} về {self.scorecard}"


class Criterion(models.Model):
    """A criterion of a cluster's scorecard; leaves carry the scoring method (R19)."""

    scorecard = models.ForeignKey(
        Scorecard, verbose_name="bảng chấm điểm", on_delete=models.CASCADE, related_name="criteria"
    )
    parent = models.ForeignKey(
        "self",
        verbose_name="tiêu chí cha",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="children",
    )
    framework_criterion = models.ForeignKey(
        FrameworkCriterion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # A section code of the year's regulation (R37): 2022's I, II, III, another
    # guidance's IV or VIII.
    section = models.CharField("phần", max_length=SECTION_CODE_MAX)
    code = models.CharField("mã", max_length=32)
    title = models.TextField("nội dung", max_length=limits.CRITERION_TITLE)
    points = PointsField("điểm")
    order = models.PositiveIntegerField("thứ tự", default=0)
    is_leaf = models.BooleanField("tiêu chí chấm điểm", default=True)
    added = models.BooleanField("tiêu chí bổ sung", default=False)
    method = models.CharField(
        "cách chấm", max_length=12, choices=Method.choices, default=Method.QUALITATIVE
    )
    direction = models.CharField(
        "chiều chỉ tiêu", max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )
    # Bumped on every edit of the row; an edit from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    # Edits of a draft are audited (R35); issued criteria never change (R18).
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = "scorecard__"
    history = HistoricalRecords()

    class Meta:
        verbose_name = "tiêu chí"
        verbose_name_plural = "tiêu chí"
        ordering = ["scorecard", "order"]
        constraints = [
            limits.length_check("scoring_criterion", "title", limits.CRITERION_TITLE),
            models.UniqueConstraint(fields=["scorecard", "code"], name="criterion_unique_code"),
            models.CheckConstraint(condition=Q(points__gt=0), name="criterion_points_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.code}. {self.title[:80]}"

    @property
    def fixed_points(self) -> Decimal | None:
        """R17: the points Phụ lục 02 gives this criterion as one of its items
        (section III: III.1 = 35 … III.7 = 15), which the cluster may not change."""
        framework = self.framework_criterion
        if framework is None or framework.parent_id is not None:
            return None
        return framework.points

    @cached_property
    def rule(self) -> engine.Criterion:
        """The criterion as the engine reads it, bands included (computed once per instance)."""
        return engine.Criterion(
            code=self.code,
            section=self.section,
            points=self.points,
            method=self.method,
            direction=self.direction,
            bands=tuple(band.rule for band in self.bands.all()),
        )


class Band(models.Model):
    """One band of a tiered criterion; the first that matches wins (R19, R21)."""

    criterion = models.ForeignKey(
        Criterion, verbose_name="tiêu chí", on_delete=models.CASCADE, related_name="bands"
    )
    order = models.PositiveSmallIntegerField("thứ tự", default=0)
    min_value = FigureField("từ", null=True, blank=True)
    min_inclusive = models.BooleanField("kể cả giá trị đầu", default=True)
    max_value = FigureField("đến", null=True, blank=True)
    max_inclusive = models.BooleanField("kể cả giá trị cuối", default=True)
    points = PointsField("điểm")
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = "criterion__scorecard__"
    history = HistoricalRecords()

    class Meta:
        verbose_name = "mức điểm"
        verbose_name_plural = "các mức điểm"
        ordering = ["criterion", "order"]

    def __str__(self) -> str:
        low, high = format_figure(self.min_value), format_figure(self.max_value)
        return f"{low or '…'}–{high or '…'}: {format_figure(self.points)} điểm"

    @property
    def rule(self) -> engine.Band:
        """The band as the engine reads it."""
        return engine.Band(
            points=self.points,
            min=self.min_value,
            max=self.max_value,
            min_inclusive=self.min_inclusive,
            max_inclusive=self.max_inclusive,
        )


class Score(models.Model):
    """A unit's figures for one leaf criterion: its own, and the cluster's agreed ones.

    Results use the agreed figures where the head set them (issue: head review).
    """

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="scores"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name="tiêu chí", on_delete=models.CASCADE, related_name="scores"
    )
    plan = FigureField("kế hoạch", null=True, blank=True)
    actual = FigureField("thực hiện", null=True, blank=True)
    points = PointsField("điểm tự chấm", null=True, blank=True)
    value = FigureField("giá trị", null=True, blank=True)
    agreed_plan = FigureField("kế hoạch (thống nhất)", null=True, blank=True)
    agreed_actual = FigureField("thực hiện (thống nhất)", null=True, blank=True)
    agreed_points = PointsField("điểm (thống nhất)", null=True, blank=True)
    agreed_value = FigureField("giá trị (thống nhất)", null=True, blank=True)
    agreed_reason = models.TextField("lý do điều chỉnh", blank=True, max_length=limits.REASON)
    revision = models.PositiveIntegerField("phiên bản", default=1)
    updated_at = models.DateTimeField("cập nhật", auto_now=True)
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = "membership__"
    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = "điểm"
        verbose_name_plural = "điểm"
        constraints = [
            limits.length_check("scoring_score", "agreed_reason", limits.REASON),
            models.UniqueConstraint(
                fields=["membership", "criterion"], name="score_one_per_unit_criterion"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit.code} – {self.criterion.code}"

    @property
    def is_adjusted(self) -> bool:
        return any(
            v is not None
            for v in (self.agreed_plan, self.agreed_actual, self.agreed_points, self.agreed_value)
        )

    def figures(self) -> dict[str, Decimal | None]:
        """The figures the results use: the agreed ones where the cluster set them."""
        return effective_figures(
            (self.plan, self.actual, self.points, self.value),
            (self.agreed_plan, self.agreed_actual, self.agreed_points, self.agreed_value),
        )


FIGURES = ("plan", "actual", "points", "value")


def effective_figures(own: tuple, agreed: tuple) -> dict[str, Decimal | None]:
    """Agreed figures replace the unit's own as a whole, never field by field."""
    return dict(zip(FIGURES, chosen_figures(own, agreed), strict=True))


def chosen_figures(own: tuple, agreed: tuple) -> tuple:
    """`effective_figures` as a tuple in FIGURES' order, engine.Score's own."""
    # count(None) rather than any(…): called once per score of a province's year (#17)
    return agreed if agreed.count(None) < len(agreed) else own


class Bonus(models.Model):
    """An R23 bonus entry."""

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="bonuses"
    )
    # A bonus kind of the year's guidance (R23, R39): checked where the
    # guidance is known (scoring.adjustments, the admin, the dataset), named
    # by its label there; no fixed list of 2022 kinds here.
    kind = models.CharField("loại", max_length=12)
    points = PointsField("điểm")
    reason = models.TextField("lý do", blank=True, max_length=limits.REASON)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = "membership__"
    history = HistoricalRecords()

    class Meta:
        verbose_name = "điểm thưởng"
        verbose_name_plural = "điểm thưởng"
        constraints = [
            limits.length_check("scoring_bonus", "reason", limits.REASON),
            models.CheckConstraint(condition=Q(points__gte=0), name="bonus_points_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{_unit_regulation(self).bonus_label(self.kind)}: {format_figure(self.points)}"


# ---------------------------------------------------------------------------
# What the results rank and allocate with besides the scores: the exclusion and
# deferral flags (R27, R28), the quotas (R31) and the members' votes (R33).
# Staff set them on awards' pages; the results, the adjustments and the dataset
# read and write them here, below awards. Their tables keep the names they were
# created with in awards (`awards_flag`, `awards_quota`, `awards_vote` and their
# histories): the models moved down without moving data (#16).


class Flag(models.Model):
    """An exclusion (R27) or deferral (R28) set by authority staff with evidence."""

    class Kind(models.TextChoices):
        EXCLUDE = "exclude", "Không xét"
        DEFER = "defer", "Chưa xét"

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="flags"
    )
    kind = models.CharField("loại", max_length=8, choices=Kind.choices)
    # A reason of the year's guidance for the kind (R27, R28, R40): checked and
    # named where the guidance is known; no fixed list of 2022 reasons here.
    reason = models.CharField("lý do", max_length=20)
    note = models.TextField("ghi chú", blank=True, max_length=limits.REASON)
    evidence = models.FileField("minh chứng", upload_to="flags/", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField("ngày tạo", auto_now_add=True)
    # Bumped on every change; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = "membership__"
    history = HistoricalRecords(table_name="awards_historicalflag")

    class Meta:
        db_table = "awards_flag"  # kept where it was made (#16)
        verbose_name = "không xét / chưa xét"
        verbose_name_plural = "không xét / chưa xét"
        constraints = [
            limits.length_check("awards_flag", "note", limits.REASON),
            # The reasons a kind takes are the year's regulation's (R40), so
            # they are checked where the regulation is known, not here.
            models.CheckConstraint(
                condition=Q(kind__in=["exclude", "defer"]),
                name="flag_kind_known",
                violation_error_message="Loại phải là không xét hoặc chưa xét.",
            ),
            models.UniqueConstraint(fields=["membership", "kind", "reason"], name="flag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {_unit_regulation(self).reason_label(self.reason)}"


class Quota(models.Model):
    """How many of an award a cluster may propose in a year (R31)."""

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="quotas"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="quotas"
    )
    # An award of the year's guidance (R31, R40), checked and named where the
    # guidance is known; no fixed list of 2022 awards here.
    award = models.CharField("danh hiệu", max_length=16)
    count = models.PositiveSmallIntegerField("số lượng", default=0)
    document = models.CharField("văn bản phân bổ", max_length=255, blank=True)
    # Bumped on every change; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = ""
    history = HistoricalRecords(table_name="awards_historicalquota")

    class Meta:
        db_table = "awards_quota"  # kept where it was made (#16)
        verbose_name = "chỉ tiêu khen thưởng"
        verbose_name_plural = "chỉ tiêu khen thưởng"
        ordering = ["cluster", "year", "award"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "year", "award"], name="quota_unique")
        ]

    def __str__(self) -> str:
        from scoring.guidances import stored_regulation
        from scoring.regulation import DEFAULT

        # Named by the year's guidance; the admin's lists read it once a page.
        regulation = DEFAULT
        if self.year_id is not None and self.cluster_id is not None:
            regulation = stored_regulation(self.year_id, self.cluster)
        return f"{regulation.award_label(self.award)}: {self.count}"


class Vote(models.Model):
    """A tied unit's votes in the members' ballot (R33)."""

    membership = models.OneToOneField(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="vote"
    )
    votes = models.PositiveIntegerField("số phiếu", validators=[MinValueValidator(0)])
    # Bumped on every change; a ballot from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = "membership__"
    history = HistoricalRecords(table_name="awards_historicalvote")

    class Meta:
        db_table = "awards_vote"  # kept where it was made (#16)
        verbose_name = "phiếu bầu"
        verbose_name_plural = "phiếu bầu"

    def __str__(self) -> str:
        return f"{self.membership.unit.code}: {self.votes} phiếu"


class Sheet(models.Model):
    """A unit's self-scoring sheet of a year and where it stands.

    Submitted sheets are read-only for the unit until the head returns them
    with a reason.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Đang tự chấm"
        SUBMITTED = "submitted", "Đã nộp"
        RETURNED = "returned", "Bị trả lại để chấm lại"

    membership = models.OneToOneField(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="sheet"
    )
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField("nộp lúc", null=True, blank=True)
    return_reason = models.TextField("lý do trả lại", blank=True, max_length=limits.REASON)
    # Who last entered the sheet for the unit from its paper copy, and why
    # (#14): the unit sees it on its sheet; each write's history says so too.
    behalf_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người nhập thay",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    behalf_at = models.DateTimeField("nhập thay lúc", null=True, blank=True)
    behalf_reason = models.CharField(
        "lý do nhập thay", max_length=limits.REASON, blank=True, default=""
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "phiếu tự chấm"
        verbose_name_plural = "phiếu tự chấm"
        constraints = [
            limits.length_check("scoring_sheet", "return_reason", limits.REASON),
        ]

    def __str__(self) -> str:
        return f"Phiếu tự chấm của {self.membership.unit.code}"

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


def _evidence_path(instance: "Evidence", filename: str) -> str:
    # A random name: nothing of what the user sent becomes part of a path.
    return f"minh-chung/{uuid4().hex}"


class Evidence(models.Model):
    """A file backing a unit's score of one criterion (minh chứng)."""

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="evidence"
    )
    criterion = models.ForeignKey(
        Criterion, verbose_name="tiêu chí", on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField("tệp", upload_to=_evidence_path, max_length=255)
    original_name = models.CharField("tên tệp gốc", max_length=255)
    content_type = models.CharField("loại tệp", max_length=100)
    size = models.PositiveIntegerField("dung lượng (byte)")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("tải lên lúc", auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "minh chứng"
        verbose_name_plural = "minh chứng"
        ordering = ["criterion", "uploaded_at"]

    def __str__(self) -> str:
        return self.original_name


class ScoreAgreement(models.Model):
    """The cluster's scores of a year agreed after the preparatory meeting (R11).

    While `agreed_at` is set the scores are locked; only authority staff
    reopen them, with a reason (R35).
    """

    # Once agreed, what every badge of a sheet says (the sheet, the review, the todo list).
    LOCKED_LABEL = "Điểm đã thống nhất"

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="agreements"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="agreements"
    )
    agreed_at = models.DateTimeField("thống nhất lúc", null=True, blank=True)
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "thống nhất điểm"
        verbose_name_plural = "thống nhất điểm"
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year"], name="agreement_one_per_cluster_year"
            )
        ]

    def __str__(self) -> str:
        return f"Thống nhất điểm {self.cluster.code} năm {self.year.year}"

    @property
    def is_locked(self) -> bool:
        return self.agreed_at is not None


class ResultsRevision(models.Model):
    """Which state of a cluster's year the results were computed from (#17):
    a new random token with every write to what they read, in the writer's
    transaction (scoring/revisions.py). Random, never counted up, so that a
    token rolled back or restored from a backup never names another state.

    One row per member unit for its own records (scores, bonuses, deductions),
    `part` its membership's id, and one (`part` 0) for the cluster's (scorecard,
    quotas, votes…): two units saving at the deadline renew different rows and
    never wait on each other's lock; the results' key holds them all."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE, related_name="+")
    year = models.ForeignKey(EmulationYear, on_delete=models.CASCADE, related_name="+")
    part = models.BigIntegerField(default=0)
    token = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["cluster", "year", "part"], name="results_revision_unique"
            )
        ]

    def __str__(self) -> str:
        return f"Kết quả cụm #{self.cluster_id}, năm #{self.year_id}: {self.token}"


def _unit_regulation(record: "Bonus | Flag") -> "Regulation":
    """The guidance a record's unit is scored under that year, which names its
    kind or reason (R36, R39, R40); the default guidance for a record not yet
    given to a unit (an admin form's). The admin's lists read it once a page."""
    from scoring.guidances import stored_regulation
    from scoring.regulation import DEFAULT

    if record.membership_id is None:
        return DEFAULT
    membership = record.membership
    return stored_regulation(membership.year_id, membership.cluster)

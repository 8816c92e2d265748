from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from awards import allocation
from clusters.models import Cluster, EmulationYear, Membership
from emulation import limits
from emulation.numbers import column_bounds
from scoring import engine
from scoring.models import ResultsQuerySet


class Flag(models.Model):
    """An exclusion (R27) or deferral (R28) set by authority staff with evidence."""

    class Kind(models.TextChoices):
        EXCLUDE = "exclude", "Không xét"
        DEFER = "defer", "Chưa xét"

    Reason = models.TextChoices(
        "Reason",
        [
            (r.upper(), (r, engine.REASON_LABELS[r]))
            for r in (*engine.FLAG_EXCLUDE_REASONS, *engine.DEFER_REASONS)
        ],
    )

    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="flags"
    )
    kind = models.CharField("loại", max_length=8, choices=Kind.choices)
    reason = models.CharField("lý do", max_length=20, choices=Reason.choices)
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
    history = HistoricalRecords()

    class Meta:
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
        return f"{self.get_kind_display()}: {self.get_reason_display()}"


class Quota(models.Model):
    """How many of an award a cluster may propose in a year (R31)."""

    Award = models.TextChoices(
        "Award", [(a.upper(), (a, allocation.AWARD_LABELS[a])) for a in allocation.AWARDS]
    )

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="quotas"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="quotas"
    )
    award = models.CharField("danh hiệu", max_length=16, choices=Award.choices)
    count = models.PositiveSmallIntegerField("số lượng", default=0)
    document = models.CharField("văn bản phân bổ", max_length=255, blank=True)
    # Bumped on every change; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    objects = ResultsQuerySet.as_manager()
    RESULTS_PATH = ""
    history = HistoricalRecords()

    class Meta:
        verbose_name = "chỉ tiêu khen thưởng"
        verbose_name_plural = "chỉ tiêu khen thưởng"
        ordering = ["cluster", "year", "award"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "year", "award"], name="quota_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_award_display()}: {self.count}"


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
    history = HistoricalRecords()

    class Meta:
        verbose_name = "phiếu bầu"
        verbose_name_plural = "phiếu bầu"

    def __str__(self) -> str:
        return f"{self.membership.unit.code}: {self.votes} phiếu"


class Ballot(models.Model):
    """The members' ballot of a cluster's year that settles its ties (R33): how
    many members voted. Each tied unit's count is its Vote; the rule that holds
    them together is awards.services.ballot_errors."""

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="ballots"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="ballots"
    )
    voters = models.PositiveSmallIntegerField(
        "số thành viên bỏ phiếu", validators=[MinValueValidator(1)]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = "cuộc bỏ phiếu"
        verbose_name_plural = "cuộc bỏ phiếu"
        constraints = [
            models.UniqueConstraint(fields=["cluster", "year"], name="ballot_one_per_cluster_year")
        ]

    def __str__(self) -> str:
        return f"Bỏ phiếu {self.cluster.code} năm {self.year.year}: {self.voters} thành viên"


class Proposal(models.Model):
    """A cluster's award proposal of a year and where it stands (R34).

    Members see the results once they are announced.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Đang chuẩn bị"
        SUBMITTED = "submitted", "Đã trình Sở Nội vụ"
        RETURNED = "returned", "Bị trả lại"
        ACCEPTED = "accepted", "Sở Nội vụ đã tiếp nhận"
        DECIDED = "decided", "Đã có quyết định"

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="proposals"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="proposals"
    )
    status = models.CharField(
        "trạng thái", max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    submitted_at = models.DateTimeField("trình lúc", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="người trình",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    return_reason = models.TextField("lý do trả lại", blank=True, max_length=limits.REASON)
    accepted_at = models.DateTimeField("tiếp nhận lúc", null=True, blank=True)
    decision_number = models.CharField("số quyết định", max_length=64, blank=True)
    decision_date = models.DateField("ngày quyết định", null=True, blank=True)
    decision_signer = models.CharField("người ký quyết định", max_length=255, blank=True)
    announced_at = models.DateTimeField("công bố kết quả lúc", null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "hồ sơ đề nghị khen thưởng"
        verbose_name_plural = "hồ sơ đề nghị khen thưởng"
        constraints = [
            limits.length_check("awards_proposal", "return_reason", limits.REASON),
            models.UniqueConstraint(
                fields=["cluster", "year"], name="proposal_one_per_cluster_year"
            ),
        ]

    def __str__(self) -> str:
        return f"Hồ sơ {self.cluster.code} năm {self.year.year}"

    @property
    def is_announced(self) -> bool:
        return self.announced_at is not None

    @property
    def is_submittable(self) -> bool:
        """Not yet submitted, or returned to the head to be submitted again."""
        return self.status in {self.Status.DRAFT, self.Status.RETURNED}

    @property
    def freezes_allocation(self) -> bool:
        """Submitted and not returned: quotas and votes stay as they were proposed."""
        return self.status in {self.Status.SUBMITTED, self.Status.ACCEPTED, self.Status.DECIDED}


class ProposalItem(models.Model):
    """One unit's line of a submitted proposal: its rank, total and award as
    allocated when the head submitted (R32–R34), frozen so that a later change
    of scores, quotas or votes does not alter what was proposed."""

    proposal = models.ForeignKey(
        Proposal, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="items"
    )
    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="proposal_items"
    )
    rank = models.PositiveSmallIntegerField("hạng")
    total = models.DecimalField(
        "tổng điểm", max_digits=7, decimal_places=2, validators=column_bounds(7, 2)
    )
    status = models.CharField(
        "xếp loại", max_length=16, choices=[(k, v) for k, v in engine.STATUS_LABELS.items()]
    )
    award = models.CharField(
        "danh hiệu đề nghị", max_length=16, choices=Quota.Award.choices, blank=True
    )
    government_flag = models.BooleanField("đề nghị Cờ thi đua của Chính phủ", default=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "đơn vị được đề nghị"
        verbose_name_plural = "đơn vị được đề nghị"
        ordering = ["proposal", "rank", "membership__unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal", "membership"], name="proposal_item_one_per_unit"
            ),
            models.CheckConstraint(
                condition=Q(government_flag=False) | Q(award="co_thi_dua"),
                name="proposal_item_government_flag_needs_flag",
                violation_error_message=(
                    "Chỉ đơn vị được đề nghị Cờ thi đua của UBND tỉnh mới được đề nghị "
                    "Cờ thi đua của Chính phủ."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit.code}: {self.get_award_display() or 'không đề nghị'}"

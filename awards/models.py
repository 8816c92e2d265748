from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from clusters.models import Cluster, EmulationYear, Membership
from emulation import limits
from emulation.numbers import column_bounds
from emulation.uploads import random_upload_path
from scoring import engine
from scoring.regulation import DEFAULT


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
    # An award of the year's guidance (R40), named by its label where shown.
    award = models.CharField("danh hiệu đề nghị", max_length=16, blank=True)
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
        from scoring.guidances import stored_regulation

        # Named by the year's guidance; the admin's list reads it once a page.
        # An item not yet in a proposal has no year: the default guidance names it.
        if self.proposal_id is None:
            regulation = DEFAULT
        else:
            proposal = self.proposal
            regulation = stored_regulation(proposal.year_id, proposal.cluster)
        award = regulation.award_label(self.award) if self.award else "không đề nghị"
        unit = self.membership.unit.code if self.membership_id else "?"
        return f"{unit}: {award}"


class CouncilMeeting(models.Model):
    """The provincial council's meeting on a proposal (R34): when it met, who of
    its members were present. Its result per proposed unit is a CouncilResult."""

    proposal = models.OneToOneField(
        Proposal, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="council_meeting"
    )
    held_on = models.DateField("ngày họp")
    members_present = models.TextField("thành viên Hội đồng có mặt", max_length=limits.REASON)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on every change; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "phiên họp Hội đồng Thi đua – Khen thưởng tỉnh"
        verbose_name_plural = "phiên họp Hội đồng Thi đua – Khen thưởng tỉnh"
        constraints = [
            limits.length_check("awards_councilmeeting", "members_present", limits.REASON)
        ]

    def __str__(self) -> str:
        return f"Phiên họp Hội đồng ngày {self.held_on:%d/%m/%Y}"


class CouncilResult(models.Model):
    """What the council concluded on one proposed unit (R34): agreed, changed to
    another award, refused or deferred ("chưa xét", R28), with a reason unless
    agreed. A deferred unit's result changes once its reason is cleared."""

    class Outcome(models.TextChoices):
        AGREED = "agreed", "Nhất trí"
        CHANGED = "changed", "Đổi danh hiệu"
        REFUSED = "refused", "Không nhất trí"
        DEFERRED = "deferred", "Chưa xét"

    item = models.OneToOneField(
        ProposalItem,
        verbose_name="đơn vị được đề nghị",
        on_delete=models.CASCADE,
        related_name="council_result",
    )
    outcome = models.CharField("kết quả", max_length=10, choices=Outcome.choices)
    award = models.CharField("danh hiệu đổi thành", max_length=16, blank=True)
    reason = models.TextField("lý do", blank=True, max_length=limits.REASON)
    # Bumped on every change; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "kết quả xét của Hội đồng"
        verbose_name_plural = "kết quả xét của Hội đồng"
        constraints = [
            limits.length_check("awards_councilresult", "reason", limits.REASON),
            models.CheckConstraint(
                condition=Q(outcome="changed", award__gt="") | ~Q(outcome="changed"),
                name="council_result_change_names_award",
                violation_error_message="Đổi danh hiệu cần ghi danh hiệu mới.",
            ),
        ]

    def __str__(self) -> str:
        return self.get_outcome_display()

    @property
    def decided_award(self) -> str:
        """The award the Chairman is asked to give: '' when refused or deferred."""
        if self.outcome == self.Outcome.AGREED:
            return self.item.award
        if self.outcome == self.Outcome.CHANGED:
            return self.award
        return ""


class Decision(models.Model):
    """A decision of the Chairman of the provincial People's Committee on a
    proposal (R34): its number, date, signer and signed scan; a proposal may
    have several (a deferred unit is decided later in the year)."""

    proposal = models.ForeignKey(
        Proposal, verbose_name="hồ sơ", on_delete=models.CASCADE, related_name="decisions"
    )
    number = models.CharField("số quyết định", max_length=64)
    date = models.DateField("ngày quyết định")
    signer = models.CharField("người ký", max_length=255)
    file = models.FileField(
        "bản quyết định đã ký", upload_to=random_upload_path("quyet-dinh"), blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Bumped on every change; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "quyết định khen thưởng"
        verbose_name_plural = "quyết định khen thưởng"
        ordering = ["proposal", "date", "pk"]

    def __str__(self) -> str:
        return f"Quyết định số {self.number} ngày {self.date:%d/%m/%Y}"


class DecisionLine(models.Model):
    """One unit's award in a decision (R34)."""

    decision = models.ForeignKey(
        Decision, verbose_name="quyết định", on_delete=models.CASCADE, related_name="lines"
    )
    membership = models.ForeignKey(
        Membership, verbose_name="đơn vị", on_delete=models.CASCADE, related_name="decision_lines"
    )
    award = models.CharField("danh hiệu", max_length=16)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "đơn vị được khen thưởng"
        verbose_name_plural = "đơn vị được khen thưởng"
        ordering = ["decision", "membership__unit__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "membership"], name="decision_line_one_per_unit"
            )
        ]

    def __str__(self) -> str:
        return f"{self.membership.unit.code}: {self.award}"


class DossierFile(models.Model):
    """A signed and sealed scan of the proposal's dossier (hồ sơ đề nghị, R34),
    uploaded by the head; a new upload of a piece replaces the old one."""

    class Kind(models.TextChoices):
        PROPOSAL = "to_trinh", "Tờ trình đề nghị khen thưởng"
        MINUTES = "bien_ban", "Biên bản hội nghị tổng kết, bình xét thi đua"
        RANKING = "xep_hang", "Bảng tổng hợp kết quả chấm điểm, xếp hạng"

    cluster = models.ForeignKey(
        Cluster, verbose_name="cụm, khối", on_delete=models.CASCADE, related_name="dossier_files"
    )
    year = models.ForeignKey(
        EmulationYear, verbose_name="năm", on_delete=models.CASCADE, related_name="dossier_files"
    )
    kind = models.CharField("thành phần", max_length=10, choices=Kind.choices)
    file = models.FileField("bản scan đã ký, đóng dấu", upload_to=random_upload_path("ho-so"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField("tải lên lúc", auto_now=True)
    # Bumped on every change; a save from an older page is refused (#11.8).
    revision = models.PositiveIntegerField("phiên bản", default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "thành phần hồ sơ đề nghị"
        verbose_name_plural = "thành phần hồ sơ đề nghị"
        constraints = [
            models.UniqueConstraint(fields=["cluster", "year", "kind"], name="dossier_file_unique")
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

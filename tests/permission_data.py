"""The records the permission matrix (tests/test_permission_matrix.py) points
its URLs at: one of each kind for cluster_a's member HH (and a few for LG, the
other member of cluster_a, and for cluster_b), built straight through the ORM
so the whole set costs a few dozen inserts."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from awards.models import (
    CouncilMeeting,
    CouncilResult,
    Decision,
    DossierFile,
    Proposal,
    ProposalItem,
)
from clusters.models import (
    AdhocAnswer,
    AdhocRequest,
    ClusterReport,
    Conference,
    ConferenceGuest,
    Deadline,
    Deduction,
    Delegation,
    Election,
    ExemplaryModel,
    Extension,
    HeadDocument,
    Membership,
    Pledge,
    PledgeSignature,
    PriorRole,
    Registration,
    Report,
)
from emulation.models import Notification
from scoring.guidances import default_guidance, guidance_copy
from scoring.models import Bonus, Criterion, Evidence, Flag, ScoreAgreement, Scorecard

PDF_BYTES = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
YEAR = 2025


def pdf_file(name: str = "minh-chung.pdf") -> ContentFile:
    return ContentFile(PDF_BYTES, name=name)


def _scorecard(cluster, year, status, version=1) -> Criterion:
    """A scorecard with one leaf per section; returns the leaf of section I."""
    scorecard = Scorecard.objects.create(cluster=cluster, year=year, status=status, version=version)
    leaves = [
        Criterion.objects.create(
            scorecard=scorecard,
            section=section,
            code=f"{section}.1",
            title=f"Tiêu chí {section}.1",
            points=points,
            order=order,
            added=status == Scorecard.Status.DRAFT,
        )
        for order, (section, points) in enumerate(
            [("I", Decimal(550)), ("II", Decimal(200)), ("III", Decimal(200))]
        )
    ]
    return leaves[0]


def _evidence(membership, criterion, user) -> Evidence:
    return Evidence.objects.create(
        membership=membership,
        criterion=criterion,
        file=pdf_file(),
        original_name="minh-chung.pdf",
        content_type="application/pdf",
        size=len(PDF_BYTES),
        uploaded_by=user,
    )


def _report(membership, user) -> Report:
    return Report.objects.create(
        membership=membership,
        kind=Report.Kind.MID_YEAR,
        reported_on=date(YEAR, 6, 15),
        file=pdf_file("bao-cao.pdf"),
        uploaded_by=user,
    )


def build(world) -> SimpleNamespace:
    """Everything the matrix needs on top of the `world` fixture (call it with
    the `media_root` fixture active: the files go there)."""
    year = world.year
    members = {
        m.unit.code: m
        for m in Membership.objects.filter(year=year).select_related("unit", "cluster", "year")
    }
    hh, lg, gh = members["HH"], members["LG"], members["GH"]
    now = timezone.now()

    # Scorecards: cluster_a's issued one and the draft of its next version
    # (the builder's actions need an open scorecard); cluster_b's issued one.
    leaf = _scorecard(world.cluster_a, year, Scorecard.Status.ISSUED)
    draft_leaf = _scorecard(world.cluster_a, year, Scorecard.Status.DRAFT, version=2)
    _scorecard(world.cluster_b, year, Scorecard.Status.ISSUED)
    # cluster_b's next version, submitted to the authority guiding it (R18, II.1).
    _scorecard(world.cluster_b, year, Scorecard.Status.SUBMITTED, version=2)

    registration = Registration.objects.create(
        membership=hh, status=Registration.Status.SUBMITTED, submitted_at=now
    )
    Registration.objects.create(membership=lg, status=Registration.Status.SUBMITTED)
    pledge = Pledge.objects.create(
        cluster=world.cluster_a,
        year=year,
        text="Giao ước thi đua năm 2025",
        file=pdf_file("giao-uoc.pdf"),
        published_at=now,
        published_by=world.head,
    )
    signature = PledgeSignature.objects.create(
        pledge=pledge,
        membership=lg,
        method=PledgeSignature.Method.PAPER,
        signed_on=date(YEAR, 1, 10),
        signed_by=world.head,
    )
    head_document = HeadDocument.objects.create(
        cluster=world.cluster_a,
        year=year,
        kind=HeadDocument.Kind.PROGRAMME,
        issued_on=date(YEAR, 2, 1),
        file=pdf_file("chuong-trinh.pdf"),
        uploaded_by=world.head,
    )
    conference = Conference.objects.create(
        cluster=world.cluster_a,
        year=year,
        kind=Conference.Kind.MID_YEAR,
        held_on=date(YEAR, 7, 10),
        place="UBND thành phố Bắc Giang",
        minutes=pdf_file("bien-ban.pdf"),
        created_by=world.head,
    )
    proposed = Deduction.objects.create(
        membership=hh,
        kind="member_duty",
        reason="Không dự hội nghị sơ kết",
        status=Deduction.Status.PROPOSED,
        created_by=world.head,
    )
    confirmed = Deduction.objects.create(
        membership=hh,
        kind="reminder_letter",
        reason="Văn bản nhắc nhở số 12/UBND",
        evidence=pdf_file("nhac-nho.pdf"),
        created_by=world.staff,
    )
    lg_deduction = Deduction.objects.create(
        membership=lg,
        kind="reminder_letter",
        reason="Văn bản nhắc nhở số 13/UBND",
        evidence=pdf_file("nhac-nho.pdf"),
        created_by=world.staff,
    )
    flag = Flag.objects.create(
        membership=hh,
        kind=Flag.Kind.DEFER,
        reason="under_review",
        evidence=pdf_file("dang-xem-xet.pdf"),
        created_by=world.staff,
    )
    head_bonus = Bonus.objects.create(
        membership=hh, kind="cluster", points=Decimal(2), reason="Sáng kiến", created_by=world.head
    )
    staff_bonus = Bonus.objects.create(
        membership=hh, kind="reporting", points=Decimal(1), reason="Báo cáo tốt", created_by=None
    )
    election = Election.objects.create(
        cluster=world.cluster_a,
        year=year,
        head=world.a_deputy,
        deputy=world.a_member,
        elected_on=date(YEAR, 12, 15),
        recorded_by=world.head,
    )
    proposal = Proposal.objects.create(
        cluster=world.cluster_a,
        year=year,
        status=Proposal.Status.SUBMITTED,
        submitted_at=now,
        submitted_by=world.head,
    )
    # HH proposed for a certificate, deferred by the council, and the Chairman's
    # decision (with its signed scan) on the others; the head's tờ trình scan (#14).
    hh_item = ProposalItem.objects.create(
        proposal=proposal,
        membership=hh,
        rank=1,
        total=Decimal(920),
        status="eligible",
        award="bang_khen",
    )
    CouncilMeeting.objects.create(
        proposal=proposal, held_on=date(YEAR + 1, 1, 15), members_present="Chủ tịch Hội đồng"
    )
    CouncilResult.objects.create(item=hh_item, outcome="deferred", reason="Đang thanh tra")
    decision = Decision.objects.create(
        proposal=proposal,
        number="123/QĐ-UBND",
        date=date(YEAR + 1, 1, 20),
        signer="Lê Ánh Dương",
        file=pdf_file("quyet-dinh.pdf"),
    )
    DossierFile.objects.create(
        cluster=world.cluster_a,
        year=year,
        kind=DossierFile.Kind.PROPOSAL,
        file=pdf_file("to-trinh.pdf"),
        uploaded_by=world.head,
    )
    # cluster_b's: the council's bonus to GH and the submitted proposal (R23, R34).
    council_bonus_b = Bonus.objects.create(
        membership=gh, kind="council", points=Decimal(3), reason="Sáng tạo", created_by=world.staff
    )
    Proposal.objects.create(
        cluster=world.cluster_b,
        year=year,
        status=Proposal.Status.SUBMITTED,
        submitted_at=now,
        submitted_by=world.other_head,
    )
    # HH's extension of the mid-year report (#14): the head or Sở Nội vụ revokes it.
    extension = Extension.objects.create(
        deadline=Deadline.objects.create(
            year=year, calendar="standard", kind="mid_year_report", due_date=date(YEAR, 6, 30)
        ),
        cluster=world.cluster_a,
        year=year,
        membership=hh,
        due_date=date(YEAR, 7, 15),
        reason="Bão",
        granted_by=world.staff,
    )
    # The head's delegation to VY, the deputy (#14): the head ends it.
    delegation = Delegation.objects.create(
        membership=members["VY"],
        starts_on=date(YEAR, 5, 1),
        ends_on=date(YEAR + 5, 5, 31),
        purpose="Công tác",
        created_by=world.head,
    )
    # The year's records of #14: HH's exemplary model, a guest of the
    # conference, the cluster's report, an ad-hoc request to every member and
    # HH's answer to it.
    exemplar = ExemplaryModel.objects.create(
        membership=hh,
        kind=ExemplaryModel.Kind.COLLECTIVE,
        name="Mô hình một cửa",
        description="Mô tả",
        file=pdf_file("dien-hinh.pdf"),
        created_by=world.member,
    )
    guest = ConferenceGuest.objects.create(
        conference=conference, role=ConferenceGuest.Role.COUNCIL, name="Ông Nguyễn Văn An"
    )
    cluster_report = ClusterReport.objects.create(
        cluster=world.cluster_a,
        year=year,
        kind="mid_year",
        reported_on=date(YEAR, 6, 20),
        file=pdf_file("bao-cao-cum.pdf"),
        uploaded_by=world.head,
    )
    adhoc = AdhocRequest.objects.create(
        cluster=world.cluster_a,
        year=year,
        subject="Chuyển đổi số",
        audience=AdhocRequest.Audience.MEMBERS,
        due_date=date(YEAR, 9, 15),
        created_by=world.staff,
    )
    adhoc_answer = AdhocAnswer.objects.create(
        request=adhoc, membership=hh, text="Báo cáo", file=pdf_file("dot-xuat.pdf")
    )
    # HH, cluster_a's head in 2023 by the old records (#14): Sở Nội vụ corrects or removes it.
    prior_role = PriorRole.objects.create(
        cluster=world.cluster_a,
        year=YEAR - 2,
        unit=world.a_member,
        role=PriorRole.Role.HEAD,
        source="Quyết định số 15/QĐ-UBND",
        recorded_by=world.staff,
    )
    # An officer's account of HH (#14): Sở Nội vụ deactivates it or sends the
    # link to set its password again.
    account = get_user_model().objects.create(
        username="canbo-hh", email="canbo@hiephoa.gov.vn", unit=world.a_member
    )
    # HH's user's notification (#15): only its recipient opens it.
    notification = Notification.objects.create(
        recipient=world.member, text="Bảng chấm điểm đã được duyệt.", link="/viec-can-lam/"
    )
    return SimpleNamespace(
        world=world,
        exemplar=exemplar,
        prior_role=prior_role,
        guest=guest,
        cluster_report=cluster_report,
        adhoc=adhoc,
        adhoc_answer=adhoc_answer,
        account=account,
        notification=notification,
        extension=extension,
        delegation=delegation,
        gh=gh,
        council_bonus_b=council_bonus_b,
        a={"code": world.cluster_a.code, "year": YEAR},
        b={"code": world.cluster_b.code, "year": YEAR},
        year={"year": YEAR},
        hh=hh,
        lg=lg,
        leaf=leaf,
        draft_leaf=draft_leaf,
        evidence=_evidence(hh, leaf, world.member),
        lg_evidence=_evidence(lg, leaf, None),
        registration=registration,
        report=_report(hh, world.member),
        lg_report=_report(lg, None),
        pledge=pledge,
        signature=signature,
        head_document=head_document,
        conference=conference,
        proposed_deduction=proposed,
        deduction=confirmed,
        lg_deduction=lg_deduction,
        flag=flag,
        head_bonus=head_bonus,
        staff_bonus=staff_bonus,
        election=election,
        proposal=proposal,
        decision=decision,
        # A draft guidance, copied from the 2022 one (#16).
        guidance=guidance_copy(guidance=default_guidance(), user=world.staff),
    )


def announce(data: SimpleNamespace) -> None:
    """The council decided and the staff announced the results to the members (R34)."""
    Proposal.objects.filter(pk=data.proposal.pk).update(
        status=Proposal.Status.DECIDED, announced_at=timezone.now()
    )


def agree(data: SimpleNamespace) -> None:
    """The head agreed cluster_a's scores after the preparatory meeting (R11):
    its members see the results, "tạm tính" until the decision (issue 13)."""
    ScoreAgreement.objects.create(
        cluster=data.world.cluster_a,
        year=data.world.year,
        agreed_at=timezone.now(),
        agreed_by=data.world.head,
    )

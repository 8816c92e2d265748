"""Official documents as PDF, laid out as Nghị định 30/2020/NĐ-CP asks.

One shared base template (templates/pdf/base.html) gives every document the
A4 page, margins, font, the issuing body and national motto header, the
number and date line, page numbers from page 2, "Nơi nhận" and the signature
block; each document is a template of its own that fills the blocks.

The context builders below read each document's records with a fixed number
of queries, whatever the number of units or criteria, and hand the templates
text that is already formatted the Vietnamese way (decimal comma).
"""

import atexit
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from awards import allocation, services
from awards.models import Proposal, ProposalItem
from clusters.models import (
    Attendance,
    Cluster,
    Conference,
    EmulationYear,
    Membership,
    Registration,
    RegistrationTarget,
    Unit,
)
from clusters.services import registered_plans
from emulation.numbers import format_figure
from scoring import engine, sheets
from scoring.guidances import stored_regulation
from scoring.models import Criterion, Quota, Score, Sheet, Vote
from scoring.regulation import DEFAULT, Regulation
from scoring.results import ClusterResults, UnitRow, cluster_results

# Bundled so every server renders the same document, whatever fonts it has:
# Liberation Serif is metric-compatible with Times New Roman and carries
# every Vietnamese diacritic (SIL Open Font License, static/fonts/).
FONTS_DIR = Path(settings.BASE_DIR) / "static" / "fonts"

PROVINCE = "Bắc Giang"
# The place of a date line while the unit has not given its own (/don-vi/van-ban/).
DOCUMENT_PLACE = PROVINCE
# The day of a record not yet dated (a draft, a sheet not sent): the clerk
# writes it by hand when the document is signed.
UNDATED = "ngày …… tháng …… năm ……"
COUNCIL = f"Hội đồng Thi đua - Khen thưởng tỉnh {PROVINCE}"
HOME_AFFAIRS = f"Sở Nội vụ tỉnh {PROVINCE}"
# How a tờ trình's subject names each 2022 award (Về việc đề nghị tặng …)
# while the year's guidance keeps its label; otherwise the guidance's label.
AWARD_SUBJECTS = {
    "co_thi_dua": "Cờ thi đua của UBND tỉnh",
    "bang_khen": "Bằng khen của Chủ tịch UBND tỉnh",
    "tap_the_ldxs": "danh hiệu Tập thể Lao động xuất sắc",
}


def date_line(place: str, day: date | None) -> str:
    """'Bắc Giang, ngày 05 tháng 02 năm 2026': days under 10 and months 1 and 2
    take a leading zero (Nghị định 30/2020, Phụ lục I); blanks for no day."""
    if day is None:
        return f"{place}, {UNDATED}"
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def _day(moment: datetime | date | None) -> date | None:
    if isinstance(moment, datetime):
        return timezone.localdate(moment)
    return moment


def render_pdf(template_name: str, context: dict) -> bytes:
    html = render_to_string(template_name, {**context, "fonts_url": FONTS_DIR.as_uri()})
    return pdf_of(html)


@lru_cache(maxsize=16)
def pdf_of(html: str) -> bytes:
    """The PDF of a document's HTML, kept for the next request of the same text.

    The largest scoring sheet takes most of a second of CPU to lay out (issue
    #12), and a unit or its head asks for it again and again; the HTML holds
    every fact printed, the date line included, so the same HTML is the same
    document and a changed record is never served stale. Sixteen documents of
    at most a few hundred kilobytes each, per process."""
    from weasyprint import HTML  # imported here: loading Pango is slow and only PDFs need it

    style, fonts = _shared_style()
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        stylesheets=[style], font_config=fonts
    )


@lru_cache(maxsize=1)
def _shared_style():
    """The documents' shared stylesheet, parsed once per process with the fonts
    its @font-face rules load: parsing it and loading the four font files took
    a fifth of every render (issue #12)."""
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    css = render_to_string("pdf/base.css", {"fonts_url": FONTS_DIR.as_uri()})
    # Let go of the fonts' temporary folder before the interpreter winds down.
    atexit.register(_shared_style.cache_clear)
    return CSS(string=css, font_config=fonts), fonts


# ---------------------------------------------------------------------------
# What the documents share


def points_text(value: Decimal | None) -> str:
    """'964,40': points with two decimals and a decimal comma ('' for none)."""
    return format_figure(value, 2)


def _letterhead(
    *,
    issuer: str,
    suffix: str,
    recipients: list[str],
    signer_role: str,
    place: str,
    day: date | None,
    signer_name: str = "",
    issuer_parent: str = "",
) -> dict:
    """The base template's keys. The number stays blank for the clerk (văn thư)
    to fill in when the document is issued; the date is the record's own."""
    return {
        "issuer_parent": issuer_parent,
        "issuer": issuer,
        "number": "",
        "number_suffix": suffix,
        "date_line": date_line(place or DOCUMENT_PLACE, day),
        "recipients": recipients,
        "signer_role": signer_role,
        "signer_name": signer_name,
    }


def issuer_of(unit: Unit) -> str:
    """The issuing body as the header prints it: the unit's official name
    (tên cơ quan ban hành), else its name, in capitals."""
    return (unit.issuer_name or unit.name).upper()


def _unit_letterhead(unit: Unit, *, suffix: str, recipients: list[str], day: date | None) -> dict:
    """A document the unit issues itself: its official name under its
    superior, its place, signed by its leader ("THỦ TRƯỞNG ĐƠN VỊ" until the
    unit gives the title)."""
    return _letterhead(
        issuer_parent=unit.superior_name.upper(),
        issuer=issuer_of(unit),
        suffix=suffix,
        recipients=recipients,
        signer_role=unit.signer_title or "THỦ TRƯỞNG ĐƠN VỊ",
        signer_name=unit.signer_name,
        place=unit.place_name,
        day=day,
    )


@dataclass(frozen=True)
class _ClusterWords:
    """How a document names a cluster's kind: cụm or khối."""

    short: str  # the suffix of the number: CTĐ (cụm thi đua) or KTĐ (khối thi đua)
    head_role: str  # TRƯỞNG CỤM / TRƯỞNG KHỐI
    head_title: str  # Trưởng cụm / Trưởng khối

    @classmethod
    def of(cls, cluster: Cluster) -> "_ClusterWords":
        if cluster.kind == Cluster.Kind.KHOI:
            return cls("KTĐ", "TRƯỞNG KHỐI", "Trưởng khối")
        return cls("CTĐ", "TRƯỞNG CỤM", "Trưởng cụm")


def _cluster_letterhead(
    cluster: Cluster,
    head: Membership | None,
    *,
    kind: str,
    recipients: list[str],
    day: date | None,
) -> dict:
    """A document the head issues on behalf of the cluster: the cluster above
    the head unit, at the head unit's place, signed 'TM. CỤM THI ĐUA /
    TRƯỞNG CỤM' by the head unit's leader."""
    words = _ClusterWords.of(cluster)
    return _letterhead(
        issuer_parent=cluster.name.upper() if head else "",
        issuer=issuer_of(head.unit) if head else cluster.name.upper(),
        suffix=f"{kind}-{words.short}",
        recipients=recipients,
        signer_role=f"TM. {cluster.get_kind_display().upper()}\n{words.head_role}",
        signer_name=head.unit.signer_name if head else "",
        place=head.unit.place_name if head else "",
        day=day,
    )


def _head_of(results: ClusterResults | None) -> Membership | None:
    if results is None:
        return None
    return next(
        (row.membership for row in results.rows if row.membership.role == Membership.Role.HEAD),
        None,
    )


def _issued(results: ClusterResults | None) -> bool:
    return results is not None and results.scorecard is not None


# ---------------------------------------------------------------------------
# The registration form (Phụ lục 01; R6)


def registration_context(membership: Membership) -> dict:
    """A unit's registration as the Phụ lục 01 form; an empty form while it has none."""
    registration = Registration.objects.filter(membership=membership).first()
    targets: list[RegistrationTarget] = (
        list(registration.targets.order_by("order", "pk")) if registration else []
    )
    cluster = membership.cluster
    sent = registration.submitted_at if registration else None
    return {
        **_unit_letterhead(
            membership.unit,
            suffix="ĐK-TĐ",
            recipients=["Như kính gửi;", f"{cluster.authority.name} (để theo dõi);"],
            day=_day(sent),
        ),
        "unit": membership.unit,
        "cluster": cluster,
        "year": membership.year.year,
        "registration": registration,
        "targets": targets,
    }


# ---------------------------------------------------------------------------
# A unit's scoring sheet (R19–R26)


@dataclass(frozen=True)
class SheetLine:
    code: str
    title: str
    points: str
    depth: int
    is_heading: bool
    own: str = ""
    agreed: str = ""


@dataclass(frozen=True)
class SheetSection:
    code: str
    label: str
    points: str
    lines: list[SheetLine]
    own: str
    agreed: str


def scoring_sheet_context(membership: Membership) -> dict | None:
    """The unit's own points and the cluster's agreed points per criterion, by
    section, with the bonus, deductions and total the ranking uses; None while
    the cluster has no issued scorecard (R18)."""
    results = cluster_results(membership.cluster, membership.year)
    if not _issued(results):
        return None
    row = next(r for r in results.rows if r.membership.pk == membership.pk)
    criteria = sheets.criteria_of(results.scorecard)
    leaves = [c for c in criteria if c.is_leaf]
    regulation = results.regulation
    own = engine.compute_unit(
        [c.rule for c in leaves],
        engine.UnitInput(membership.unit.code, tuple(_own_scores(membership, leaves))),
        regulation,
    )
    agreed = row.result
    depth = _depths(criteria)
    sections = [
        SheetSection(
            code=section.code,
            label=regulation.section_title(section.code),
            points=engine.fmt_points(section.points),
            lines=[
                SheetLine(
                    code=c.code,
                    title=c.title,
                    points=engine.fmt_points(c.points),
                    depth=depth[c.pk],
                    is_heading=not c.is_leaf,
                    own=points_text(own.criteria[c.code].earned) if c.is_leaf else "",
                    agreed=points_text(agreed.criteria[c.code].earned) if c.is_leaf else "",
                )
                for c in criteria
                if c.section == section.code
            ],
            own=points_text(own.sections[section.code]),
            agreed=points_text(agreed.sections[section.code]),
        )
        for section in regulation.sections
    ]
    sheet = Sheet.objects.filter(membership=membership).only("submitted_at").first()
    return {
        **_unit_letterhead(
            membership.unit,
            suffix="BCĐ-TĐ",
            recipients=[f"Trưởng {membership.cluster.name};"],
            # The day the unit sent it; a sheet returned or not sent yet has none.
            day=_day(sheet.submitted_at if sheet else None),
        ),
        "unit": membership.unit,
        "cluster": membership.cluster,
        "year": membership.year.year,
        "sections": sections,
        "base_points": engine.fmt_points(regulation.total_points),
        "own": {
            "base": points_text(own.base),
            "bonus": points_text(own.bonus),
            "total": points_text(own.total),
        },
        "agreed": {
            "base": points_text(agreed.base),
            "bonus": points_text(agreed.bonus),
            "deductions": points_text(agreed.deductions),
            "total": points_text(agreed.total),
        },
        "status": regulation.status_label(agreed.status),
        "reasons": [regulation.reason_label(r) for r in agreed.reasons],
        "agreement": sheets.agreement_of(membership.cluster_id, membership.year_id),
        # The preparatory meeting's own day, not the day the scores were agreed (#14).
        "preparatory": Conference.objects.filter(
            cluster=membership.cluster_id,
            year=membership.year_id,
            kind=Conference.Kind.PREPARATORY,
        ).first(),
    }


def _own_scores(membership: Membership, leaves: list[Criterion]) -> list[engine.Score]:
    """The unit's own figures that make a valid score (as its sheet counts them)."""
    by_id = {c.pk: c for c in leaves}
    plans = registered_plans(membership)
    found = []
    for score in Score.objects.filter(membership=membership, criterion__in=leaves):
        criterion = by_id[score.criterion_id]
        figures = sheets.own_figures(score, plans.get(criterion.pk))
        if figures and not sheets.score_errors(criterion, figures):
            found.append(sheets.engine_score(criterion, figures))
    return found


def _depths(criteria: list[Criterion]) -> dict[int, int]:
    parents = {c.pk: c.parent_id for c in criteria}
    depths: dict[int, int] = {}
    for pk in parents:
        depth, parent = 0, parents[pk]
        while parent is not None and parent in parents:
            depth, parent = depth + 1, parents[parent]
        depths[pk] = depth
    return depths


# ---------------------------------------------------------------------------
# The cluster's ranking table (R29–R33)


@dataclass(frozen=True)
class RankingLine:
    rank: int
    code: str
    name: str
    sections: list[str]
    bonus: str
    deductions: str
    total: str
    status: str
    reasons: list[str]
    award: str


def ranking_context(cluster: Cluster, year: EmulationYear) -> dict | None:
    """Every unit of the cluster by rank with its section points, bonus,
    deductions, total, status and reasons, and the award the allocation gives
    it; None while the cluster has no issued scorecard."""
    results = cluster_results(cluster, year)
    if not _issued(results):
        return None
    agreement = sheets.agreement_of(cluster, year)
    return {
        **_cluster_letterhead(
            cluster,
            _head_of(results),
            kind="BTH",
            recipients=[f"{HOME_AFFAIRS};", "Các đơn vị thành viên;"],
            # The table of the scores the cluster agreed (R11), dated that day.
            day=_day(agreement.agreed_at if agreement else None),
        ),
        "cluster": cluster,
        "year": year.year,
        "section_labels": list(results.regulation.section_codes),
        "lines": [_ranking_line(row, results.regulation) for row in results.rows],
        "quotas": _quota_texts(results),
    }


def _ranking_line(row: UnitRow, regulation: Regulation) -> RankingLine:
    result, award = row.result, row.placement.award
    return RankingLine(
        rank=row.placement.rank,
        code=row.unit.code,
        name=row.unit.name,
        sections=[points_text(result.sections[s]) for s in regulation.section_codes],
        bonus=points_text(result.bonus),
        deductions=points_text(result.deductions),
        total=points_text(result.total),
        status=regulation.status_label(result.status),
        reasons=[regulation.reason_label(r) for r in result.reasons],
        award=regulation.award_label(award) if award else "",
    )


def _quota_texts(results: ClusterResults) -> list[str]:
    regulation = results.regulation
    return [f"{regulation.award_label(a)}: {results.quotas.get(a, 0)}" for a in regulation.awards]


# ---------------------------------------------------------------------------
# What the cluster proposes (R32–R34): the frozen items once submitted


@dataclass(frozen=True)
class ProposedUnit:
    name: str
    rank: int
    total: str
    government_flag: bool = False


@dataclass(frozen=True)
class AwardGroup:
    award: str
    label: str
    units: list[ProposedUnit] = field(default_factory=list)


def _proposed(results: ClusterResults | None, proposal: Proposal | None) -> list[AwardGroup]:
    """Units per award, in allocation order: the proposal's frozen items once it
    is submitted (R34), else the live allocation (one query at most)."""
    regulation = results.regulation if results else DEFAULT
    groups = {a: AwardGroup(a, regulation.award_label(a)) for a in regulation.awards}
    if proposal is not None and proposal.freezes_allocation:
        items = ProposalItem.objects.filter(proposal=proposal).select_related("membership__unit")
        for item in items.order_by("rank", "membership__unit__code"):
            if item.award in groups:
                groups[item.award].units.append(
                    ProposedUnit(
                        item.membership.unit.name,
                        item.rank,
                        points_text(item.total),
                        item.government_flag,
                    )
                )
    elif results is not None:
        for row in results.rows:
            if row.placement.award in groups:
                groups[row.placement.award].units.append(
                    ProposedUnit(row.unit.name, row.placement.rank, points_text(row.result.total))
                )
    return [group for group in groups.values() if group.units]


def _undecided(results: ClusterResults | None, proposal: Proposal | None) -> list[str]:
    """Tied units the ballot has not placed yet (R33), while the proposal is not frozen."""
    if results is None or (proposal is not None and proposal.freezes_allocation):
        return []
    return [
        row.unit.name for row in results.rows if row.placement.award == allocation.TIE_VOTE_NEEDED
    ]


def _meeting(cluster: Cluster, year: EmulationYear) -> Conference | None:
    """The review meeting: the annual conference (R13), else the preparatory one (R11)."""
    found = {
        c.kind: c
        for c in Conference.objects.filter(
            cluster=cluster,
            year=year,
            kind__in=[Conference.Kind.ANNUAL, Conference.Kind.PREPARATORY],
        )
    }
    return found.get(Conference.Kind.ANNUAL) or found.get(Conference.Kind.PREPARATORY)


def _proposal_of(cluster: Cluster, year: EmulationYear) -> Proposal | None:
    return Proposal.objects.filter(cluster=cluster, year=year).first()


# ---------------------------------------------------------------------------
# The minutes of the review meeting with the ballot (R13, R33)


@dataclass(frozen=True)
class AttendanceLine:
    name: str
    role: str
    status: str


@dataclass(frozen=True)
class BallotLine:
    name: str
    votes: str
    award: str


@dataclass(frozen=True)
class Ballot:
    total: str
    at_stake: str
    lines: list[BallotLine]
    settled: bool


def minutes_context(cluster: Cluster, year: EmulationYear) -> dict | None:
    """The minutes of the meeting that reviewed the cluster's year: when and
    where, who attended, the ranking, the ballot of each tie and the proposal
    that came out of it; None while the cluster has no issued scorecard."""
    results = cluster_results(cluster, year)
    if not _issued(results):
        return None
    meeting = _meeting(cluster, year)
    attendance: dict[int, Attendance] = (
        {a.membership_id: a for a in meeting.attendances.all()} if meeting else {}
    )
    votes = dict(
        Vote.objects.filter(membership__cluster=cluster, membership__year=year).values_list(
            "membership_id", "votes"
        )
    )
    proposal = _proposal_of(cluster, year)
    head = _head_of(results)
    members = sorted((row.membership for row in results.rows), key=lambda m: m.unit.code)
    return {
        **_cluster_letterhead(
            cluster,
            head,
            kind="BB",
            recipients=[f"{HOME_AFFAIRS};", "Các đơn vị thành viên;"],
            day=meeting.held_on if meeting else None,
        ),
        "signer_role": "CHỦ TRÌ",
        "cluster": cluster,
        "year": year.year,
        "head": head,
        "head_title": _ClusterWords.of(cluster).head_title,
        "meeting": meeting,
        "attendance": [
            AttendanceLine(
                m.unit.name,
                m.get_role_display(),
                attendance[m.pk].get_status_display() if m.pk in attendance else "",
            )
            for m in members
        ],
        # Counted only from a recorded attendance: none recorded says nothing of who came.
        "present": (
            sum(1 for a in attendance.values() if a.status != Attendance.Status.ABSENT)
            if attendance
            else None
        ),
        "member_count": len(members),
        "guests": list(meeting.guests.all()) if meeting else [],
        "lines": [_ranking_line(row, results.regulation) for row in results.rows],
        "quotas": _quota_texts(results),
        "ballots": [_ballot(tie, votes, results.regulation) for tie in services.ties(results)],
        "proposed": _proposed(results, proposal),
        "undecided": _undecided(results, proposal),
    }


def _ballot(tie: services.Tie, votes: dict[int, int], regulation: Regulation) -> Ballot:
    stakes = [f"{n} {_subject_name(regulation, award)}" for award, n in tie.at_stake]
    ordered = sorted(tie.rows, key=lambda row: (-votes.get(row.membership.pk, -1), row.unit.code))
    return Ballot(
        total=points_text(tie.total),
        at_stake=", ".join(stakes),
        lines=[
            BallotLine(
                row.unit.name,
                str(votes[row.membership.pk]) if row.membership.pk in votes else "",
                _award_label(regulation, row.placement.award),
            )
            for row in ordered
        ],
        settled=not tie.is_open,
    )


def _award_label(regulation: Regulation, award: str | None) -> str:
    return regulation.award_label(award) if award else "Không đề nghị khen thưởng"


def _subject_name(regulation: Regulation, award: str) -> str:
    label = regulation.award_label(award)
    if award in AWARD_SUBJECTS and label == DEFAULT.award_label(award):
        return AWARD_SUBJECTS[award]
    return label


# ---------------------------------------------------------------------------
# The tờ trình proposing the awards (R34)


def proposal_context(cluster: Cluster, year: EmulationYear) -> dict | None:
    """The head's submission to the council through Sở Nội vụ: the units
    proposed per award (frozen once submitted); None while the cluster has no
    issued scorecard and nothing was submitted."""
    proposal = _proposal_of(cluster, year)
    frozen = proposal is not None and proposal.freezes_allocation
    results = cluster_results(cluster, year)
    if not (frozen or _issued(results)):
        return None
    head = _head_of(results) or (
        Membership.objects.select_related("unit")
        .filter(cluster=cluster, year=year, role=Membership.Role.HEAD)
        .first()
    )
    proposed = _proposed(results, proposal)
    documents = Quota.objects.filter(cluster=cluster, year=year).exclude(document="")
    return {
        **_cluster_letterhead(
            cluster,
            head,
            kind="TTr",
            recipients=["Như kính gửi;", "Các đơn vị thành viên;"],
            day=_day(proposal.submitted_at if frozen else None),
        ),
        "cluster": cluster,
        "year": year.year,
        "head": head,
        "addressees": [COUNCIL, HOME_AFFAIRS],
        "subject": _subject(
            results.regulation if results else stored_regulation(year, cluster), proposed
        ),
        "quota_document": documents.values_list("document", flat=True).first() or "",
        "meeting": _meeting(cluster, year),
        "proposed": proposed,
        "undecided": _undecided(results, proposal),
        "draft": not frozen,
    }


def _subject(regulation: Regulation, proposed: list[AwardGroup]) -> str:
    """'Cờ thi đua của UBND tỉnh, Bằng khen … và danh hiệu Tập thể Lao động xuất sắc'."""
    names = [_subject_name(regulation, group.award) for group in proposed]
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} và {names[-1]}"

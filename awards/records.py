"""A unit's record over the years (hồ sơ thi đua, #14, #16): per year its
cluster, its role, and what its cluster's proposal says of it (total, rank,
award proposed) and the Chairman's decision, for the unit and every unit it
succeeds, marked as theirs.

The figures are those of the proposal as the head submitted it (frozen with
it, R34): the year's official record, the same whatever the scores became
after. A year not yet proposed shows its cluster and role only; a year before
its cluster's first year in the system, its role entered from the old records
(#14), marked so. Each year lists the exemplary models the unit put forward,
their kind and whether the annual conference presented them (#14).

A fixed number of queries, whatever the years and the predecessors.
"""

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from io import BytesIO

from django.db.models import QuerySet

from awards.models import DecisionLine, Proposal, ProposalItem
from clusters.lineage import lineage, predecessor_ids
from clusters.models import Cluster, ExemplaryModel, Membership, PriorRole, Succession, Unit
from emulation.numbers import format_figure
from emulation.workbooks import FIGURE_FORMAT, formula_safe_workbook
from scoring.guidances import years_regulations


@dataclass(frozen=True)
class RecordRow:
    year: int
    unit: Unit
    own: bool  # False: a predecessor's year, "(của …)"
    cluster: Cluster
    role: str
    total: Decimal | None
    rank: int | None
    proposed: str
    decided: str
    decision: str
    # Entered by Sở Nội vụ from the old records: a year before the system's (#14).
    entered: bool = False
    exemplars: tuple[ExemplaryModel, ...] = ()

    @property
    def owner_note(self) -> str:
        return "" if self.own else f"(của {self.unit.name})"

    @property
    def entered_note(self) -> str:
        return "(nhập từ hồ sơ cũ)" if self.entered else ""

    @property
    def exemplars_text(self) -> str:
        return "; ".join(exemplar_text(e) for e in self.exemplars)

    @property
    def total_text(self) -> str:
        return format_figure(self.total, 2) if self.total is not None else "—"


def exemplar_text(exemplar: ExemplaryModel) -> str:
    """As the record shows it: "name (Tập thể; báo cáo tại hội nghị tổng kết ngày …)"."""
    parts = [exemplar.get_kind_display()]
    if exemplar.presented_at is not None:
        parts.append(f"báo cáo tại hội nghị tổng kết ngày {exemplar.presented_at.held_on:%d/%m/%Y}")
    return f"{exemplar.name} ({'; '.join(parts)})"


@dataclass(frozen=True)
class UnitRecord:
    unit: Unit
    predecessors: list[Unit]
    successions: list[Succession]
    rows: list[RecordRow]


def _rows(memberships, *, own: set[int], exemplars=None) -> list[RecordRow]:
    """Each membership with what its cluster's proposal says of it and the
    Chairman's decision line for it (two queries), and its exemplary models
    from `exemplars` (membership id → models) when given."""
    items = {
        item.membership_id: item
        for item in ProposalItem.objects.filter(membership__in=memberships)
        .exclude(proposal__status__in=[Proposal.Status.DRAFT, Proposal.Status.RETURNED])
        .select_related("proposal")
    }
    lines = {
        line.membership_id: line
        for line in DecisionLine.objects.filter(membership__in=memberships)
        .select_related("decision")
        .order_by("decision__date", "pk")
    }
    # Each year's awards as its guidance names them (R40), in one query.
    by_year = years_regulations(m.year_id for m in memberships)
    rows = []
    for membership in memberships:
        item = items.get(membership.pk)
        line = lines.get(membership.pk)
        regulation = by_year[membership.year_id].for_cluster(membership.cluster)
        rows.append(
            RecordRow(
                year=membership.year.year,
                unit=membership.unit,
                own=membership.unit_id in own,
                cluster=membership.cluster,
                role=membership.get_role_display(),
                total=item.total if item else None,
                rank=item.rank if item else None,
                proposed=(
                    (regulation.award_label(item.award) if item.award else "Không đề nghị")
                    if item
                    else "Chưa trình"
                ),
                decided=regulation.award_label(line.award) if line and line.award else "",
                decision=(
                    f"Quyết định số {line.decision.number} ngày {line.decision.date:%d/%m/%Y}"
                    if line
                    else ""
                ),
                exemplars=tuple((exemplars or {}).get(membership.pk, ())),
            )
        )
    return rows


def _exemplars(memberships) -> dict[int, list[ExemplaryModel]]:
    """The exemplary models of `memberships`, by membership (one query)."""
    found = defaultdict(list)
    for exemplar in (
        ExemplaryModel.objects.filter(membership__in=memberships)
        .select_related("presented_at")
        .order_by("pk")
    ):
        found[exemplar.membership_id].append(exemplar)
    return found


def _entered_rows(chain: list[Unit], *, own: set[int]) -> list[RecordRow]:
    """The roles entered from the old records for the units of `chain` (one query)."""
    return [
        RecordRow(
            year=prior.year,
            unit=prior.unit,
            own=prior.unit_id in own,
            cluster=prior.cluster,
            role=prior.get_role_display(),
            total=None,
            rank=None,
            proposed="",
            decided="",
            decision="",
            entered=True,
        )
        for prior in PriorRole.objects.filter(unit__in=chain).select_related("cluster", "unit")
    ]


def unit_record(unit: Unit) -> UnitRecord:
    chain = lineage(unit)
    memberships = (
        Membership.objects.filter(unit__in=chain)
        .select_related("cluster", "year", "unit")
        .order_by("-year__year", "unit__code")
    )
    rows = _rows(memberships, own={unit.pk}, exemplars=_exemplars(memberships))
    rows += _entered_rows(chain, own={unit.pk})
    rows.sort(key=lambda row: (-row.year, row.unit.code))
    successions = list(
        Succession.objects.filter(successor__in=chain).select_related("successor", "predecessor")
    )
    return UnitRecord(unit, chain[1:], successions, rows)


HEADER = [
    "Năm",
    "Đơn vị",
    "Cụm, khối",
    "Vai trò",
    "Tổng điểm",
    "Hạng",
    "Danh hiệu đề nghị",
    "Danh hiệu được quyết định",
    "Quyết định",
    "Điển hình tiên tiến",
]


def unit_record_xlsx(record: UnitRecord) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Hồ sơ thi đua"
    sheet.append([f"Hồ sơ thi đua: {record.unit.name} ({record.unit.code})"])
    sheet.append(HEADER)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in record.rows:
        sheet.append(
            [
                row.year,
                f"{row.unit.name} {row.owner_note}".strip(),
                row.cluster.name,
                f"{row.role} {row.entered_note}".strip(),
                row.total,
                row.rank,
                row.proposed,
                row.decided,
                row.decision,
                row.exemplars_text,
            ]
        )
        sheet.cell(sheet.max_row, 5).number_format = FIGURE_FORMAT
    formula_safe_workbook(workbook)  # names are text, never formulas (#12)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@dataclass(frozen=True)
class SuccessorLine:
    """A unit of the year formed from others, beside its predecessors' last
    years (the province view, #16)."""

    membership: Membership
    predecessors: list[RecordRow]


def successor_lines(memberships: QuerySet[Membership]) -> list[SuccessorLine]:
    """Of `memberships` (one year's), those whose unit succeeds others, each
    with its predecessors' rows before the year, newest first. At most five
    queries; only the successors' memberships are built (#17)."""
    unit_ids = memberships.values_list("unit_id", flat=True)
    chains = {pk: chain[1:] for pk, chain in predecessor_ids(unit_ids).items() if chain[1:]}
    older = {pk for chain in chains.values() for pk in chain}
    if not older:
        return []
    memberships = list(
        memberships.filter(unit__in=chains).select_related("unit", "cluster", "year")
    )
    before = min(m.year.year for m in memberships)
    rows = _rows(
        Membership.objects.filter(unit__in=older, year__year__lt=before)
        .select_related("cluster", "year", "unit")
        .order_by("-year__year", "unit__code"),
        own=set(),
    )
    lines = []
    for membership in memberships:
        theirs = [r for r in rows if r.unit.pk in chains.get(membership.unit_id, ())]
        if theirs:
            lines.append(SuccessorLine(membership, theirs))
    return lines

"""The province's year at a glance for Sở Nội vụ (R1, R6, R11, R18, R29–R34).

Per cluster or block of the year: how far its year has come (scorecard,
registrations, self-scoring sheets, agreed scores, proposal), its awards
against the quotas, and the spread of its units' totals; with the province's
totals and a chart comparing the clusters. The number of queries is fixed
whatever the number of clusters and units: one aggregate per kind of record,
and `year_results` once for the totals and the live allocation.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from io import BytesIO
from statistics import median

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from awards.allocation import TIE_VOTE_NEEDED
from awards.models import Proposal, ProposalItem
from awards.records import SuccessorLine, successor_lines
from clusters.models import Cluster, EmulationYear, Membership, Registration
from emulation.numbers import format_figure
from emulation.workbooks import FIGURE_FORMAT, formula_safe_workbook
from scoring import tables
from scoring.engine import CENT
from scoring.guidances import year_regulations
from scoring.models import Score, ScoreAgreement, Scorecard, Sheet
from scoring.regulation import DEFAULT, Regulation
from scoring.results import ClusterResults, year_results

# The 2022 awards' short names for the columns, while a guidance keeps their
# 2022 label; any other award (new or renamed) goes by its guidance's label.
SHORT_AWARDS = {
    "co_thi_dua": "Cờ thi đua",
    "bang_khen": "Bằng khen",
    "tap_the_ldxs": "Tập thể LĐXS",
}
NO_SCORECARD = "Chưa xây dựng"
NO_PROPOSAL = "Chưa lập hồ sơ"
NO_SCORES = "Chưa có điểm"


@dataclass(frozen=True)
class AwardLine:
    """One award type of a cluster (or of the province): its quota and how many
    units get it, from the frozen proposal or the live allocation (R31, R32)."""

    award: str
    quota: int
    count: int
    label: str  # as the guidance giving the award names it (R40)


@dataclass(frozen=True)
class Spread:
    """The totals of a cluster's units (R26)."""

    units: int
    lowest: Decimal
    median: Decimal
    highest: Decimal
    mean: Decimal


@dataclass(frozen=True)
class ClusterLine:
    cluster: Cluster
    members: int
    scorecard_status: str | None
    scorecard_version: int | None
    registrations: int
    sheets: int
    agreed_at: datetime | None
    proposal: Proposal | None
    awards: list[AwardLine]
    tie_vote_needed: int
    spread: Spread | None

    @property
    def scorecard_issued(self) -> bool:
        return self.scorecard_status == Scorecard.Status.ISSUED

    @property
    def scorecard_label(self) -> str:
        if self.scorecard_status is None:
            return NO_SCORECARD
        return f"{Scorecard.Status(self.scorecard_status).label} (bản {self.scorecard_version})"

    @property
    def agreed(self) -> bool:
        return self.agreed_at is not None

    @property
    def agreement_label(self) -> str:
        if self.agreed_at is None:
            return "Chưa thống nhất"
        return f"Đã thống nhất {timezone.localtime(self.agreed_at):%d/%m/%Y}"

    @property
    def frozen(self) -> bool:
        """The awards come from the submitted proposal, not the live allocation (R34)."""
        return self.proposal is not None and self.proposal.freezes_allocation

    @property
    def awards_source(self) -> str:
        return "Theo hồ sơ đã trình" if self.frozen else "Phân bổ hiện tại"

    @property
    def proposal_label(self) -> str:
        if self.proposal is None:
            return NO_PROPOSAL
        announced = " · đã công bố" if self.proposal.is_announced else ""
        numbers = ", ".join(d.number for d in self.proposal.decisions.all())
        decided = f" (QĐ số {numbers})" if numbers else ""
        return f"{self.proposal.get_status_display()}{decided}{announced}"


@dataclass(frozen=True)
class Bar:
    """One cluster's row of the chart; coordinates as SVG text (never localised)."""

    label: str
    title: str
    y: str
    text_y: str
    low: str
    width: str
    median: str
    median_text: str
    # The cluster's own guidance's threshold (R29, R36): x and the figure.
    threshold: str
    threshold_text: str
    threshold_top: str
    threshold_bottom: str


@dataclass(frozen=True)
class Chart:
    """Per cluster the lowest to highest total, with the median marked (R26, R29)."""

    width: int
    height: int
    left: int
    right: int
    axis_y: str
    bars: list[Bar]
    ticks: list[tuple[str, str]]
    bar_height: int


@dataclass(frozen=True)
class Province:
    year: EmulationYear
    lines: list[ClusterLine]
    awards: list[AwardLine]
    chart: Chart | None
    results: list[ClusterResults]
    regulation: Regulation  # the year's (R36)
    # Units formed from others beside their predecessors' years (#16).
    successors: list[SuccessorLine] = field(default_factory=list)

    @property
    def members(self) -> int:
        return sum(line.members for line in self.lines)

    @property
    def registrations(self) -> int:
        return sum(line.registrations for line in self.lines)

    @property
    def sheets(self) -> int:
        return sum(line.sheets for line in self.lines)

    @property
    def issued(self) -> int:
        return sum(line.scorecard_issued for line in self.lines)

    @property
    def agreed(self) -> int:
        return sum(line.agreed for line in self.lines)

    @property
    def proposed(self) -> int:
        return sum(line.frozen for line in self.lines)

    @property
    def tie_vote_needed(self) -> int:
        return sum(line.tie_vote_needed for line in self.lines)


def province_summary(year: EmulationYear, clusters: QuerySet[Cluster]) -> Province:
    """Every cluster of `clusters` with members in `year`, by code."""
    counts = {
        row["cluster_id"]: row
        for row in Membership.objects.filter(year=year, cluster__in=clusters)
        .values("cluster_id")
        .annotate(
            members=Count("pk"),
            registrations=Count("pk", filter=Q(registration__status=Registration.Status.SUBMITTED)),
            sheets=Count("pk", filter=Q(sheet__status=Sheet.Status.SUBMITTED)),
        )
        .order_by()
    }
    found = list(clusters.filter(pk__in=counts).select_related("authority").order_by("code"))
    ids = [c.pk for c in found]
    results = {r.cluster.pk: r for r in year_results(year, found, details=False)} if found else {}
    regulations = year_regulations(year)
    regulation = regulations.year
    awards = _awards_of([regulations.for_cluster(c) for c in found], regulation)
    names = _award_names(awards, [regulation, *(regulations.for_cluster(c) for c in found)])
    scorecards = _scorecards(year, ids)
    agreed = dict(
        ScoreAgreement.objects.filter(year=year, cluster_id__in=ids).values_list(
            "cluster_id", "agreed_at"
        )
    )
    proposals = {
        p.cluster_id: p
        for p in Proposal.objects.filter(year=year, cluster_id__in=ids).prefetch_related(
            "decisions"
        )
    }
    # Units with at least one score on their cluster's issued scorecard: the others
    # have no total yet and stay out of the spread, never counted as 0 (#15).
    scored = set(
        Score.objects.filter(
            membership__year=year,
            membership__cluster_id__in=ids,
            criterion__scorecard__status=Scorecard.Status.ISSUED,
        )
        .values_list("membership_id", flat=True)
        .distinct()
    )
    proposed: dict[int, Counter] = defaultdict(Counter)
    for row in (
        ProposalItem.objects.filter(
            proposal__year=year,
            proposal__cluster_id__in=ids,
            proposal__status__in=[s for s in Proposal.Status if _freezes(s)],
        )
        .values("proposal__cluster_id", "award")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        proposed[row["proposal__cluster_id"]][row["award"]] = row["n"]

    lines = []
    for cluster in found:
        result = results.get(cluster.pk)
        proposal = proposals.get(cluster.pk)
        live = Counter(row.placement.award for row in result.rows) if result else Counter()
        frozen = proposal is not None and proposal.freezes_allocation
        given = proposed[cluster.pk] if frozen else live
        quotas = result.quotas if result else {}
        status, version = scorecards.get(cluster.pk, (None, None))
        lines.append(
            ClusterLine(
                cluster=cluster,
                members=counts[cluster.pk]["members"],
                scorecard_status=status,
                scorecard_version=version,
                registrations=counts[cluster.pk]["registrations"],
                sheets=counts[cluster.pk]["sheets"],
                agreed_at=agreed.get(cluster.pk),
                proposal=proposal,
                awards=[AwardLine(a, quotas.get(a, 0), given.get(a, 0), names[a]) for a in awards],
                tie_vote_needed=0 if frozen else live[TIE_VOTE_NEEDED],
                spread=_spread(result, scored),
            )
        )
    totals = [
        AwardLine(
            award,
            sum(line.awards[i].quota for line in lines),
            sum(line.awards[i].count for line in lines),
            names[award],
        )
        for i, award in enumerate(awards)
    ]
    ranked = [r for r in results.values() if r.scorecard is not None]
    ranked.sort(key=lambda r: r.cluster.code)
    successors = successor_lines(
        Membership.objects.filter(year=year, cluster__in=found).order_by(
            "cluster__code", "unit__code"
        )
    )
    thresholds = {c.pk: regulations.for_cluster(c).threshold for c in found}
    return Province(year, lines, totals, _chart(lines, thresholds), ranked, regulation, successors)


def _awards_of(regulations: list[Regulation], year: Regulation) -> tuple[str, ...]:
    """The year's awards in its order, then any a kind's own guidance adds (R40)."""
    found = list(year.awards)
    for regulation in regulations:
        found += [a for a in regulation.awards if a not in found]
    return tuple(found)


def _award_names(awards: tuple[str, ...], regulations: list[Regulation]) -> dict[str, str]:
    """Each award's column name: its label in the first of `regulations` (the
    year's, then the kinds') that gives it; a 2022 award the guidance does not
    rename keeps its short name."""
    names = {}
    for award in awards:
        regulation = next((r for r in regulations if award in r.awards), regulations[0])
        label = regulation.award_label(award)
        short = award in SHORT_AWARDS and label == DEFAULT.award_label(award)
        names[award] = SHORT_AWARDS[award] if short else label
    return names


def _freezes(status: str) -> bool:
    return Proposal(status=status).freezes_allocation


def _scorecards(year: EmulationYear, ids: list[int]) -> dict[int, tuple[str, int]]:
    """Cluster → (status, version) of its issued scorecard, else of its newest one."""
    chosen: dict[int, tuple[str, int]] = {}
    for cluster_id, status, version in Scorecard.objects.filter(
        year=year, cluster_id__in=ids
    ).values_list("cluster_id", "status", "version"):
        current = chosen.get(cluster_id)
        issued = status == Scorecard.Status.ISSUED
        if (
            current is None
            or (issued and current[0] != Scorecard.Status.ISSUED)
            or (current[0] != Scorecard.Status.ISSUED and version > current[1])
        ):
            chosen[cluster_id] = (status, version)
    return chosen


def _spread(result: ClusterResults | None, scored: set[int]) -> Spread | None:
    """The totals' spread of the units that have scores on the cluster's issued
    scorecard (R18); none while no unit has ("chưa có điểm")."""
    if result is None or result.scorecard is None:
        return None
    totals = sorted(row.result.total for row in result.rows if row.membership.pk in scored)
    if not totals:
        return None
    return Spread(
        units=len(totals),
        lowest=totals[0],
        median=_cents(median(totals)),
        highest=totals[-1],
        mean=_cents(sum(totals) / len(totals)),
    )


def _cents(value: Decimal) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------
# The chart: server-rendered SVG, no script

CHART_WIDTH = 760
CHART_LEFT = 110
CHART_RIGHT = 90
ROW_HEIGHT = 28
BAR_HEIGHT = 12
CHART_TOP = 28
TOTAL_MAX = Decimal(1000)  # base 950 + bonus 50 (R15, R24)


def _chart(lines: list[ClusterLine], thresholds: dict[int, Decimal]) -> Chart | None:
    """Each bar with the threshold of its cluster's guidance (R29, R36)."""
    spreads = [(line.cluster, line.spread) for line in lines if line.spread is not None]
    if not spreads:
        return None
    lowest = min(spread.lowest for _, spread in spreads)
    highest = max(spread.highest for _, spread in spreads)
    shown = [thresholds[cluster.pk] for cluster, _ in spreads]
    lowest, highest = min(lowest, *shown), max(highest, *shown)
    low = min(Decimal(800), (lowest / 100).to_integral_value(rounding=ROUND_FLOOR) * 100)
    high = max(TOTAL_MAX, (highest / 50).to_integral_value(rounding=ROUND_CEILING) * 50)
    span = high - low
    step = 50 if span <= 300 else 100 if span <= 600 else 200
    plot = Decimal(CHART_WIDTH - CHART_LEFT - CHART_RIGHT)

    def x(value: Decimal) -> Decimal:
        return (CHART_LEFT + (value - low) / span * plot).quantize(Decimal("0.1"))

    bars = []
    for index, (cluster, spread) in enumerate(spreads):
        top = CHART_TOP + index * ROW_HEIGHT
        start, end = x(spread.lowest), x(spread.highest)
        threshold = thresholds[cluster.pk]
        bars.append(
            Bar(
                label=cluster.code,
                title=(
                    f"{cluster.name}: thấp nhất {_points(spread.lowest)}, trung vị "
                    f"{_points(spread.median)}, cao nhất {_points(spread.highest)}, "
                    f"bình quân {_points(spread.mean)} ({spread.units} đơn vị); "
                    f"ngưỡng {format_figure(threshold)}"
                ),
                y=str(top + (ROW_HEIGHT - BAR_HEIGHT) // 2),
                text_y=str(top + ROW_HEIGHT // 2 + 4),
                low=str(start),
                width=str(max(end - start, Decimal(2))),
                median=str(x(spread.median) - 1),
                median_text=_points(spread.median),
                threshold=str(x(threshold)),
                threshold_text=format_figure(threshold),
                threshold_top=str(top),
                threshold_bottom=str(top + ROW_HEIGHT),
            )
        )
    height = CHART_TOP + len(bars) * ROW_HEIGHT + 8
    ticks = []
    value = low
    while value <= high:
        ticks.append((str(x(value)), format_figure(value)))
        value += step
    return Chart(
        width=CHART_WIDTH,
        height=height,
        left=CHART_LEFT,
        right=CHART_WIDTH - CHART_RIGHT,
        axis_y=str(CHART_TOP - 8),
        bars=bars,
        ticks=ticks,
        bar_height=BAR_HEIGHT,
    )


def _points(value: Decimal) -> str:
    return format_figure(value, 2)


# ---------------------------------------------------------------------------
# The spreadsheet

PROGRESS_HEADER = [
    "Mã",
    "Cụm, khối",
    "Cơ quan hướng dẫn",
    "Số đơn vị",
    "Bảng chấm điểm",
    "Đăng ký thi đua đã gửi",
    "Phiếu tự chấm đã nộp",
    "Thống nhất điểm",
    "Hồ sơ đề nghị khen thưởng",
    "Tổng điểm thấp nhất",
    "Tổng điểm trung vị",
    "Tổng điểm cao nhất",
    "Tổng điểm bình quân",
]


def awards_header(awards: list[AwardLine]) -> list[str]:
    """The awards sheet's columns: two per award of the year's regulation (R40)."""
    return [
        "Mã",
        "Cụm, khối",
        "Nguồn số liệu",
        *(f"{a.label} – {what}" for a in awards for what in ("chỉ tiêu", "đề nghị")),
        "Cần bỏ phiếu",
    ]


PROVINCE = "Toàn tỉnh"


def province_xlsx(province: Province) -> bytes:
    """The summary as a workbook: progress, awards against quotas, rankings."""
    from openpyxl import Workbook

    workbook = Workbook()
    progress = workbook.active
    progress.title = "Tiến độ"
    _table(progress, PROGRESS_HEADER, [_progress_row(line) for line in province.lines])
    progress.append(
        [
            PROVINCE,
            f"{len(province.lines)} cụm, khối",
            "",
            province.members,
            f"{province.issued}/{len(province.lines)} đã ban hành",
            province.registrations,
            province.sheets,
            f"{province.agreed}/{len(province.lines)} đã thống nhất",
            f"{province.proposed}/{len(province.lines)} đã trình",
        ]
    )
    _bold_last(progress)
    awards = workbook.create_sheet("Khen thưởng và chỉ tiêu")
    header = awards_header(province.awards)
    _table(awards, header, [_awards_row(line) for line in province.lines])
    awards.append(
        [
            PROVINCE,
            "",
            "",
            *(n for line in province.awards for n in (line.quota, line.count)),
            province.tie_vote_needed,
        ]
    )
    _bold_last(awards)
    ranking = workbook.create_sheet(tables.SHEET_TITLE)
    _table(ranking, tables.ranking_header(province.results), tables.ranking_rows(province.results))
    formula_safe_workbook(workbook)  # names are text, never formulas (#12)
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _progress_row(line: ClusterLine) -> list:
    spread = line.spread
    figures = (
        [spread.lowest, spread.median, spread.highest, spread.mean]
        if spread
        else [NO_SCORES, None, None, None]
    )
    return [
        line.cluster.code,
        line.cluster.name,
        line.cluster.authority.name,
        line.members,
        line.scorecard_label,
        line.registrations,
        line.sheets,
        line.agreement_label,
        line.proposal_label,
        *figures,
    ]


def _awards_row(line: ClusterLine) -> list:
    return [
        line.cluster.code,
        line.cluster.name,
        line.awards_source,
        *(n for award in line.awards for n in (award.quota, award.count)),
        line.tie_vote_needed,
    ]


def _table(sheet, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    # Rows counted here: openpyxl's max_row scans every cell (#17).
    for row, values in enumerate(rows, start=2):
        sheet.append(values)
        for column, value in enumerate(values, start=1):
            if isinstance(value, Decimal):
                sheet.cell(row=row, column=column).number_format = FIGURE_FORMAT
    for index, title in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(10, min(len(title) + 2, 40))
    sheet.freeze_panes = "A2"


def _bold_last(sheet) -> None:
    from openpyxl.styles import Font

    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)

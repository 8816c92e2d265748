"""What the guidances' pages show (#16): selectors, a fixed number of queries
whatever the number of guidances, years or criteria."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from clusters.models import Cluster
from emulation.numbers import format_figure
from scoring.guidances import regulation_of
from scoring.models import FrameworkCriterion, Guidance, GuidanceYear, Scorecard
from scoring.regulation import GROUPS, PARTICIPATION_REASONS, Regulation


@dataclass(frozen=True)
class Application:
    year: int
    kind: str  # "" for every cluster of the year

    @property
    def label(self) -> str:
        if not self.kind:
            return f"Năm {self.year}"
        return f"Năm {self.year} ({Cluster.Kind(self.kind).label.lower()})"


@dataclass(frozen=True)
class GuidanceLine:
    guidance: Guidance
    frozen: bool
    applications: list[Application]


@dataclass(frozen=True)
class GuidanceList:
    lines: list[GuidanceLine]


def _applications(ids: list[int]) -> dict[int, list[Application]]:
    found: dict[int, list[Application]] = defaultdict(list)
    for guidance_id, year, kind in (
        GuidanceYear.objects.filter(guidance_id__in=ids)
        .order_by("-year__year", "cluster_kind")
        .values_list("guidance_id", "year__year", "cluster_kind")
    ):
        found[guidance_id].append(Application(year, kind))
    return found


def _frozen_ids(ids: list[int]) -> set[int]:
    years = GuidanceYear.objects.filter(guidance_id__in=ids).values_list("guidance_id", "year_id")
    issued = set(Scorecard.objects.issued().values_list("year_id", flat=True).distinct())
    return {g for g, y in years if y in issued}


def guidance_list_page() -> GuidanceList:
    found = list(Guidance.objects.order_by("code", "-version"))
    ids = [g.pk for g in found]
    applications = _applications(ids)
    frozen = _frozen_ids(ids)
    return GuidanceList(
        [
            GuidanceLine(
                g,
                g.status == Guidance.Status.IN_USE or g.pk in frozen,
                applications.get(g.pk, []),
            )
            for g in found
        ]
    )


@dataclass(frozen=True)
class Row:
    cells: list[str]


@dataclass(frozen=True)
class GuidanceDetail:
    guidance: Guidance
    regulation: Regulation
    frozen: bool
    applications: list[Application]
    sections: list[Row]
    figures: list[Row]
    bonuses: list[Row]
    deductions: list[Row]
    reasons: list[Row]
    awards: list[Row]
    criteria: list[FrameworkCriterion]


def _yes(flag: bool) -> str:
    return "Có" if flag else "Không"


def guidance_detail_page(guidance: Guidance) -> GuidanceDetail:
    regulation = regulation_of(guidance)
    exceed = regulation.exceed_bonus
    sections = []
    for s in regulation.sections:
        counts = dict(s.framework_criteria)
        count = (
            str(counts["A"])
            if len(set(counts.values())) == 1
            else ", ".join(f"nhóm {g}: {counts[g]}" for g in GROUPS)
        )
        items = ", ".join(f"{code}: {format_figure(p)}" for code, p in s.items.items())
        limits = (
            ", ".join(f"{g}: {regulation.added_limit(s.code, g)}" for g in GROUPS)
            if len(set(counts.values())) > 1
            else str(regulation.added_limit(s.code, "A"))
        )
        sections.append(Row([s.code, s.title or "", format_figure(s.points), count, limits, items]))
    figures = [
        Row(["Tổng điểm các phần", format_figure(regulation.total_points)]),
        Row(["Ngưỡng điểm để được xét khen thưởng", format_figure(regulation.threshold)]),
        Row(
            [
                "Tỷ lệ tiêu chí được cụ thể hóa, bổ sung trong mỗi phần",
                f"{format_figure(regulation.added_ratio * 100)}%",
            ]
        ),
    ]
    if exceed is None:
        figures.append(Row(["Điểm thưởng vượt kế hoạch", "Không có"]))
    else:
        figures += [
            Row(["Điểm thưởng cho mỗi 1% vượt kế hoạch", format_figure(exceed.points_per_percent)]),
            Row(
                [
                    "Mức tối đa của mỗi tiêu chí",
                    f"{format_figure(exceed.criterion_cap_share * 100)}% điểm của tiêu chí",
                ]
            ),
            Row(["Các phần được thưởng vượt kế hoạch", ", ".join(exceed.sections) or "Không"]),
            Row(["Tổng điểm thưởng vượt kế hoạch tối đa", format_figure(exceed.cap)]),
        ]
    bonuses = [
        Row([kind, regulation.bonus_label(kind), format_figure(cap)])
        for kind, cap in regulation.bonuses.items()
    ]
    deductions = [
        Row(
            [
                kind,
                regulation.deduction_label(kind),
                format_figure(d.points),
                _yes(d.once_a_year),
                _yes(d.head_only),
            ]
        )
        for kind, d in regulation.deductions.items()
    ]
    reasons = (
        [Row(["Không xét", r, regulation.reason_label(r)]) for r in PARTICIPATION_REASONS]
        + [Row(["Không xét", r, regulation.reason_label(r)]) for r in regulation.exclusion_reasons]
        + [Row(["Chưa xét", r, regulation.reason_label(r)]) for r in regulation.deferral_reasons]
    )
    awards = [
        Row([str(n), a, regulation.award_label(a)]) for n, a in enumerate(regulation.awards, 1)
    ]
    criteria = (
        list(guidance.framework.criteria.order_by("section", "group", "code", "pk"))
        if guidance.framework_id
        else []
    )
    return GuidanceDetail(
        guidance=guidance,
        regulation=regulation,
        frozen=guidance.status == Guidance.Status.IN_USE
        or guidance.pk in _frozen_ids([guidance.pk]),
        applications=_applications([guidance.pk]).get(guidance.pk, []),
        sections=sections,
        figures=figures,
        bonuses=bonuses,
        deductions=deductions,
        reasons=reasons,
        awards=awards,
        criteria=criteria,
    )

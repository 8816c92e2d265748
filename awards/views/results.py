import json
from dataclasses import dataclass
from decimal import Decimal
from io import StringIO

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header

from awards.access import get_cluster_for_results
from awards.allocation import TIE_VOTE_NEEDED
from awards.services import proposal_of, results_standing
from clusters.access import get_year
from clusters.models import Cluster, EmulationYear
from scoring import tables
from scoring.adjustments import Entry, entries_of
from scoring.regulation import DEFAULT, Regulation
from scoring.results import ClusterResults, UnitRow, cluster_results, results_document

NO_SCORECARD = "Cụm, khối chưa có bảng chấm điểm được ban hành cho năm này."
# Short names for the quota line; the table shows the regulation's full labels.
QUOTA_LABELS = {
    "co_thi_dua": "Cờ thi đua",
    "bang_khen": "Bằng khen",
    "tap_the_ldxs": "Tập thể LĐXS",
}


def short_award(regulation: Regulation, award: str) -> str:
    """An award's short name where the guidance keeps the 2022 label, else
    the guidance's own label (R40)."""
    if award in QUOTA_LABELS and regulation.award_label(award) == DEFAULT.award_label(award):
        return QUOTA_LABELS[award]
    return regulation.award_label(award)


def quota_lines(regulation: Regulation, quotas: dict[str, int]) -> list[tuple[str, int]]:
    """R31, R40: the regulation's awards in their order with their quotas."""
    return [(short_award(regulation, a), quotas.get(a, 0)) for a in regulation.awards]


STATUS_BADGES = {
    "eligible": "text-bg-success",
    "below_threshold": "text-bg-secondary",
    "excluded": "text-bg-danger",
    "deferred": "text-bg-warning",
}


@login_required
def results(request: HttpRequest, code: str, year: int) -> HttpResponse:
    emulation_year = get_year(year)
    cluster = get_cluster_for_results(request.user, code, emulation_year)
    found = _issued_results(cluster, emulation_year)
    # The bonus and deduction entries behind the totals, with their reasons (one query).
    entries = (
        entries_of(
            [row.membership for row in found.rows], with_flags=False, regulation=found.regulation
        )
        if found
        else {}
    )
    context = {
        "cluster": cluster,
        "year": emulation_year,
        "no_scorecard": NO_SCORECARD,
        "sections": found.regulation.section_codes if found else DEFAULT.section_codes,
        "lines": [
            _line(row, found.regulation, entries.get(row.membership.pk)) for row in found.rows
        ]
        if found
        else None,
        "quotas": quota_lines(found.regulation, found.quotas) if found else [],
        "standing": results_standing(proposal_of(cluster, emulation_year)),
    }
    return render(request, "scoring/results.html", context)


@login_required
def results_download(request: HttpRequest, code: str, year: int, fmt: str) -> HttpResponse:
    emulation_year = get_year(year)
    cluster = get_cluster_for_results(request.user, code, emulation_year)
    found = _issued_results(cluster, emulation_year)
    if found is None:
        raise Http404(NO_SCORECARD)
    content, content_type = _DOWNLOADS[fmt](emulation_year, found)
    response = HttpResponse(content, content_type=content_type)
    filename = f"ket-qua-{cluster.code}-{emulation_year.year}.{fmt}"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _issued_results(cluster: Cluster, year: EmulationYear) -> ClusterResults | None:
    """The cluster's results, or None while it has no issued scorecard (R18)."""
    found = cluster_results(cluster, year)
    return found if found is not None and found.scorecard is not None else None


@dataclass(frozen=True)
class _Line:
    """A ranking row with what the page shows in Vietnamese."""

    row: UnitRow
    sections: list[Decimal]  # in the regulation's order (R37)
    status_label: str
    status_badge: str
    reasons: list[str]
    award_label: str
    needs_vote: bool
    adjustments: list[Entry]


def _line(row: UnitRow, regulation: Regulation, entries=None) -> _Line:
    award = row.placement.award
    counted = [*entries.bonuses, *(d for d in entries.deductions if d.counts)] if entries else []
    return _Line(
        row=row,
        sections=[row.result.sections[code] for code in regulation.section_codes],
        status_label=regulation.status_label(row.result.status),
        status_badge=STATUS_BADGES[row.result.status],
        reasons=[regulation.reason_label(r) for r in row.result.reasons],
        award_label=regulation.award_label(award) if award else "",
        needs_vote=award == TIE_VOTE_NEEDED,
        adjustments=counted,
    )


def _xlsx(year: EmulationYear, found: ClusterResults) -> tuple[bytes, str]:
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return tables.xlsx_bytes([found]), xlsx


def _csv(year: EmulationYear, found: ClusterResults) -> tuple[str, str]:
    # The byte order mark makes Excel read the file as UTF-8 (Vietnamese
    # letters otherwise come out garbled, #12); `export_results` writes none.
    stream = StringIO("\ufeff")
    stream.seek(0, 2)
    tables.write_csv([found], stream)
    return stream.getvalue(), "text/csv; charset=utf-8"


def _json(year: EmulationYear, found: ClusterResults) -> tuple[str, str]:
    document = results_document(year, [found])
    return json.dumps(document, ensure_ascii=False, indent=2), "application/json; charset=utf-8"


_DOWNLOADS = {"xlsx": _xlsx, "csv": _csv, "json": _json}

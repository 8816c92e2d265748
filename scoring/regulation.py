"""A guidance's figures as data (R36–R40): pure Python, nothing of Django.

`DEFAULT` is the 2022 Bắc Giang guidance whose figures R15–R32 state; a
dataset's `regulation` block (DATASET.md) replaces any of them for its year.
`regulation_from_json` reads such a block, refusing with Vietnamese messages
that name the field everything R36–R40 refuse; the engine and the allocation
take the result as an argument.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import floor

CENT = Decimal("0.01")
GROUPS = ("A", "B", "C", "D")
TIE_VOTE_NEEDED = "tie_vote_needed"
# R27: derived from the year's records, these always exclude, whatever the
# regulation; none of them may be one of its flag reasons (R40).
PARTICIPATION_REASONS = ("no_registration", "no_pledge", "no_mid_year_report", "no_annual_report")


class RegulationError(ValueError):
    """A `regulation` block R36–R40 refuse; `messages` are for people (Vietnamese)."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class Section:
    """R15–R17, R37: a section of the scorecard, its points and the framework's
    count of criteria per group (R17's 30% is taken from it)."""

    code: str
    points: Decimal
    framework_criteria: Mapping[str, int]  # group → count, exactly A–D
    title: str = ""
    # R17: item code → points the frame fixes (section III's III.1 … III.7 in 2022).
    items: Mapping[str, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class ExceedBonus:
    """R22, R38: the bonus for exceeding plan."""

    points_per_percent: Decimal = Decimal(1)
    criterion_cap_share: Decimal = Decimal("0.1")
    sections: tuple[str, ...] = ("I",)
    cap: Decimal = Decimal(30)

    def criterion_cap(self, points: Decimal | int) -> Decimal:
        """A leaf's own cap: share × its points, half-up to 2 decimals."""
        return round_half_up(Fraction(self.criterion_cap_share) * Fraction(points))


@dataclass(frozen=True)
class DeductionKind:
    """R25, R39: points per record; at most one record a year (count 1); the
    head's only."""

    points: Decimal
    once_a_year: bool = False
    head_only: bool = False


@dataclass(frozen=True)
class Regulation:
    code: str
    name: str
    sections: tuple[Section, ...]
    added_ratio: Decimal
    threshold: Decimal
    exceed_bonus: ExceedBonus | None
    bonuses: Mapping[str, Decimal]  # kind → cap (R23, R39)
    deductions: Mapping[str, DeductionKind]
    exclusion_reasons: tuple[str, ...]  # flag reasons (R27, R40)
    deferral_reasons: tuple[str, ...]  # (R28, R40)
    awards: tuple[str, ...]  # in allocation order (R32, R40)
    # What people read for each code (Vietnamese). A block names no labels but
    # its sections' titles, so a kind keeps the label of the 2022 kind of the
    # same code, and a new kind shows its code. Labels are not figures: they
    # take no part in comparing two regulations.
    bonus_labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    deduction_labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    reason_labels: Mapping[str, str] = field(default_factory=dict, compare=False)
    award_labels: Mapping[str, str] = field(default_factory=dict, compare=False)

    def section_title(self, code: str) -> str:
        found = self.section(code)
        return found.title if found and found.title else f"Phần {code}"

    # A record left from an earlier guidance may be of a kind this one does not
    # have: it keeps the name of the 2022 kind of its code, else its code.
    def bonus_label(self, kind: str) -> str:
        return self.bonus_labels.get(kind) or BONUS_LABELS.get(kind, kind)

    def deduction_label(self, kind: str) -> str:
        return self.deduction_labels.get(kind) or DEDUCTION_LABELS.get(kind, kind)

    def reason_label(self, reason: str) -> str:
        return self.reason_labels.get(reason) or REASON_LABELS.get(reason, reason)

    def award_label(self, award: str) -> str:
        return self.award_labels.get(award) or AWARD_LABELS.get(award, award)

    def status_label(self, status: str) -> str:
        """R29's statuses; below the threshold names the regulation's."""
        if status == "below_threshold":
            return f"Dưới {_points_text(self.threshold)} điểm"
        return STATUS_LABELS.get(status, status)

    @property
    def section_codes(self) -> tuple[str, ...]:
        return tuple(s.code for s in self.sections)

    def section(self, code: str) -> Section | None:
        return next((s for s in self.sections if s.code == code), None)

    @property
    def total_points(self) -> Decimal:
        return sum((s.points for s in self.sections), Decimal(0))

    def added_limit(self, section: str, group: str) -> int:
        """R17: concretised plus added criteria ≤ floor(ratio × the framework's
        count), computed exactly (0.3 × 10 = 3)."""
        found = self.section(section)
        if found is None or group not in found.framework_criteria:
            return 0
        return floor(Fraction(self.added_ratio) * found.framework_criteria[group])

    @property
    def cluster_bonus_cap(self) -> Decimal:
        """R39: the highest `cluster_bonus_max` a cluster may set (0 without a
        `cluster` kind)."""
        return self.bonuses.get("cluster", Decimal(0))

    def bonus_cap(self, kind: str, cluster_cap: Decimal) -> Decimal:
        """R23: the cap on a kind's sum per unit; the cluster's own cap for `cluster`."""
        return cluster_cap if kind == "cluster" else self.bonuses[kind]

    @property
    def all_exclusion_reasons(self) -> tuple[str, ...]:
        return PARTICIPATION_REASONS + self.exclusion_reasons


# ---------------------------------------------------------------------------
# The 2022 Bắc Giang guidance (seed; RULES.md R15–R32)

STATUS_LABELS = {
    "eligible": "Đủ điều kiện",
    "excluded": "Không xét",
    "deferred": "Chưa xét",
}
# The seed's words for its kinds [II.2.3, II.2.4, II.2.5, III.2]; two of a 2026
# guidance's (#16) have theirs too.
BONUS_LABELS = {
    "cluster": "Điểm thưởng của cụm/khối",
    "reporting": "Thực hiện tốt chế độ báo cáo",
    "council": "Điểm thưởng của Hội đồng TĐKT tỉnh",
    "digital": "Thực hiện tốt chuyển đổi số",
}
DEDUCTION_LABELS = {
    "head_duty": (
        "Trưởng cụm/khối chậm ban hành văn bản hoặc thực hiện không nghiêm túc trách nhiệm"
    ),
    "member_duty": "Thành viên thực hiện không nghiêm túc quy chế, nhiệm vụ của cụm/khối",
    "award_structure": "Tỷ lệ, cơ cấu khen thưởng không đảm bảo theo hướng dẫn",
    "reminder_letter": "Văn bản nhắc nhở về công tác thi đua, khen thưởng",
    "criticism_letter": "Văn bản phê bình về công tác thi đua, khen thưởng",
    "late_report": "Gửi báo cáo chậm so với thời hạn",
}
REASON_LABELS = {
    "no_registration": "Không đăng ký tham gia thi đua",
    "no_pledge": "Không ký giao ước thi đua",
    "no_mid_year_report": "Không gửi báo cáo sơ kết công tác thi đua, khen thưởng",
    "no_annual_report": "Không gửi báo cáo tổng kết công tác thi đua, khen thưởng",
    "leader_rating": "Người đứng đầu đơn vị xếp loại ở mức hoàn thành nhiệm vụ trở xuống",
    "security": "Không đạt tiêu chuẩn “An toàn về an ninh trật tự”",
    "culture": "Không đạt chuẩn văn hóa",
    "violation": "Để xảy ra vụ việc tiêu cực, tham nhũng, sai phạm nghiêm trọng",
    "state_obligation": "Đơn vị hoặc người đứng đầu chưa hoàn thành nghĩa vụ đối với Nhà nước",
    "under_review": "Đang bị xem xét kỷ luật, điều tra, thanh tra, kiểm tra hoặc xác minh",
}
AWARD_LABELS = {
    "co_thi_dua": "Cờ thi đua của UBND tỉnh",
    "bang_khen": "Bằng khen của Chủ tịch UBND tỉnh",
    "tap_the_ldxs": "Tập thể Lao động xuất sắc",
    TIE_VOTE_NEEDED: "Cần bỏ phiếu",
}


def _labels(known: Mapping[str, str], codes: object) -> dict[str, str]:
    return {code: known[code] for code in codes if code in known}  # type: ignore[attr-defined]


def _points_text(value: Decimal) -> str:
    # The Vietnamese way (decimal comma), as scoring.engine.fmt_points shows points.
    text = format(value.normalize(), "f") if value != value.to_integral_value() else str(int(value))
    return text.replace(".", ",")


_SEED_NAME = (
    "Hướng dẫn tổ chức hoạt động và bình xét thi đua, khen thưởng đối với các cụm, "
    "khối thi đua (Bắc Giang, 2022)"
)

DEFAULT = Regulation(
    code="BG-2022",
    name=_SEED_NAME,
    # Phụ lục 02: I 550, II 200, III 200 points; the framework's counts per
    # group (I varies by group, R16); section III's items [II.1, II.2.1, R17].
    sections=(
        Section(
            "I",
            Decimal(550),
            {"A": 19, "B": 12, "C": 10, "D": 10},
            "Thực hiện nhiệm vụ chính trị, phát triển kinh tế - xã hội",
        ),
        Section(
            "II",
            Decimal(200),
            dict.fromkeys(GROUPS, 9),
            "Thực hiện chủ trương của Đảng, chính sách, pháp luật của Nhà nước",
        ),
        Section(
            "III",
            Decimal(200),
            dict.fromkeys(GROUPS, 7),
            "Công tác thi đua, khen thưởng",
            {
                "III.1": Decimal(35),
                "III.2": Decimal(50),
                "III.3": Decimal(30),
                "III.4": Decimal(35),
                "III.5": Decimal(15),
                "III.6": Decimal(20),
                "III.7": Decimal(15),
            },
        ),
    ),
    # "không vượt quá 30% số tiêu chí đã quy định cho từng nội dung" [II.1].
    added_ratio=Decimal("0.3"),
    # "phải đạt từ 900 điểm trở lên" [III.1].
    threshold=Decimal(900),
    # 1 point per full 1% over plan, 10% of the criterion's points, section I, 30 [II.2.3.a].
    exceed_bonus=ExceedBonus(),
    # The cluster's own ≤ 5, reporting ≤ 5, the council's ≤ 10 [II.2.3.b–d].
    bonuses={"cluster": Decimal(5), "reporting": Decimal(5), "council": Decimal(10)},
    # [II.2.4].
    deductions={
        "head_duty": DeductionKind(Decimal(10), once_a_year=True, head_only=True),
        "member_duty": DeductionKind(Decimal(5)),
        "award_structure": DeductionKind(Decimal(5), once_a_year=True),
        "reminder_letter": DeductionKind(Decimal(5)),
        "criticism_letter": DeductionKind(Decimal(10)),
    },
    # [II.2.5].
    exclusion_reasons=("leader_rating", "security", "culture", "violation"),
    deferral_reasons=("state_obligation", "under_review"),
    # Cờ thi đua, then Bằng khen, then Tập thể Lao động xuất sắc [III.2].
    awards=("co_thi_dua", "bang_khen", "tap_the_ldxs"),
    bonus_labels=_labels(BONUS_LABELS, ("cluster", "reporting", "council")),
    deduction_labels=_labels(
        DEDUCTION_LABELS,
        ("head_duty", "member_duty", "award_structure", "reminder_letter", "criticism_letter"),
    ),
    reason_labels=dict(REASON_LABELS),
    award_labels=dict(AWARD_LABELS),
)


# ---------------------------------------------------------------------------
# Numbers, read as everywhere in the dataset (DATASET.md)

# A decimal string: ASCII digits, an optional sign, point and exponent; spaces
# around it are ignored. Decimal() alone would also take "1_000", "NaN",
# "Infinity" and digits of other scripts.
DECIMAL_STRING = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
NUMBER_EXPONENT_MAX = 20


def read_number(value: object) -> object:
    """A JSON number or decimal string as an exact Decimal; anything else is
    returned unchanged so that the validators name it (booleans included).
    A number beyond any figure of the contract (1e999999) comes back as a
    short string, which validators refuse as not a number (#12)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        if not DECIMAL_STRING.fullmatch(value.strip()):
            return value
        number = Decimal(value.strip())
    elif isinstance(value, int | Decimal):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(str(value))
    else:
        return value
    if number.is_finite() and number and abs(number.adjusted()) > NUMBER_EXPONENT_MAX:
        text = str(value)
        return text if len(text) <= 40 else f"{text[:39]}…"
    return number


def round_half_up(value: Fraction) -> Decimal:
    """An exact value half-up (away from zero) to 2 decimals."""
    cents, remainder = divmod(abs(value) * 100, 1)
    whole = int(cents) + (1 if remainder >= Fraction(1, 2) else 0)
    return (Decimal(-whole if value < 0 else whole) / 100).quantize(CENT)


def _two_decimals(value: Decimal) -> bool:
    try:
        return value == value.quantize(CENT)
    except InvalidOperation:
        return False


def json_number(value: Decimal) -> int | float | str:
    """A Decimal as exact JSON: an int when whole, else a float when it carries
    every digit, else a decimal string."""
    if value == value.to_integral_value():
        return int(value)
    text = format(value.normalize(), "f")
    digits = len(text.replace("-", "").replace(".", "").lstrip("0"))
    return float(text) if digits <= 15 else text


# ---------------------------------------------------------------------------
# Reading a block (R36–R40)

_FIELDS = (
    "code",
    "name",
    "sections",
    "added_ratio",
    "threshold",
    "exceed_bonus",
    "bonuses",
    "deductions",
    "exclusion_reasons",
    "deferral_reasons",
    "awards",
)
_SECTION_FIELDS = ("code", "title", "points", "framework_criteria", "items")
_EXCEED_FIELDS = ("points_per_percent", "criterion_cap_share", "sections", "cap")
_DEDUCTION_FIELDS = ("points", "once_a_year", "head_only")
_MISSING = object()


def _shown(value: object) -> str:
    if isinstance(value, str):
        text = value if len(value) <= 40 else f"{value[:39]}…"
        return f"“{text}”"
    return repr(value) if not isinstance(value, Decimal) else str(value)


class _Reader:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}")

    def unknown(self, where: str, raw: dict, known: tuple[str, ...]) -> None:
        # R36: a typo never falls back to a default.
        for key in raw:
            if key not in known:
                self.error(
                    where,
                    f"trường {_shown(key)} không có trong hướng dẫn (chỉ có {', '.join(known)}).",
                )

    def string(self, where: str, value: object, *, non_empty: bool) -> str | None:
        if not isinstance(value, str):
            self.error(where, f"phải là chuỗi, có {_shown(value)}.")
            return None
        if non_empty and not value.strip():
            self.error(where, "không được là chuỗi rỗng.")
            return None
        return value

    def number(
        self,
        where: str,
        value: object,
        *,
        low: Decimal | None = None,
        low_open: bool = False,
        high: Decimal | None = None,
    ) -> Decimal | None:
        """A figure: a finite number with at most 2 decimals, in range."""
        number = read_number(value)
        if not isinstance(number, Decimal) or not number.is_finite():
            self.error(where, f"phải là một số, có {_shown(value)}.")
            return None
        if not _two_decimals(number):
            self.error(where, f"chỉ được có tối đa 2 chữ số thập phân, có {_shown(value)}.")
            return None
        if low is not None and (number <= low if low_open else number < low):
            expected = f"lớn hơn {low}" if low_open else f"từ {low} trở lên"
            self.error(where, f"phải {expected}, có {_shown(value)}.")
            return None
        if high is not None and number > high:
            self.error(where, f"không được lớn hơn {high}, có {_shown(value)}.")
            return None
        return number

    def count(self, where: str, value: object) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            self.error(
                where,
                f"số tiêu chí khung phải là số nguyên JSON không âm (không viết 2.0 hay “2”), "
                f"có {_shown(value)}.",
            )
            return None
        return value

    def codes(self, where: str, value: object) -> tuple[str, ...] | None:
        """A list of distinct non-empty codes."""
        if not isinstance(value, list):
            self.error(where, "phải là một danh sách mã.")
            return None
        found: list[str] = []
        ok = True
        for index, code in enumerate(value):
            text = self.string(f"{where}[{index}]", code, non_empty=True)
            if text is None:
                ok = False
            elif text in found:
                self.error(where, f"mã {_shown(text)} bị trùng.")
                ok = False
            else:
                found.append(text)
        return tuple(found) if ok else None

    def flag(self, where: str, value: object) -> bool | None:
        if not isinstance(value, bool):
            self.error(where, f"phải là true hoặc false, có {_shown(value)}.")
            return None
        return value

    # -- the block ----------------------------------------------------------

    def regulation(self, block: object) -> Regulation | None:
        if not isinstance(block, dict):
            self.error(
                "regulation",
                "phải là một đối tượng (các thông số của hướng dẫn), "
                + ("không được là null" if block is None else f"có {_shown(block)}")
                + ".",
            )
            return None
        self.unknown("regulation", block, _FIELDS)
        for key in _FIELDS:
            if key in block and block[key] is None and key != "exceed_bonus":
                self.error(f"regulation.{key}", "không được là null.")
        given = {k: v for k, v in block.items() if k in _FIELDS and v is not None}
        given |= {"exceed_bonus": block["exceed_bonus"]} if "exceed_bonus" in block else {}

        code = DEFAULT.code
        if "code" in given:
            code = self.string("regulation.code", given["code"], non_empty=False)
        name = DEFAULT.name
        if "name" in given:
            name = self.string("regulation.name", given["name"], non_empty=False)
        sections = self.sections(given["sections"]) if "sections" in given else DEFAULT.sections
        total = sum((s.points for s in sections), Decimal(0)) if sections else None

        ratio = DEFAULT.added_ratio
        if "added_ratio" in given:
            ratio = self.number(
                "regulation.added_ratio",
                given["added_ratio"],
                low=Decimal(0),
                low_open=True,
                high=Decimal(1),
            )
        threshold = self.threshold(given.get("threshold", _MISSING), total)
        exceed = self.exceed_bonus(given.get("exceed_bonus", _MISSING), sections)
        bonuses = self.bonuses(given["bonuses"]) if "bonuses" in given else DEFAULT.bonuses
        deductions = (
            self.deductions(given["deductions"]) if "deductions" in given else DEFAULT.deductions
        )
        exclusion, deferral = self.reasons(given)
        awards = DEFAULT.awards
        if "awards" in given:
            awards = self.codes("regulation.awards", given["awards"])
            if awards is not None and TIE_VOTE_NEEDED in awards:
                self.error(
                    "regulation.awards",
                    f"“{TIE_VOTE_NEEDED}” là kết quả chờ bỏ phiếu, không phải danh hiệu.",
                )
                awards = None
        if self.errors:
            return None
        return Regulation(
            code=code,  # type: ignore[arg-type]
            name=name,  # type: ignore[arg-type]
            sections=sections,  # type: ignore[arg-type]
            added_ratio=ratio,  # type: ignore[arg-type]
            threshold=threshold,  # type: ignore[arg-type]
            exceed_bonus=exceed,
            bonuses=bonuses,  # type: ignore[arg-type]
            deductions=deductions,  # type: ignore[arg-type]
            exclusion_reasons=exclusion,  # type: ignore[arg-type]
            deferral_reasons=deferral,  # type: ignore[arg-type]
            awards=awards,  # type: ignore[arg-type]
            bonus_labels=_labels(BONUS_LABELS, bonuses),
            deduction_labels=_labels(DEDUCTION_LABELS, deductions),
            reason_labels=_labels(REASON_LABELS, (*PARTICIPATION_REASONS, *exclusion, *deferral)),  # type: ignore[misc]
            award_labels=_labels(AWARD_LABELS, (*awards, TIE_VOTE_NEEDED)),  # type: ignore[misc]
        )

    def sections(self, raw: object) -> tuple[Section, ...] | None:
        where = "regulation.sections"
        if not isinstance(raw, list) or not raw:
            self.error(where, "phải là một danh sách phần khác rỗng.")
            return None
        found: list[Section] = []
        codes: set[str] = set()
        ok = True
        for index, item in enumerate(raw):
            here = f"{where}[{index}]"
            if not isinstance(item, dict):
                self.error(here, "phải là một đối tượng.")
                ok = False
                continue
            section = self.section(here, item)
            if section is None:
                ok = False
            elif section.code in codes:
                self.error(here, f"mã phần {_shown(section.code)} bị trùng.")
                ok = False
            else:
                codes.add(section.code)
                found.append(section)
        return tuple(found) if ok else None

    def section(self, where: str, raw: dict) -> Section | None:
        self.unknown(where, raw, _SECTION_FIELDS)
        missing = [k for k in ("code", "points", "framework_criteria") if k not in raw]
        if missing:
            self.error(where, "thiếu trường " + ", ".join(f"“{k}”" for k in missing) + ".")
        nulls = [k for k in _SECTION_FIELDS if k in raw and raw[k] is None]
        for key in nulls:
            self.error(f"{where}.{key}", "không được là null.")
        if missing or nulls:
            return None
        errors = len(self.errors)
        code = self.string(f"{where}.code", raw["code"], non_empty=True)
        title = ""
        if "title" in raw:
            title = self.string(f"{where}.title", raw["title"], non_empty=False) or ""
        points = self.number(f"{where}.points", raw["points"], low=Decimal(0), low_open=True)
        counts = self.framework_counts(f"{where}.framework_criteria", raw["framework_criteria"])
        items: dict[str, Decimal] = {}
        if "items" in raw:
            items = self.items(f"{where}.items", raw["items"], points) or {}
        if len(self.errors) > errors:
            return None
        return Section(code, points, counts, title, items)  # type: ignore[arg-type]

    def framework_counts(self, where: str, raw: object) -> dict[str, int] | None:
        if isinstance(raw, dict):
            if set(raw) != set(GROUPS):
                self.error(
                    where,
                    "bảng số tiêu chí khung theo nhóm phải có đúng các khóa A, B, C, D, có "
                    + (", ".join(_shown(k) for k in raw) or "không khóa nào")
                    + ".",
                )
                return None
            counts = {group: self.count(f"{where}.{group}", raw[group]) for group in GROUPS}
            if any(c is None for c in counts.values()):
                return None
            return counts  # type: ignore[return-value]
        count = self.count(where, raw)
        return None if count is None else dict.fromkeys(GROUPS, count)

    def items(self, where: str, raw: object, points: Decimal | None) -> dict[str, Decimal] | None:
        if not isinstance(raw, dict):
            self.error(where, "phải là một đối tượng {mã mục: điểm}.")
            return None
        items: dict[str, Decimal] = {}
        for code, value in raw.items():
            if not isinstance(code, str) or not code.strip():
                self.error(where, "mã mục không được là chuỗi rỗng.")
                continue
            item = self.number(f"{where}.{code}", value, low=Decimal(0), low_open=True)
            if item is not None:
                items[code] = item
        if len(items) != len(raw):
            return None
        total = sum(items.values(), Decimal(0))
        if points is not None and total > points:
            self.error(
                where,
                f"tổng điểm các mục là {total}, vượt điểm của phần ({points}).",
            )
            return None
        return items

    def threshold(self, raw: object, total: Decimal | None) -> Decimal | None:
        where = "regulation.threshold"
        if raw is _MISSING:
            # R36: the default is checked as if given.
            if total is not None and DEFAULT.threshold > total:
                self.error(
                    where,
                    f"không khai báo nên lấy mặc định {DEFAULT.threshold}, vượt tổng điểm các "
                    f"phần ({total}); phải khai báo ngưỡng.",
                )
                return None
            return DEFAULT.threshold
        return self.number(where, raw, low=Decimal(0), high=total)

    def exceed_bonus(self, raw: object, sections: tuple[Section, ...] | None) -> ExceedBonus | None:
        where = "regulation.exceed_bonus"
        if raw is None:
            return None  # R38: no exceed-plan bonus at all
        if raw is _MISSING:
            raw = {}
        if not isinstance(raw, dict):
            self.error(where, "phải là một đối tượng hoặc null.")
            return None
        self.unknown(where, raw, _EXCEED_FIELDS)
        for key in _EXCEED_FIELDS:
            if key in raw and raw[key] is None:
                self.error(f"{where}.{key}", "không được là null.")
        default = ExceedBonus()
        values: dict[str, object] = {}
        for key, low, low_open, high in (
            ("points_per_percent", Decimal(0), False, None),
            ("criterion_cap_share", Decimal(0), True, Decimal(1)),
            ("cap", Decimal(0), False, None),
        ):
            if raw.get(key) is not None:
                values[key] = self.number(
                    f"{where}.{key}", raw[key], low=low, low_open=low_open, high=high
                )
            else:
                values[key] = getattr(default, key)
        listed = default.sections
        if raw.get("sections") is not None:
            listed = self.codes(f"{where}.sections", raw["sections"])  # type: ignore[assignment]
        if listed is not None and sections is not None:
            known = {s.code for s in sections}
            unknown = [code for code in listed if code not in known]
            if unknown:
                given = "sections" in raw
                self.error(
                    f"{where}.sections",
                    ", ".join(f"“{c}”" for c in unknown)
                    + " không phải là phần của hướng dẫn ("
                    + ", ".join(s.code for s in sections)
                    + ")"
                    + ("" if given else "; mặc định là I, phải khai báo exceed_bonus")
                    + ".",
                )
                return None
        if listed is None or any(v is None for v in values.values()):
            return None
        return ExceedBonus(sections=listed, **values)  # type: ignore[arg-type]

    def bonuses(self, raw: object) -> dict[str, Decimal] | None:
        where = "regulation.bonuses"
        if not isinstance(raw, dict):
            self.error(where, "phải là một đối tượng {loại điểm thưởng: mức tối đa}.")
            return None
        caps: dict[str, Decimal] = {}
        for kind, value in raw.items():
            if not isinstance(kind, str) or not kind.strip():
                self.error(where, "loại điểm thưởng không được là chuỗi rỗng.")
                continue
            cap = self.number(f"{where}.{kind}", value, low=Decimal(0))
            if cap is not None:
                caps[kind] = cap
        return caps if len(caps) == len(raw) else None

    def deductions(self, raw: object) -> dict[str, DeductionKind] | None:
        where = "regulation.deductions"
        if not isinstance(raw, dict):
            self.error(where, "phải là một đối tượng {loại điểm trừ: thông số}.")
            return None
        kinds: dict[str, DeductionKind] = {}
        for kind, entry in raw.items():
            here = f"{where}.{kind}"
            if not isinstance(kind, str) or not kind.strip():
                self.error(where, "loại điểm trừ không được là chuỗi rỗng.")
                continue
            if not isinstance(entry, dict):
                self.error(here, "phải là một đối tượng {points, once_a_year, head_only}.")
                continue
            errors = len(self.errors)
            self.unknown(here, entry, _DEDUCTION_FIELDS)
            if entry.get("points") is None:
                self.error(here, "thiếu trường “points” (điểm trừ mỗi lần).")
                continue
            points = self.number(f"{here}.points", entry["points"], low=Decimal(0))
            once = self.flag(f"{here}.once_a_year", entry.get("once_a_year", False))
            head = self.flag(f"{here}.head_only", entry.get("head_only", False))
            if len(self.errors) == errors:
                kinds[kind] = DeductionKind(points, once, head)  # type: ignore[arg-type]
        return kinds if len(kinds) == len(raw) else None

    def reasons(self, given: dict) -> tuple[tuple[str, ...] | None, tuple[str, ...] | None]:
        lists: dict[str, tuple[str, ...] | None] = {}
        for key, default in (
            ("exclusion_reasons", DEFAULT.exclusion_reasons),
            ("deferral_reasons", DEFAULT.deferral_reasons),
        ):
            if key not in given:
                lists[key] = default
                continue
            found = self.codes(f"regulation.{key}", given[key])
            if found is not None:
                derived = [r for r in found if r in PARTICIPATION_REASONS]
                if derived:
                    self.error(
                        f"regulation.{key}",
                        ", ".join(f"“{r}”" for r in derived)
                        + " là lý do tham gia, luôn không xét và không thuộc danh sách nào.",
                    )
                    found = None
            lists[key] = found
        exclusion, deferral = lists["exclusion_reasons"], lists["deferral_reasons"]
        if exclusion is not None and deferral is not None:
            both = [r for r in exclusion if r in deferral]
            if both:
                self.error(
                    "regulation.deferral_reasons",
                    ", ".join(f"“{r}”" for r in both)
                    + " có cả trong exclusion_reasons; một lý do chỉ thuộc một loại.",
                )
                return exclusion, None
        return exclusion, deferral


def regulation_from_json(block: object) -> Regulation:
    """The regulation a dataset's `regulation` block gives (R36–R40): every
    missing field takes its 2022 value, every given one replaces it whole;
    raises `RegulationError` with every refusal at once."""
    reader = _Reader()
    regulation = reader.regulation(block)
    if reader.errors or regulation is None:
        raise RegulationError(reader.errors)
    return regulation


def regulation_to_json(regulation: Regulation) -> dict:
    """The block in full, defaults filled in; `regulation_from_json` reads it
    back to an equal regulation."""

    def section(s: Section) -> dict:
        counts = dict(s.framework_criteria)
        document: dict = {"code": s.code}
        if s.title:
            document["title"] = s.title
        document["points"] = json_number(s.points)
        document["framework_criteria"] = (
            counts["A"] if len(set(counts.values())) == 1 else {g: counts[g] for g in GROUPS}
        )
        if s.items:
            document["items"] = {code: json_number(p) for code, p in s.items.items()}
        return document

    exceed = regulation.exceed_bonus
    return {
        "code": regulation.code,
        "name": regulation.name,
        "sections": [section(s) for s in regulation.sections],
        "added_ratio": json_number(regulation.added_ratio),
        "threshold": json_number(regulation.threshold),
        "exceed_bonus": None
        if exceed is None
        else {
            "points_per_percent": json_number(exceed.points_per_percent),
            "criterion_cap_share": json_number(exceed.criterion_cap_share),
            "sections": list(exceed.sections),
            "cap": json_number(exceed.cap),
        },
        "bonuses": {kind: json_number(cap) for kind, cap in regulation.bonuses.items()},
        "deductions": {
            kind: {
                "points": json_number(d.points),
                "once_a_year": d.once_a_year,
                "head_only": d.head_only,
            }
            for kind, d in regulation.deductions.items()
        },
        "exclusion_reasons": list(regulation.exclusion_reasons),
        "deferral_reasons": list(regulation.deferral_reasons),
        "awards": list(regulation.awards),
    }

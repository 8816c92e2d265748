"""The forms of a guidance (#16): its document, its figures (R36–R40) written
as short lines a person reads, and its application to a year.

Every figure is read by `emulation.numbers.read_figure`; the block the form
builds is checked by `scoring.regulation.regulation_from_json`, whose every
refusal comes back on the field it concerns, in Vietnamese."""

from __future__ import annotations

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from clusters.forms import DateField
from clusters.models import Cluster, EmulationYear
from emulation import limits
from emulation.forms import LimitedCharField
from emulation.numbers import VietnameseDecimalField, input_figure, read_figure
from scoring.engine import METHOD_LABELS
from scoring.guidances import GuidanceInfo
from scoring.models import Guidance
from scoring.regulation import (
    AWARD_LABELS,
    BONUS_LABELS,
    DEDUCTION_LABELS,
    GROUPS,
    REASON_LABELS,
    Regulation,
    RegulationError,
    regulation_from_json,
)

LINES_HELP = "Mỗi dòng một mục."


def engine_method_choices() -> list[tuple[str, str]]:
    return list(METHOD_LABELS.items())


YES = ("có", "x", "1", "true")
# The longest code an entry stores (scoring.models.Bonus.kind, Deduction.kind,
# scoring.models.Flag.reason, Quota.award).
KIND_MAX = {
    "bonuses": 12,
    "deductions": 20,
    "exclusion_reasons": 20,
    "deferral_reasons": 20,
    "awards": 16,
}
# Each field's words in its refusals, where its labels are kept in
# Guidance.labels, and the labels its codes have without one written.
_NAMED = {
    "bonuses": ("Điểm thưởng", "loại", "bonuses", BONUS_LABELS),
    "deductions": ("Điểm trừ", "loại", "deductions", DEDUCTION_LABELS),
    "exclusion_reasons": ("Lý do không xét", "lý do", "reasons", REASON_LABELS),
    "deferral_reasons": ("Lý do chưa xét", "lý do", "reasons", REASON_LABELS),
    "awards": ("Danh hiệu", "danh hiệu", "awards", AWARD_LABELS),
}
LABEL_MAX = 255


def _figure(text: str, where: str) -> Decimal:
    try:
        return read_figure(text)
    except ValidationError as error:
        raise ValidationError(f"{where}: {' '.join(error.messages)}") from None


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _pairs(text: str, where: str) -> dict[str, Decimal]:
    """“III.1=35; III.2=50” → {"III.1": 35, "III.2": 50}."""
    found: dict[str, Decimal] = {}
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        if "=" not in part:
            raise ValidationError(f"{where}: “{part}” phải viết dạng mã = số.")
        code, value = (x.strip() for x in part.split("=", 1))
        found[code] = _figure(value, f"{where}, {code}")
    return found


# Where a refusal of `regulation_from_json` goes on the form, and how the
# place it names reads for people.
_FIELD_OF = (
    ("regulation.sections", "sections"),
    ("regulation.added_ratio", "added_ratio"),
    ("regulation.threshold", "threshold"),
    ("regulation.exceed_bonus.points_per_percent", "exceed_points_per_percent"),
    ("regulation.exceed_bonus.criterion_cap_share", "exceed_criterion_cap_share"),
    ("regulation.exceed_bonus.cap", "exceed_cap"),
    ("regulation.exceed_bonus", "exceed_sections"),
    ("regulation.bonuses", "bonuses"),
    ("regulation.deductions", "deductions"),
    ("regulation.exclusion_reasons", "exclusion_reasons"),
    ("regulation.deferral_reasons", "deferral_reasons"),
    ("regulation.awards", "awards"),
)
_WORDS = (
    (r"regulation\.sections\[(\d+)\]", lambda m: f"Phần ở dòng {int(m[1]) + 1}"),
    (r"regulation\.sections", lambda m: "Các phần"),
    (r"regulation\.added_ratio", lambda m: "Tỷ lệ cụ thể hóa, bổ sung"),
    (r"regulation\.threshold", lambda m: "Ngưỡng điểm"),
    (r"regulation\.exceed_bonus", lambda m: "Điểm thưởng vượt kế hoạch"),
    (r"regulation\.bonuses", lambda m: "Điểm thưởng"),
    (r"regulation\.deductions", lambda m: "Điểm trừ"),
    (r"regulation\.exclusion_reasons", lambda m: "Lý do không xét"),
    (r"regulation\.deferral_reasons", lambda m: "Lý do chưa xét"),
    (r"regulation\.awards", lambda m: "Danh hiệu"),
    (r"\.framework_criteria", lambda m: ", số tiêu chí khung"),
    (r"\.points_per_percent", lambda m: ", điểm cho mỗi 1%"),
    (r"\.criterion_cap_share", lambda m: ", mức tối đa theo tỷ lệ điểm tiêu chí"),
    (r"\.cap\b", lambda m: ", mức tối đa"),
    (r"\.points\b", lambda m: ", điểm"),
    (r"\.items", lambda m: ", điểm các mục"),
    (r"\.code\b", lambda m: ", mã"),
    (r"\.title\b", lambda m: ", tên"),
    (r"exclusion_reasons", lambda m: "lý do không xét"),
    (r"exceed_bonus", lambda m: "điểm thưởng vượt kế hoạch"),
    (r"“points”", lambda m: "điểm"),
)


def readable(message: str) -> str:
    for pattern, words in _WORDS:
        message = re.sub(pattern, words, message)
    return message


class GuidanceForm(forms.Form):
    code = LimitedCharField(label="Mã hướng dẫn", max_length=limits.CODE)
    name = LimitedCharField(label="Tên hướng dẫn", max_length=limits.GUIDANCE_NAME)
    issuer = LimitedCharField(
        label="Cơ quan ban hành", max_length=limits.GUIDANCE_NAME, required=False
    )
    document_number = LimitedCharField(
        label="Số văn bản", max_length=limits.CODE * 2, required=False
    )
    document_date = DateField(label="Ngày ban hành", required=False)
    sections = forms.CharField(
        label="Các phần của bảng chấm điểm",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        error_messages={"required": "Chưa khai báo phần nào: hướng dẫn cần ít nhất một phần."},
        help_text=(
            "Mỗi dòng một phần: mã | tên | điểm | số tiêu chí của khung (một số, hoặc "
            "A=19; B=12; C=10; D=10) | điểm các mục nếu khung quy định (III.1=35; III.2=50). "
            "Ví dụ: III | Công tác thi đua, khen thưởng | 200 | 7 | III.1=35; III.2=50"
        ),
    )
    added_ratio = VietnameseDecimalField(
        label="Tỷ lệ tiêu chí được cụ thể hóa, bổ sung",
        max_digits=5,
        decimal_places=2,
        min_value=None,
        help_text="Ví dụ 0,3 là 30% số tiêu chí của khung trong mỗi phần.",
    )
    threshold = VietnameseDecimalField(
        label="Ngưỡng điểm để được xét khen thưởng", max_digits=7, decimal_places=2, min_value=None
    )
    exceed_enabled = forms.BooleanField(label="Có điểm thưởng vượt kế hoạch", required=False)
    exceed_points_per_percent = VietnameseDecimalField(
        label="Điểm cho mỗi 1% vượt kế hoạch",
        max_digits=7,
        decimal_places=2,
        min_value=None,
        required=False,
    )
    exceed_criterion_cap_share = VietnameseDecimalField(
        label="Mức tối đa của mỗi tiêu chí (tỷ lệ điểm của tiêu chí)",
        max_digits=5,
        decimal_places=2,
        min_value=None,
        required=False,
    )
    exceed_sections = forms.CharField(
        label="Các phần được thưởng vượt kế hoạch",
        required=False,
        max_length=200,
        help_text="Mã các phần, cách nhau bởi dấu phẩy (ví dụ: I).",
    )
    exceed_cap = VietnameseDecimalField(
        label="Tổng điểm thưởng vượt kế hoạch tối đa của một đơn vị",
        max_digits=7,
        decimal_places=2,
        min_value=None,
        required=False,
    )
    bonuses = forms.CharField(
        label="Các loại điểm thưởng",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=(
            "Mỗi dòng: mã loại = mức tối đa | tên loại. Ví dụ: council = 10 | Điểm thưởng "
            "của Hội đồng TĐKT tỉnh. Loại mới phải có tên."
        ),
    )
    deductions = forms.CharField(
        label="Các loại điểm trừ",
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=2000,
        help_text=(
            "Mỗi dòng: mã loại = điểm mỗi lần | một lần/năm (có/không) | chỉ trưởng cụm "
            "(có/không) | tên loại. Ví dụ: late_report = 5 | không | không | Gửi báo cáo chậm "
            "so với thời hạn. Loại mới phải có tên."
        ),
    )
    exclusion_reasons = forms.CharField(
        label="Lý do không xét (ngoài bốn lý do về tham gia)",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=4000,
        help_text=(
            "Mỗi dòng: mã lý do | tên lý do. Ví dụ: security | Không đạt tiêu chuẩn "
            "“An toàn về an ninh trật tự”. Lý do mới phải có tên."
        ),
    )
    deferral_reasons = forms.CharField(
        label="Lý do chưa xét",
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4000,
        help_text="Mỗi dòng: mã lý do | tên lý do. Lý do mới phải có tên.",
    )
    awards = forms.CharField(
        label="Danh hiệu, theo thứ tự phân bổ",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=4000,
        help_text=(
            "Mỗi dòng: mã danh hiệu | tên danh hiệu. Ví dụ: bang_khen | Bằng khen của Chủ "
            "tịch UBND tỉnh. Danh hiệu mới phải có tên."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)

    @classmethod
    def initial_of(cls, guidance: Guidance, regulation: Regulation) -> dict:
        exceed = regulation.exceed_bonus

        def section_line(s) -> str:
            counts = dict(s.framework_criteria)
            count = (
                str(counts["A"])
                if len(set(counts.values())) == 1
                else "; ".join(f"{g}={counts[g]}" for g in GROUPS)
            )
            items = "; ".join(f"{c}={input_figure(p)}" for c, p in s.items.items())
            return " | ".join([s.code, s.title, input_figure(s.points), count, items]).rstrip(" |")

        return {
            "code": guidance.code,
            "name": guidance.name,
            "issuer": guidance.issuer,
            "document_number": guidance.document_number,
            "document_date": guidance.document_date,
            "sections": "\n".join(section_line(s) for s in regulation.sections),
            "added_ratio": regulation.added_ratio,
            "threshold": regulation.threshold,
            "exceed_enabled": exceed is not None,
            "exceed_points_per_percent": exceed.points_per_percent if exceed else None,
            "exceed_criterion_cap_share": exceed.criterion_cap_share if exceed else None,
            "exceed_sections": ", ".join(exceed.sections) if exceed else "",
            "exceed_cap": exceed.cap if exceed else None,
            "bonuses": "\n".join(
                _with_label(f"{k} = {input_figure(v)}", regulation.bonus_labels.get(k))
                for k, v in regulation.bonuses.items()
            ),
            "deductions": "\n".join(
                _with_label(
                    f"{k} = {input_figure(d.points)} | {'có' if d.once_a_year else 'không'} | "
                    f"{'có' if d.head_only else 'không'}",
                    regulation.deduction_labels.get(k),
                )
                for k, d in regulation.deductions.items()
            ),
            "exclusion_reasons": "\n".join(
                _with_label(r, regulation.reason_labels.get(r))
                for r in regulation.exclusion_reasons
            ),
            "deferral_reasons": "\n".join(
                _with_label(r, regulation.reason_labels.get(r)) for r in regulation.deferral_reasons
            ),
            "awards": "\n".join(
                _with_label(a, regulation.award_labels.get(a)) for a in regulation.awards
            ),
        }

    def clean(self) -> dict:
        data = super().clean()
        if self.errors:
            return data
        try:
            block = self._block(data)
        except ValidationError as error:
            self.add_error(None, error)
            return data
        try:
            regulation_from_json(block)
        except RegulationError as refused:
            for message in refused.messages:
                field = next((f for p, f in _FIELD_OF if message.startswith(p)), None)
                self.add_error(field, readable(message))
            return data
        data["block"] = block
        return data

    def _label(self, data: dict, what: str, kind: str, given: str) -> None:
        """A code's label: the one written on its line, else the 2022 one of
        its code; a code with neither is refused on its field."""
        words, noun, kept, known = _NAMED[what]
        if len(kind) > KIND_MAX[what]:
            raise ValidationError({what: f"{words} “{kind}”: mã dài quá {KIND_MAX[what]} ký tự."})
        label = given.strip() or known.get(kind, "")
        if not label:
            raise ValidationError(
                {what: f"{words} “{kind}”: cần ghi tên {noun} sau dấu | (tên người đọc thấy)."}
            )
        if len(label) > LABEL_MAX:
            raise ValidationError(
                {what: f"{words} “{kind}”: tên {noun} dài quá {LABEL_MAX} ký tự."}
            )
        data["labels"][kept][kind] = label

    def _named(self, data: dict, what: str) -> list[str]:
        """The codes of a field of lines “code | label”, their labels kept."""
        codes = []
        for line in _lines(data[what]):
            code, _, label = (p.strip() for p in line.partition("|"))
            codes.append(code)
            if code:
                self._label(data, what, code, label)
        return codes

    def _block(self, data: dict) -> dict:
        sections = [self._section(line, n) for n, line in enumerate(_lines(data["sections"]), 1)]
        block: dict = {
            "code": data["code"],
            "name": data["name"],
            "sections": sections,
            "added_ratio": data["added_ratio"],
            "threshold": data["threshold"],
            "exceed_bonus": None,
            "bonuses": {},
            "deductions": {},
        }
        if data["exceed_enabled"]:
            missing = [
                self.fields[f].label
                for f in ("exceed_points_per_percent", "exceed_criterion_cap_share", "exceed_cap")
                if data[f] is None
            ]
            if missing:
                raise ValidationError(
                    "Điểm thưởng vượt kế hoạch: chưa nhập " + ", ".join(missing).lower() + "."
                )
            block["exceed_bonus"] = {
                "points_per_percent": data["exceed_points_per_percent"],
                "criterion_cap_share": data["exceed_criterion_cap_share"],
                "sections": [c.strip() for c in data["exceed_sections"].split(",") if c.strip()],
                "cap": data["exceed_cap"],
            }
        data["labels"] = {"bonuses": {}, "deductions": {}, "reasons": {}, "awards": {}}
        for line in _lines(data["bonuses"]):
            kind, rest = self._kind_line(line, "Điểm thưởng")
            cap, _, label = (p.strip() for p in rest.partition("|"))
            block["bonuses"][kind] = _figure(cap, f"Điểm thưởng “{kind}”")
            self._label(data, "bonuses", kind, label)
        for line in _lines(data["deductions"]):
            kind, rest = self._kind_line(line, "Điểm trừ")
            parts = [p.strip() for p in rest.split("|")]
            entry: dict = {"points": _figure(parts[0], f"Điểm trừ “{kind}”")}
            flags = [p.lower() in YES for p in parts[1:3]]
            entry["once_a_year"] = bool(flags and flags[0])
            entry["head_only"] = len(flags) > 1 and flags[1]
            block["deductions"][kind] = entry
            self._label(data, "deductions", kind, " | ".join(parts[3:]))
        for what in ("exclusion_reasons", "deferral_reasons", "awards"):
            block[what] = self._named(data, what)
        return block

    @staticmethod
    def _kind_line(line: str, where: str) -> tuple[str, str]:
        if "=" not in line:
            raise ValidationError(f"{where}: dòng “{line}” phải viết dạng mã loại = số.")
        kind, rest = (x.strip() for x in line.split("=", 1))
        return kind, rest

    @staticmethod
    def _section(line: str, n: int) -> dict:
        parts = [p.strip() for p in line.split("|")]
        where = f"Phần ở dòng {n}"
        if len(parts) < 4:
            raise ValidationError(
                f"{where}: cần ít nhất mã | tên | điểm | số tiêu chí của khung, có “{line}”."
            )
        code, title, points, counts = parts[:4]
        section: dict = {
            "code": code,
            "title": title,
            "points": _figure(points, f"{where}, điểm"),
        }
        if "=" in counts:
            pairs = _pairs(counts, f"{where}, số tiêu chí khung")
            section["framework_criteria"] = {
                g: int(v) if v == v.to_integral_value() else v for g, v in pairs.items()
            }
        else:
            count = _figure(counts, f"{where}, số tiêu chí khung")
            section["framework_criteria"] = (
                int(count) if count == count.to_integral_value() else count
            )
        if len(parts) > 4 and parts[4]:
            section["items"] = _pairs(parts[4], f"{where}, điểm các mục")
        return section

    def info(self) -> GuidanceInfo:
        data = self.cleaned_data
        return GuidanceInfo(
            code=data["code"],
            name=data["name"],
            issuer=data["issuer"],
            document_number=data["document_number"],
            document_date=data["document_date"],
        )


def _with_label(line: str, label: str | None) -> str:
    return f"{line} | {label}" if label else line


def _styled(form: forms.Form) -> None:
    for field in form.fields.values():
        checkbox = isinstance(field.widget, forms.CheckboxInput)
        select = isinstance(field.widget, forms.Select)
        css = "form-check-input" if checkbox else "form-select" if select else "form-control"
        field.widget.attrs["class"] = css


class ApplyForm(forms.Form):
    year = forms.ModelChoiceField(
        label="Năm thi đua",
        queryset=EmulationYear.objects.order_by("-year"),
        to_field_name="year",
        empty_label=None,
        error_messages={"invalid_choice": "Năm này không có trong hệ thống."},
    )
    cluster_kind = forms.ChoiceField(
        label="Áp dụng cho",
        choices=[("", "Mọi cụm, khối của năm"), *Cluster.Kind.choices],
        required=False,
        help_text=(
            "Chọn một loại để chỉ loại đó theo hướng dẫn này; các loại khác theo hướng dẫn "
            "chung của năm."
        ),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)


class CriterionForm(forms.Form):
    """A row of a guidance's framework of criteria."""

    section = LimitedCharField(label="Phần", max_length=16)
    group = forms.ChoiceField(
        label="Nhóm",
        choices=[("", "Chung cho mọi nhóm"), *[(g, f"Nhóm {g}") for g in GROUPS]],
        required=False,
    )
    code = LimitedCharField(label="Mã", max_length=limits.CODE)
    parent = LimitedCharField(label="Thuộc tiêu chí (mã)", max_length=limits.CODE, required=False)
    title = LimitedCharField(
        label="Nội dung",
        max_length=limits.CRITERION_TITLE,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    points = VietnameseDecimalField(
        label="Điểm",
        max_digits=7,
        decimal_places=2,
        required=False,
        help_text="Để trống khi khung không quy định điểm.",
    )
    method = forms.ChoiceField(
        label="Cách chấm",
        choices=[("", "Chưa quy định"), *engine_method_choices()],
        required=False,
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)

    @staticmethod
    def initial_of(criterion) -> dict:
        return {
            "section": criterion.section,
            "group": criterion.group,
            "code": criterion.code,
            "parent": criterion.parent.code if criterion.parent_id else "",
            "title": criterion.title,
            "points": criterion.points,
            "method": criterion.method,
        }

    def row(self):
        from scoring.guidance_framework import Row

        d = self.cleaned_data
        return Row(
            d["section"].strip(),
            d["group"],
            d["code"].strip(),
            d["parent"].strip(),
            d["title"].strip(),
            d["points"],
            d["method"],
        )


class FrameworkUploadForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel (.xlsx) của khung tiêu chí",
        error_messages={"required": "Chưa chọn tệp."},
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx"}),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _styled(self)

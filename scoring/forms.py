"""Forms of the scoring screens: field formats only; the rules live in scoring.services."""

from decimal import Decimal

from django import forms

from emulation import limits
from emulation.forms import LimitedCharField, confirmation
from emulation.numbers import VietnameseDecimalField, VietnameseIntegerField, column_limit
from emulation.uploads import ACCEPT, HELP_TEXT, validate_upload
from scoring.models import FIGURES, Criterion, Direction, Method, ScorecardPosition
from scoring.services import BandInput
from scoring.sheets import METHOD_FIGURES

# ---------------------------------------------------------------------------
# Scorecard builder (R17–R19)
#
# Points are read here (emulation.numbers: a decimal comma or point, within
# their column) and judged by the services (more than 0, within the section's
# frame), so the page shows their R17 messages.


def _number_input() -> forms.TextInput:
    """A figure typed as text: a type="number" input lets the browser re-read it."""
    attrs = {"class": "form-control form-control-sm", "inputmode": "decimal"}
    return forms.TextInput(attrs=attrs | {"autocomplete": "off"})


def _points_field(label: str = "Điểm", **kwargs) -> VietnameseDecimalField:
    return VietnameseDecimalField(
        label=label, widget=_number_input(), max_digits=7, decimal_places=2, **kwargs
    )


def _figure_field(label: str) -> VietnameseDecimalField:
    # A band's limit may be below 0 (a fall in a growth rate); its column bounds it.
    return VietnameseDecimalField(
        label=label,
        required=False,
        widget=_number_input(),
        max_digits=20,
        decimal_places=6,
        min_value=-column_limit(20, 6),
    )


def _text(
    label: str, *, max_length: int, required: bool = True, placeholder: str = ""
) -> forms.CharField:
    attrs = {"class": "form-control form-control-sm", "placeholder": placeholder}
    widget = forms.TextInput(attrs=attrs)
    return LimitedCharField(label=label, max_length=max_length, required=required, widget=widget)


def _title_field() -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"})
    return LimitedCharField(label="Nội dung", max_length=limits.CRITERION_TITLE, widget=widget)


def _select(label: str, choices) -> forms.ChoiceField:
    widget = forms.Select(attrs={"class": "form-select form-select-sm"})
    return forms.ChoiceField(label=label, choices=choices, widget=widget)


def _check(label: str) -> forms.BooleanField:
    widget = forms.CheckboxInput(attrs={"class": "form-check-input"})
    return forms.BooleanField(label=label, required=False, initial=True, widget=widget)


class CriterionForm(forms.Form):
    """One row of the scorecard: its points; the title of a row the cluster
    wrote itself; the scoring method and direction of a leaf (R19)."""

    title = _title_field()
    points = _points_field()
    method = _select("Cách chấm", Method.choices)
    direction = _select("Chiều chỉ tiêu", Direction.choices)
    # The row's revision the page was loaded with (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, criterion: Criterion, **kwargs) -> None:
        kwargs.setdefault("prefix", f"c{criterion.pk}")
        kwargs.setdefault(
            "initial",
            {
                "revision": criterion.revision,
                "title": criterion.title,
                "points": criterion.points,
                "method": criterion.method,
                "direction": criterion.direction,
            },
        )
        super().__init__(*args, **kwargs)
        if criterion.framework_criterion_id is not None:
            del self.fields["title"]  # the council's wording stays (R17)
        if not criterion.is_leaf:
            del self.fields["method"], self.fields["direction"]

    def changes(self) -> dict:
        """Keyword arguments for services.criterion_update."""
        return {
            name: self.cleaned_data.get(name) for name in ("title", "points", "method", "direction")
        }


class BandForm(forms.Form):
    min_value = _figure_field("Từ")
    min_inclusive = _check("kể cả")
    max_value = _figure_field("Đến")
    max_inclusive = _check("kể cả")
    points = _points_field()

    def band(self) -> BandInput:
        data = self.cleaned_data
        return BandInput(
            points=data["points"],
            min_value=data["min_value"],
            max_value=data["max_value"],
            min_inclusive=data["min_inclusive"],
            max_inclusive=data["max_inclusive"],
        )


class BaseBandFormSet(forms.BaseFormSet):
    """The bands of a tiered leaf, in order; blank new rows and rows ticked
    for removal are left out."""

    def bands(self) -> list[BandInput]:
        return [
            form.band()
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]


BandFormSet = forms.formset_factory(BandForm, formset=BaseBandFormSet, extra=2, can_delete=True)


def band_formset(criterion: Criterion, data=None) -> BaseBandFormSet:
    initial = [
        {
            "min_value": band.min_value,
            "min_inclusive": band.min_inclusive,
            "max_value": band.max_value,
            "max_inclusive": band.max_inclusive,
            "points": band.points,
        }
        for band in criterion.bands.all()
    ]
    return BandFormSet(data, initial=initial, prefix=f"b{criterion.pk}")


def has_band_data(criterion: Criterion, data) -> bool:
    """Whether a POST carries the row's band editor (shown for tiered leaves only)."""
    return f"b{criterion.pk}-TOTAL_FORMS" in data


class SplitPartForm(forms.Form):
    code = _text("Mã", max_length=limits.CODE)
    title = _text("Nội dung tiêu chí con", max_length=limits.CRITERION_TITLE)
    points = _points_field()

    def __init__(self, *args, suggested_code: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # An initial code leaves an untouched row "unchanged", so it is skipped.
        self.fields["code"].initial = suggested_code


class BaseSplitFormSet(forms.BaseFormSet):
    def __init__(self, *args, criterion: Criterion, **kwargs) -> None:
        self.criterion = criterion
        kwargs.setdefault("prefix", f"s{criterion.pk}")
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index: int) -> dict:
        return {"suggested_code": f"{self.criterion.code}.{index + 1}"}

    def parts(self) -> list[tuple[str, str, Decimal]]:
        """(code, title, points) of the filled rows, for services.criterion_split."""
        return [
            (form.cleaned_data["code"], form.cleaned_data["title"], form.cleaned_data["points"])
            for form in self.forms
            if form.has_changed()
        ]


SPLIT_ROWS = 5
SplitFormSet = forms.formset_factory(SplitPartForm, formset=BaseSplitFormSet, extra=SPLIT_ROWS)


class AddCriterionForm(forms.Form):
    code = _text("Mã", max_length=limits.CODE, placeholder="VD: I.20")
    title = _title_field()
    points = _points_field()
    method = _select("Cách chấm", Method.choices)
    direction = _select("Chiều chỉ tiêu", Direction.choices)
    parent = forms.TypedChoiceField(
        label="Thuộc tiêu chí",
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, section: str, parents=(), **kwargs) -> None:
        kwargs.setdefault("prefix", f"add-{section}")
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [
            ("", "— Tiêu chí mới của phần —"),
            *((c.pk, f"{c.code}. {c.title[:60]}") for c in parents),
        ]


class ReturnForm(forms.Form):
    reason = LimitedCharField(
        label="Lý do trả lại",
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Cụm, khối sẽ thấy lý do này cùng bảng chấm điểm bị trả lại.",
    )


class GuidanceNoteForm(forms.Form):
    """The guiding authority's comment on a submitted scorecard [IV.2]."""

    note = forms.CharField(
        label="Ý kiến của cơ quan hướng dẫn",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Trưởng cụm, khối và Sở Nội vụ thấy ý kiến này cùng bảng chấm điểm.",
    )

    def __init__(self, *args, required: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["note"].required = required


class DiscussionReasonForm(forms.Form):
    """The head's reason: for taking the draft back from the members, or for
    submitting it before every member agreed [II.1]."""

    reason = LimitedCharField(
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, label: str, required: bool, help_text: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].required = required
        self.fields["reason"].help_text = help_text


class PositionForm(forms.Form):
    """A member unit's position on the draft scorecard [II.1]."""

    stance = forms.ChoiceField(
        label="Ý kiến của đơn vị",
        choices=ScorecardPosition.Stance.choices,
        widget=forms.RadioSelect,
    )
    comment = LimitedCharField(
        label="Nội dung góp ý",
        max_length=limits.POSITION_COMMENT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Bắt buộc khi nhất trí có góp ý hoặc không nhất trí; trưởng cụm, khối và "
        "Sở Nội vụ đọc ý kiến này cùng dự thảo.",
    )
    # The revision of the unit's position the page was loaded with; blank: none yet (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


# ---------------------------------------------------------------------------
# Self-scoring and review (R19–R21, R11, R35)
#
# Figures are read by emulation.numbers (a decimal comma or a point) and
# judged by scoring.sheets through engine.validate_score, so a row shows the
# engine's messages.


def _score_field(label: str, *, places: int, digits: int) -> VietnameseDecimalField:
    # Signs and ranges are the engine's (R20, R21), so its messages name the rule.
    return VietnameseDecimalField(
        label=label,
        required=False,
        widget=_number_input(),
        max_digits=digits,
        decimal_places=places,
        min_value=-column_limit(digits, places),
    )


# Each figure's label, decimal places and digits (the Score columns').
SCORE_FIELDS = {
    "plan": ("Kế hoạch", 6, 20),
    "actual": ("Thực hiện", 6, 20),
    "points": ("Điểm", 2, 7),
    "value": ("Giá trị", 6, 20),
}


class ScoreRowForm(forms.Form):
    """One leaf of a unit's sheet: the figures its method takes (R19) and the
    revision the row was loaded with (optimistic versioning)."""

    revision = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, criterion: Criterion, plan_locked: bool = False, **kwargs) -> None:
        kwargs.setdefault("prefix", f"r{criterion.pk}")
        super().__init__(*args, **kwargs)
        used = METHOD_FIGURES.get(criterion.method, ())
        # Only the fields the method takes are made: a save at the deadline peak
        # builds one form, and each field formats its messages (#17).
        for name, (label, places, digits) in SCORE_FIELDS.items():
            if name in used:
                self.fields[name] = _score_field(label, places=places, digits=digits)
        if plan_locked and "plan" in self.fields:
            # R19: the plan comes from the unit's registration.
            self.fields["plan"].disabled = True
            self.fields["plan"].help_text = "Theo bản đăng ký thi đua của đơn vị."

    def figures(self) -> dict:
        """Keyword arguments for sheets.score_save / score_adjust."""
        return {name: self.cleaned_data.get(name) for name in FIGURES if name in self.fields}

    def messages(self) -> list[str]:
        """Every error of the form as one list, field errors named by their label."""
        found = [str(e) for e in self.non_field_errors()]
        for field in self.visible_fields():
            found += [f"{field.label}: {e}" for e in field.errors]
        return found


class ScoreAdjustForm(ScoreRowForm):
    """The head's agreed figures for a unit's leaf, with the required reason."""

    reason = LimitedCharField(
        label="Lý do điều chỉnh",
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="Bắt buộc; đơn vị thấy lý do này cạnh điểm tự chấm.",
    )

    def __init__(self, *args, criterion: Criterion, **kwargs) -> None:
        kwargs.setdefault("prefix", "adj")
        super().__init__(*args, criterion=criterion, **kwargs)
        self.order_fields([*FIGURES, "reason", "revision"])


class ReasonForm(forms.Form):
    """A required reason: returning a sheet, reopening agreed scores."""

    reason = LimitedCharField(
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )

    def __init__(self, *args, label: str, help_text: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = label
        self.fields["reason"].help_text = help_text


class AgreeForm(forms.Form):
    """Agreeing the scores (R11): with sheets not submitted, an explicit
    confirmation and a reason (scoring.sheets.scores_agree keeps it)."""

    confirm_unsubmitted = forms.BooleanField(
        label="Tôi xác nhận thống nhất điểm khi còn phiếu tự chấm chưa nộp", required=False
    )
    reason = forms.CharField(
        label="Lý do thống nhất khi còn phiếu chưa nộp",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        help_text="Được ghi vào lịch sử cùng mã các đơn vị chưa nộp phiếu.",
    )

    confirm = confirmation(
        "Tôi xác nhận thống nhất điểm: điểm và phiếu tự chấm của mọi đơn vị bị khóa, chỉ cơ quan "
        "hướng dẫn mở lại được (kèm lý do); các đơn vị thành viên và cơ quan hướng dẫn được xem "
        "kết quả chấm điểm của cụm, khối."
    )

    def __init__(self, *args, pending: bool, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.pending = pending
        if not pending:
            del self.fields["confirm_unsubmitted"], self.fields["reason"]

    def clean(self) -> dict:
        data = super().clean()
        if self.pending and not data.get("confirm_unsubmitted"):
            raise forms.ValidationError(
                "Còn phiếu tự chấm chưa nộp: cần đánh dấu xác nhận và ghi lý do."
            )
        return data

    @property
    def unsubmitted_reason(self) -> str:
        return self.cleaned_data.get("reason", "") if self.pending else ""


class EvidenceForm(forms.Form):
    file = forms.FileField(
        label="Tệp minh chứng",
        validators=[validate_upload],
        help_text=HELP_TEXT,
        widget=forms.ClearableFileInput(
            attrs={"accept": ACCEPT, "class": "form-control form-control-sm"}
        ),
    )

    def __init__(self, *args, criterion: Criterion, **kwargs) -> None:
        kwargs.setdefault("prefix", f"e{criterion.pk}")
        super().__init__(*args, **kwargs)


# ---------------------------------------------------------------------------
# Bonuses, deductions and flags (R23, R25, R27, R28)
#
# Each form offers only what the user's role gives, as (value, label) choices
# from scoring.adjustments (the services check again); points are judged there
# through the engine (caps, R23).


def _member_choices(members) -> list[tuple[int, str]]:
    return [(m.pk, f"{m.unit.code} – {m.unit.name}") for m in members]


def _member_field() -> forms.TypedChoiceField:
    widget = forms.Select(attrs={"class": "form-select form-select-sm"})
    return forms.TypedChoiceField(label="Đơn vị", coerce=int, widget=widget)


def _reason_field(label: str, *, required: bool = True) -> forms.CharField:
    widget = forms.Textarea(attrs={"rows": 2, "class": "form-control form-control-sm"})
    return LimitedCharField(label=label, max_length=limits.REASON, required=required, widget=widget)


def _evidence_field(*, required: bool) -> forms.FileField:
    return forms.FileField(
        label="Tệp minh chứng",
        required=required,
        validators=[validate_upload],
        help_text=HELP_TEXT,
        widget=forms.ClearableFileInput(
            attrs={"accept": ACCEPT, "class": "form-control form-control-sm"}
        ),
    )


class BonusForm(forms.Form):
    """An R23 bonus entry: the kinds the user gives, points, the reason."""

    member = _member_field()
    kind = _select("Loại điểm thưởng", ())
    points = _score_field("Điểm", places=2, digits=7)
    reason = _reason_field("Lý do")

    def __init__(self, *args, members, kinds, **kwargs) -> None:
        kwargs.setdefault("prefix", "bonus")
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _member_choices(members)
        self.fields["kind"].choices = kinds
        self.fields["points"].required = True


class StaffDeductionForm(forms.Form):
    """A deduction staff give directly (R25), with an optional evidence file."""

    member = _member_field()
    kind = _select("Loại điểm trừ", ())
    count = VietnameseIntegerField(
        label="Số lần (số văn bản)",
        min_value=1,
        max_value=99,
        initial=1,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "inputmode": "numeric"}
        ),
    )
    reason = _reason_field("Lý do")
    evidence = _evidence_field(required=False)

    def __init__(self, *args, members, kinds, **kwargs) -> None:
        kwargs.setdefault("prefix", "deduction")
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _member_choices(members)
        self.fields["kind"].choices = kinds


class FlagForm(forms.Form):
    """Not considered (R27) or not yet considered (R28): a reason of that
    kind's list, a note and the evidence file (required)."""

    member = _member_field()
    kind = _select("Loại", ())
    reason = _select("Lý do", ())
    note = _reason_field("Ghi chú", required=False)
    evidence = _evidence_field(required=True)
    # The revision of the flag the page was loaded with; blank: none yet (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, members, reasons, **kwargs) -> None:
        """`reasons`: kind → (label, [(reason, label), …]), the R27/R28 lists."""
        kwargs.setdefault("prefix", "flag")
        super().__init__(*args, **kwargs)
        self.reasons = reasons
        self.fields["member"].choices = _member_choices(members)
        self.fields["kind"].choices = [(kind, label) for kind, (label, _) in reasons.items()]
        self.fields["reason"].choices = list(reasons.values())

    def clean(self):
        data = super().clean()
        kind, reason = data.get("kind"), data.get("reason")
        allowed = {r for r, _ in self.reasons.get(kind, ("", []))[1]}
        if kind and reason and reason not in allowed:
            self.add_error("reason", "Lý do không phù hợp với loại đã chọn.")
        return data

"""Forms of the award screens: field formats only; the rules live in awards.services."""

from collections.abc import Iterable

from django import forms

from awards.models import CouncilResult, DossierFile
from awards.services import NO_SIGNED_DECISION, QUOTA_MAX, Verdict
from clusters.forms import DateField
from clusters.models import Membership
from emulation import limits
from emulation.forms import confirmation
from emulation.numbers import VietnameseIntegerField
from scoring.regulation import DEFAULT, Regulation

WHOLE_NUMBER = {
    "invalid": "Nhập một số nguyên.",
    "min_value": "Nhập số nguyên không âm.",
    "max_value": "Số lượng quá lớn.",
    "required": "Chưa nhập.",
}


def _count(label: str, *, max_value: int | None = None) -> VietnameseIntegerField:
    widget = forms.TextInput(attrs={"class": "form-control", "inputmode": "numeric"})
    return VietnameseIntegerField(
        label=label, min_value=0, max_value=max_value, widget=widget, error_messages=WHOLE_NUMBER
    )


class QuotaForm(forms.Form):
    """The count of each award of the year's guidance (R31, R40), named by its
    label, and the document that allots them."""

    document = forms.CharField(
        label="Văn bản phân bổ chỉ tiêu",
        max_length=255,
        help_text="Số, ngày và cơ quan ban hành văn bản phân bổ; được ghi vào lịch sử.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "Cần ghi văn bản phân bổ chỉ tiêu."},
    )

    def __init__(self, *args, regulation: Regulation = DEFAULT, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.awards = regulation.awards
        counts = {a: _count(regulation.award_label(a), max_value=QUOTA_MAX) for a in self.awards}
        # The revision of each stored quota the page was loaded with (#11.8).
        revisions = {
            f"{a}_revision": forms.IntegerField(required=False, widget=forms.HiddenInput)
            for a in self.awards
        }
        self.fields = {**counts, **self.fields, **revisions}

    def counts(self) -> dict[str, int]:
        return {award: self.cleaned_data[award] for award in self.awards}

    def revisions(self) -> dict[str, int | None]:
        return {award: self.cleaned_data[f"{award}_revision"] for award in self.awards}


class VoteForm(forms.Form):
    """The ballot of the annual conference: how many members voted and the votes
    of every tied unit (R33); a correction of a recorded ballot gives its reason."""

    voters = _count("Số thành viên bỏ phiếu")

    def __init__(
        self, *args, members: Iterable[Membership], corrects: bool = False, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.members = list(members)
        for member in self.members:
            field = _count(f"{member.unit.code} – {member.unit.name}")
            self.fields[f"u{member.pk}"] = field
            # The revision of the unit's recorded votes the page was loaded with (#11.8).
            revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
            self.fields[f"u{member.pk}_revision"] = revision
        if corrects:
            self.fields["reason"] = forms.CharField(
                label="Lý do sửa kết quả bỏ phiếu",
                required=False,
                max_length=500,
                help_text="Bắt buộc khi sửa kết quả đã ghi; được ghi vào lịch sử.",
                widget=forms.TextInput(attrs={"class": "form-control"}),
            )

    def votes(self) -> dict[int, int]:
        return {m.pk: self.cleaned_data[f"u{m.pk}"] for m in self.members}

    def revisions(self) -> dict[int, int | None]:
        return {m.pk: self.cleaned_data[f"u{m.pk}_revision"] for m in self.members}


PDF_HELP = "Bản scan đã ký, đóng dấu: tệp PDF, tối đa 20 MB."


def _pdf(label: str, *, missing: str = "Chưa chọn tệp.") -> forms.FileField:
    return forms.FileField(
        label=label,
        help_text=PDF_HELP,
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf", "class": "form-control"}),
        error_messages={"required": missing},
    )


def _revision() -> forms.IntegerField:
    return forms.IntegerField(required=False, widget=forms.HiddenInput)


class DecisionForm(forms.Form):
    """The Chairman's decision on the proposal (R34)."""

    number = forms.CharField(
        label="Số quyết định",
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "123/QĐ-UBND"}),
    )
    date = DateField(label="Ngày quyết định")
    signer = forms.CharField(
        label="Người ký",
        max_length=255,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    file = _pdf("Bản quyết định đã ký", missing=NO_SIGNED_DECISION)
    confirm = confirmation(
        "Tôi xác nhận ghi nhận quyết định: hồ sơ chuyển sang “đã có quyết định”, danh sách khen "
        "thưởng bị khóa, sau đó chỉ sửa được ngày quyết định (kèm lý do); Sở Nội vụ công bố kết "
        "quả tới các đơn vị của cụm, khối."
    )


class _RevisionedChoice(forms.ChoiceField):
    """Options "<id>.<revision>": a stale revision of a listed id is still the
    same choice, so that the service can refuse it with the current value."""

    def valid_value(self, value) -> bool:
        pk, _, revision = str(value).partition(".")
        return revision.isdigit() and any(str(k).partition(".")[0] == pk for k, _ in self.choices)


class DecisionCorrectionForm(forms.Form):
    """A recorded decision's date entered wrongly: the right date and why (R35)."""

    # Each option carries its decision's revision (#11.8), so the one chosen is the one checked.
    decision = _RevisionedChoice(
        label="Quyết định", widget=forms.Select(attrs={"class": "form-select"})
    )
    date = DateField(label="Ngày quyết định đúng")
    reason = forms.CharField(
        label="Lý do sửa",
        max_length=limits.REASON,
        required=False,  # the service refuses a blank reason with its own message
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

    def __init__(self, *args, decisions, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["decision"].choices = [
            (f"{d.pk}.{d.revision}", f"Số {d.number} ngày {d.date:%d/%m/%Y}") for d in decisions
        ]
        if decisions:
            latest = decisions[-1]
            self.fields["decision"].initial = f"{latest.pk}.{latest.revision}"

    def chosen(self) -> tuple[int, int]:
        """(decision id, revision the page was loaded with)."""
        pk, revision = self.cleaned_data["decision"].split(".")
        return int(pk), int(revision)


OUTCOME_CHOICES = [("", "— chọn —"), *CouncilResult.Outcome.choices]


def award_choices(regulation: Regulation) -> list[tuple[str, str]]:
    """The year's awards (R40) a council's result may change to."""
    return [("", "—"), *((a, regulation.award_label(a)) for a in regulation.awards)]


def _verdict_fields(form: forms.Form, prefix: str, label: str, regulation: Regulation) -> None:
    form.fields[f"{prefix}outcome"] = forms.ChoiceField(
        label=label,
        choices=OUTCOME_CHOICES,
        required=False,  # the service names the unit whose result is missing
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    form.fields[f"{prefix}award"] = forms.ChoiceField(
        label="Đổi thành",
        choices=award_choices(regulation),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    form.fields[f"{prefix}reason"] = forms.CharField(
        label="Lý do (khi không nhất trí như đề nghị)",
        required=False,
        max_length=limits.REASON,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


def _verdict(data: dict, prefix: str) -> Verdict:
    return Verdict(data[f"{prefix}outcome"], data[f"{prefix}award"], data[f"{prefix}reason"])


class CouncilMeetingForm(forms.Form):
    """The council's meeting on a proposal: date, members present and a result
    for every proposed unit (R34)."""

    held_on = DateField(label="Ngày họp Hội đồng")
    members_present = forms.CharField(
        label="Thành viên Hội đồng có mặt",
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
        error_messages={"required": "Cần ghi thành viên Hội đồng có mặt."},
    )

    def __init__(
        self,
        *args,
        items: Iterable,
        corrects: bool = False,
        regulation: Regulation = DEFAULT,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.items = list(items)
        for item in self.items:
            unit = item.membership.unit
            label = f"{unit.code} – {unit.name}"
            _verdict_fields(self, f"u{item.membership_id}_", label, regulation)
        if corrects:
            # The revisions of the meeting and of each result the page was loaded with (#11.8).
            self.fields["revision"] = _revision()
            for item in self.items:
                self.fields[f"u{item.membership_id}_revision"] = _revision()
            self.fields["why"] = forms.CharField(
                label="Lý do sửa",
                max_length=limits.REASON,
                required=False,  # the service refuses a blank reason with its own message
                help_text="Ví dụ: ghi nhầm ngày họp. Được ghi vào lịch sử.",
                widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
            )

    def result_revisions(self) -> dict[int, int | None]:
        return {
            item.membership_id: self.cleaned_data[f"u{item.membership_id}_revision"]
            for item in self.items
        }

    def rows(self) -> list[tuple]:
        """(item, outcome, award, reason) bound fields, one row per unit."""
        return [
            (item, *(self[f"u{item.membership_id}_{n}"] for n in ("outcome", "award", "reason")))
            for item in self.items
        ]

    def verdicts(self) -> dict[int, Verdict]:
        return {
            item.membership_id: _verdict(self.cleaned_data, f"u{item.membership_id}_")
            for item in self.items
            if self.cleaned_data[f"u{item.membership_id}_outcome"]
        }


class CouncilResultForm(forms.Form):
    """A change of the council's result on one unit, with why (R35)."""

    revision = _revision()
    why = forms.CharField(
        label="Lý do sửa",
        max_length=limits.REASON,
        required=False,  # the service refuses a blank reason with its own message
        help_text="Ví dụ: lý do chưa xét đã được giải quyết. Được ghi vào lịch sử.",
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

    def __init__(self, *args, label: str, regulation: Regulation = DEFAULT, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _verdict_fields(self, "", label, regulation)

    def verdict(self) -> Verdict:
        return _verdict(self.cleaned_data, "")


class DossierUploadForm(forms.Form):
    """One signed and sealed scan of the dossier (R34)."""

    kind = forms.ChoiceField(choices=DossierFile.Kind.choices, widget=forms.HiddenInput)
    revision = _revision()
    file = _pdf("Tệp")

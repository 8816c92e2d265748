"""Forms of the award screens: field formats only; the rules live in awards.services."""

from collections.abc import Iterable

from django import forms

from awards.allocation import AWARD_LABELS, AWARDS
from awards.services import QUOTA_MAX
from clusters.forms import DateField
from clusters.models import Membership
from emulation import limits
from emulation.forms import confirmation
from emulation.numbers import VietnameseIntegerField

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
    """The three award counts of a cluster's year and the document that allots them (R31)."""

    co_thi_dua = _count(AWARD_LABELS["co_thi_dua"], max_value=QUOTA_MAX)
    bang_khen = _count(AWARD_LABELS["bang_khen"], max_value=QUOTA_MAX)
    tap_the_ldxs = _count(AWARD_LABELS["tap_the_ldxs"], max_value=QUOTA_MAX)
    document = forms.CharField(
        label="Văn bản phân bổ chỉ tiêu",
        max_length=255,
        help_text="Số, ngày và cơ quan ban hành văn bản phân bổ; được ghi vào lịch sử.",
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "Cần ghi văn bản phân bổ chỉ tiêu."},
    )

    # The revision of each stored quota the page was loaded with (#11.8).
    co_thi_dua_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    bang_khen_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)
    tap_the_ldxs_revision = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def counts(self) -> dict[str, int]:
        return {award: self.cleaned_data[award] for award in AWARDS}

    def revisions(self) -> dict[str, int | None]:
        return {award: self.cleaned_data[f"{award}_revision"] for award in AWARDS}


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
    confirm = confirmation(
        "Tôi xác nhận ghi nhận quyết định: hồ sơ chuyển sang “đã có quyết định”, danh sách khen "
        "thưởng bị khóa, sau đó chỉ sửa được ngày quyết định (kèm lý do); Sở Nội vụ công bố kết "
        "quả tới các đơn vị của cụm, khối."
    )


class DecisionCorrectionForm(forms.Form):
    """A recorded decision's date entered wrongly: the right date and why (R35)."""

    date = DateField(label="Ngày quyết định đúng")
    reason = forms.CharField(
        label="Lý do sửa",
        max_length=limits.REASON,
        required=False,  # the service refuses a blank reason with its own message
        widget=forms.Textarea(attrs={"class": "form-control", "rows": 2}),
    )

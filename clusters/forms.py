"""Forms of the year's activities: field formats only; the rules live in services."""

from django import forms

from clusters.models import (
    AdhocRequest,
    Attendance,
    Cluster,
    Conference,
    ConferenceGuest,
    Deadline,
    EmulationYear,
    ExemplaryModel,
    HeadDocument,
    Membership,
    PriorRole,
    Report,
    Succession,
    Unit,
)
from clusters.participation import FACT_LABELS
from clusters.services import TargetInput
from emulation import limits
from emulation.forms import LimitedCharField
from emulation.numbers import VietnameseDecimalField, VietnameseIntegerField
from emulation.uploads import ACCEPT, HELP_TEXT, validate_upload

DATE_FORMAT = "%d/%m/%Y"


class DateField(forms.DateField):
    """A date the Vietnamese way, dd/mm/yyyy (never the US month-first reading)."""

    widget = forms.DateInput(format=DATE_FORMAT, attrs={"placeholder": "dd/mm/yyyy"})

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("input_formats", [DATE_FORMAT, "%Y-%m-%d"])
        kwargs.setdefault("help_text", "Ngày theo dạng dd/mm/yyyy.")
        super().__init__(**kwargs)


class UploadField(forms.FileField):
    """A document checked by its bytes (emulation.uploads)."""

    widget = forms.ClearableFileInput(attrs={"accept": ACCEPT})
    default_validators = [validate_upload]

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("help_text", HELP_TEXT)
        super().__init__(**kwargs)


def _member_choices(members: list[Membership]) -> list[tuple[int, str]]:
    return [(m.pk, f"{m.unit.code} – {m.unit.name}") for m in members]


# --- Registration (Phụ lục 01) ----------------------------------------------


class RegistrationForm(forms.Form):
    objectives = LimitedCharField(
        label="I. Mục tiêu",
        max_length=limits.OBJECTIVES,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Nhằm thực hiện thắng lợi các mục tiêu, chỉ tiêu, nhiệm vụ công tác…",
    )
    other_targets = LimitedCharField(
        label="II.2. Chỉ tiêu khác (nếu có)",
        max_length=limits.OTHER_TARGETS,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # The registration's revision the page was loaded with; blank: none yet (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class BehalfForm(forms.Form):
    """Why the head or Sở Nội vụ enter a unit's record for it (#14)."""

    behalf_reason = LimitedCharField(
        label="Lý do nhập thay đơn vị",
        max_length=limits.REASON,
        help_text="Ví dụ: đơn vị không gửi được trực tuyến, đã gửi bản giấy có chữ ký, đóng dấu.",
        error_messages={"required": "Cần ghi lý do nhập thay đơn vị."},
    )


class TargetForm(forms.Form):
    title = LimitedCharField(
        label="Chỉ tiêu", max_length=limits.TARGET_TITLE, widget=forms.Textarea(attrs={"rows": 2})
    )
    measure = forms.CharField(label="Đơn vị tính", max_length=64, required=False)
    planned_value = VietnameseDecimalField(
        label="Kế hoạch", max_digits=20, decimal_places=6, required=False
    )
    criterion = forms.TypedChoiceField(
        label="Tiêu chí chấm điểm", coerce=int, empty_value=None, required=False
    )

    def __init__(self, *args, criterion_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criterion"].choices = [("", "— Không gắn —"), *criterion_choices]

    def target(self) -> TargetInput:
        data = self.cleaned_data
        return TargetInput(
            title=data["title"],
            measure=data["measure"],
            planned_value=data["planned_value"],
            criterion_id=data["criterion"],
        )


class BaseTargetFormSet(forms.BaseFormSet):
    default_error_messages = {
        "too_many_forms": "Mỗi đơn vị đăng ký tối đa %(num)d chỉ tiêu chủ yếu.",
    }

    def targets(self) -> list[TargetInput]:
        """The kept targets in order: every existing one, and the new rows filled in."""
        return [
            form.target()
            for index, form in enumerate(self.forms)
            if (index < self.initial_form_count() or form.has_changed())
            and not self._should_delete_form(form)
        ]


TargetFormSet = forms.formset_factory(
    TargetForm,
    formset=BaseTargetFormSet,
    extra=3,
    can_delete=True,
    max_num=limits.REGISTRATION_TARGETS,
    validate_max=True,
)


class CriterionLinkForm(forms.Form):
    """After submission: only each target's link to a criterion (R19)."""

    def __init__(self, *args, targets=(), criterion_choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for target in targets:
            self.fields[f"target_{target.pk}"] = forms.TypedChoiceField(
                label=target.title,
                choices=[("", "— Không gắn —"), *criterion_choices],
                coerce=int,
                empty_value=None,
                required=False,
                initial=target.criterion_id,
            )

    def links(self) -> dict[int, int | None]:
        return {int(name.split("_")[1]): value for name, value in self.cleaned_data.items()}


# --- Pledge -----------------------------------------------------------------


class PledgeForm(forms.Form):
    text = LimitedCharField(
        label="Nội dung giao ước",
        max_length=limits.PLEDGE_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    file = UploadField(label="Tệp giao ước", required=False)
    # The draft's revision the page was loaded with; blank: none yet (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class PaperSignatureForm(forms.Form):
    members = forms.TypedMultipleChoiceField(
        label="Đơn vị đã ký trên giấy", coerce=int, widget=forms.CheckboxSelectMultiple
    )
    signed_on = DateField(label="Ngày ký")

    def __init__(self, *args, members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["members"].choices = _member_choices(list(members))


class SignatureCorrectionForm(forms.Form):
    """A signature recorded wrongly: a new date, or its removal, and why (R35)."""

    REDATE, WITHDRAW = "redate", "withdraw"
    action = forms.ChoiceField(
        label="Sửa",
        choices=[(REDATE, "Sửa ngày ký"), (WITHDRAW, "Hủy chữ ký (ghi nhầm đơn vị)")],
        widget=forms.RadioSelect,
        initial=REDATE,
    )
    signed_on = DateField(label="Ngày ký đúng", required=False)
    reason = forms.CharField(
        label="Lý do sửa",
        max_length=1000,
        error_messages={"required": "Cần ghi lý do sửa chữ ký giao ước."},
    )

    def clean(self):
        data = super().clean()
        if data.get("action") == self.REDATE and not data.get("signed_on"):
            self.add_error("signed_on", "Cần ghi ngày ký đúng.")
        return data


# --- Documents and reports ----------------------------------------------------


class HeadDocumentForm(forms.Form):
    kind = forms.ChoiceField(label="Loại văn bản", choices=HeadDocument.Kind.choices)
    number = forms.CharField(label="Số, ký hiệu", max_length=64, required=False)
    issued_on = DateField(label="Ngày ban hành")
    file = UploadField(label="Tệp văn bản")


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="Loại báo cáo", choices=Report.Kind.choices)
    number = forms.CharField(label="Số, ký hiệu", max_length=64, required=False)
    reported_on = DateField(label="Ngày báo cáo")
    file = UploadField(label="Tệp báo cáo")


# --- Conferences --------------------------------------------------------------


class ConferenceForm(forms.Form):
    title = forms.CharField(
        label="Tên hoạt động",
        max_length=255,
        required=False,
        help_text="Để trống với hội nghị sơ kết, tổng kết, họp trù bị.",
    )
    held_on = DateField(label="Ngày tổ chức")
    place = forms.CharField(label="Địa điểm", max_length=255)
    agenda = LimitedCharField(
        label="Nội dung, chương trình",
        max_length=limits.AGENDA,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    minutes = UploadField(label="Biên bản", required=False)
    # The conference's revision the page was loaded with; blank on creation (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    @classmethod
    def for_conference(cls, conference: Conference, *args, **kwargs) -> "ConferenceForm":
        initial = {
            "revision": conference.revision,
            "title": conference.title,
            "held_on": conference.held_on,
            "place": conference.place,
            "agenda": conference.agenda,
        }
        return cls(*args, initial=initial, **kwargs)


class AttendanceForm(forms.Form):
    """One status (and note) per member unit of the conference's cluster (R12)."""

    # The conference's attendance revision the page was loaded with (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)

    def __init__(self, *args, members=(), recorded=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        recorded = recorded or {}
        self.members = list(members)
        for member in self.members:
            before = recorded.get(member.pk)
            self.fields[f"status_{member.pk}"] = forms.ChoiceField(
                label=f"{member.unit.code} – {member.unit.name}",
                choices=Attendance.Status.choices,
                initial=before.status if before else Attendance.Status.PRESENT,
                widget=forms.RadioSelect,
            )
            # Each row's note is named for its unit: the column's heading
            # alone does not label an input (WCAG 1.3.1, 4.1.2).
            self.fields[f"note_{member.pk}"] = forms.CharField(
                label="Ghi chú",
                max_length=255,
                required=False,
                initial=before.note if before else "",
                widget=forms.TextInput(
                    attrs={
                        "aria-label": f"Ghi chú: {member.unit.code} – {member.unit.name}",
                        "class": "form-control form-control-sm",
                    }
                ),
            )

    def rows(self):
        for member in self.members:
            yield member, self[f"status_{member.pk}"], self[f"note_{member.pk}"]

    def statuses(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[f"status_{m.pk}"] for m in self.members}

    def notes(self) -> dict[int, str]:
        return {m.pk: self.cleaned_data[f"note_{m.pk}"] for m in self.members}


# --- Deductions -----------------------------------------------------------------


class DeductionProposalForm(forms.Form):
    member = forms.TypedChoiceField(label="Đơn vị", coerce=int)
    count = VietnameseIntegerField(
        label="Số nội dung vi phạm", min_value=1, max_value=50, initial=1
    )
    reason = LimitedCharField(
        label="Lý do", max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].choices = _member_choices(list(members))


class DeductionRejectForm(forms.Form):
    reason = forms.CharField(label="Lý do không chấp nhận", max_length=200, required=False)


# --- Election ---------------------------------------------------------------------


class ElectionForm(forms.Form):
    head = forms.TypedChoiceField(label="Trưởng cụm, khối năm sau", coerce=int)
    deputy = forms.TypedChoiceField(
        label="Phó trưởng cụm, khối năm sau", coerce=int, empty_value=None, required=False
    )
    elected_on = DateField(label="Ngày bầu (hội nghị tổng kết)")
    reason = LimitedCharField(
        label="Lý do bầu lại trưởng cụm, khối năm nay (nếu có)",
        help_text="Trưởng cụm, khối được bầu luân phiên; bầu lại đơn vị đang là trưởng "
        "cụm, khối cần ghi lý do.",
        max_length=limits.REASON,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, members=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = [(m.unit.pk, f"{m.unit.code} – {m.unit.name}") for m in members]
        self.fields["head"].choices = choices
        self.fields["deputy"].choices = [("", "— Không có —"), *choices]


class AssignmentForm(forms.Form):
    decision_number = forms.CharField(label="Số quyết định của Chủ tịch UBND tỉnh", max_length=64)
    decision_date = DateField(label="Ngày quyết định")


class AssignmentCorrectionForm(forms.Form):
    """The assignment's date entered wrongly: the right date and why (R35)."""

    decision_date = DateField(label="Ngày quyết định đúng")
    # Blank is refused by the service, with its own message.
    reason = LimitedCharField(label="Lý do sửa", max_length=limits.REASON, required=False)


class RevisedChoiceField(forms.ModelChoiceField):
    """A row chosen from a list, each option carrying the revision the row was
    shown with ("id:revision"): whichever row is chosen, its own revision goes
    with it (#11.8). Cleans to (row, revision); a bare id gives revision None,
    which the service refuses like any missing revision."""

    def prepare_value(self, value):
        if isinstance(value, self.queryset.model):
            return f"{value.pk}:{value.revision}"
        return super().prepare_value(value)

    def to_python(self, value):
        pk, colon, revision = ("" if value is None else str(value)).partition(":")
        row = super().to_python(pk)
        if row is None:
            return None
        if colon and not revision.isdigit():
            message = self.error_messages["invalid_choice"]
            raise forms.ValidationError(message, code="invalid_choice")
        return row, int(revision) if colon else None


class DeadlineForm(forms.Form):
    """A new date for one of the year's deadlines, and why (R35)."""

    deadline = RevisedChoiceField(label="Việc", queryset=Deadline.objects.none())
    due_date = DateField(label="Hạn mới")
    reason = LimitedCharField(
        label="Lý do thay đổi", max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, year: EmulationYear, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["deadline"]
        field.queryset = Deadline.objects.filter(year=year).order_by("calendar", "due_date")
        field.label_from_instance = lambda d: (
            f"{d.get_calendar_display()} – {d.get_kind_display()} (hạn {d.due_date:%d/%m/%Y})"
        )
        # "?sua=<id>" preselects a deadline: its option is "id:revision".
        chosen = str(self.initial.get("deadline") or "")
        if chosen.isdigit():
            self.initial["deadline"] = field.queryset.filter(pk=chosen).first()

    def clean(self) -> dict:
        data = super().clean()
        if data.get("deadline"):
            data["deadline"], data["revision"] = data["deadline"]
        return data


# --- Extensions (#14) --------------------------------------------------------------

WHOLE_CLUSTER = ""


class ExtensionForm(forms.Form):
    """A later date of one deadline for one unit or the whole cluster, and why."""

    deadline = forms.ModelChoiceField(label="Hạn được gia hạn", queryset=Deadline.objects.none())
    unit = forms.ChoiceField(label="Cho", required=False)
    due_date = DateField(label="Hạn mới")
    reason = LimitedCharField(
        label="Lý do gia hạn", max_length=limits.REASON, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, year: EmulationYear, calendar: str, members, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["deadline"]
        field.queryset = Deadline.objects.filter(year=year, calendar=calendar).order_by("due_date")
        field.label_from_instance = lambda d: f"{d.get_kind_display()} (hạn {d.due_date:%d/%m/%Y})"
        self.members = {m.unit.code: m for m in members}
        self.fields["unit"].choices = [(WHOLE_CLUSTER, "Cả cụm, khối")] + [
            (code, f"{code} – {m.unit.name}") for code, m in self.members.items()
        ]

    def clean(self) -> dict:
        data = super().clean()
        data["membership"] = self.members.get(data.pop("unit", WHOLE_CLUSTER) or None)
        return data


class ExtensionRevokeForm(forms.Form):
    reason = LimitedCharField(label="Lý do thu hồi", max_length=limits.REASON)


# --- Delegation to the deputy (#14) -------------------------------------------------


class DelegationForm(forms.Form):
    starts_on = DateField(label="Từ ngày")
    ends_on = DateField(label="Đến ngày")
    purpose = LimitedCharField(
        label="Nội dung ủy quyền",
        max_length=limits.REASON,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Việc phó trưởng cụm, khối thay mặt trưởng cụm, khối điều hành.",
    )


class DelegationEndForm(forms.Form):
    reason = LimitedCharField(label="Lý do kết thúc", max_length=limits.REASON)


# --- Participation (R27) ----------------------------------------------------------

PARTICIPATION_VALUES = {"yes": True, "no": False, "none": None}


class ParticipationForm(forms.Form):
    """A fact entered by hand on a unit's participation record, with its reason."""

    fact = forms.ChoiceField(label="Nội dung", choices=list(FACT_LABELS.items()))
    value = forms.TypedChoiceField(
        label="Ghi nhận",
        choices=[
            ("yes", "Đã thực hiện"),
            ("no", "Không thực hiện"),
            ("none", "Chưa ghi nhận (bỏ ghi nhận)"),
        ],
        coerce=PARTICIPATION_VALUES.__getitem__,
        empty_value=None,
    )
    reason = forms.CharField(
        label="Lý do",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Ví dụ: đơn vị ký giao ước trên giấy tại hội nghị ngày 20/03.",
    )
    # The record's revision the page was loaded with; blank: none yet (#11.8).
    revision = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)


class SuccessionForm(forms.Form):
    """The unit whose record this is succeeds another unit (#16)."""

    predecessor = LimitedCharField(
        label="Mã đơn vị trước đây", max_length=limits.CODE, help_text="Mã của đơn vị cũ."
    )
    kind = forms.ChoiceField(label="Hình thức", choices=Succession.Kind.choices)
    effective_on = DateField(label="Có hiệu lực từ ngày")
    decision_number = LimitedCharField(label="Số quyết định, nghị quyết", max_length=64)
    decision_date = DateField(label="Ngày ban hành")
    decision_body = LimitedCharField(label="Cơ quan ban hành", max_length=255)

    def clean_predecessor(self) -> Unit:
        code = self.cleaned_data["predecessor"].strip()
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(f"Không có đơn vị mã {code}.")
        return unit


class PriorRoleForm(forms.Form):
    """A head or deputy of a year before the cluster's first year in the system (#14)."""

    year = forms.IntegerField(label="Năm", min_value=PriorRole.EARLIEST_YEAR, max_value=9999)
    role = forms.ChoiceField(label="Vai trò", choices=PriorRole.Role.choices)
    unit = LimitedCharField(label="Mã đơn vị", max_length=limits.CODE)
    source = LimitedCharField(
        label="Căn cứ",
        max_length=255,
        help_text="Số, ngày quyết định hoặc biên bản ghi nhận vai trò của năm đó.",
    )

    def clean_unit(self) -> Unit:
        code = self.cleaned_data["unit"].strip()
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise forms.ValidationError(f"Không có đơn vị mã {code}.")
        return unit


class PriorRoleCorrectForm(PriorRoleForm):
    reason = LimitedCharField(label="Lý do sửa", max_length=limits.REASON)


class PriorRoleRemoveForm(forms.Form):
    reason = LimitedCharField(label="Lý do xóa", max_length=limits.REASON)


# --- The year's records (#14) -------------------------------------------------


class ExemplarForm(forms.Form):
    kind = forms.ChoiceField(label="Loại", choices=ExemplaryModel.Kind.choices)
    name = forms.CharField(label="Tên tập thể, cá nhân", max_length=255)
    description = LimitedCharField(
        label="Mô tả ngắn",
        max_length=limits.EXEMPLARY_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Thành tích, cách làm mới, hiệu quả để nhân rộng.",
    )
    file = UploadField(label="Tệp kèm theo", required=False)


class PresentedForm(forms.Form):
    """The 1–2 exemplary models presented at the annual conference [I.3.2.b]."""

    exemplars = forms.MultipleChoiceField(
        label="Điển hình báo cáo tại hội nghị",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, choices=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["exemplars"].choices = list(choices)


class GuestForm(forms.Form):
    role = forms.ChoiceField(label="Thành phần", choices=ConferenceGuest.Role.choices)
    name = forms.CharField(label="Họ tên, chức vụ", max_length=255)
    present = forms.TypedChoiceField(
        label="Tham dự",
        choices=[("1", "Có mặt"), ("0", "Vắng mặt")],
        coerce=lambda v: v == "1",
        initial="1",
    )


class AdoptionForm(forms.Form):
    votes = VietnameseIntegerField(label="Số đơn vị tán thành", min_value=0, max_value=1000)
    voters = VietnameseIntegerField(label="Số đơn vị biểu quyết", min_value=1, max_value=1000)


class ClusterReportForm(ReportForm):
    pass


class AdhocRequestForm(forms.Form):
    subject = forms.CharField(label="Nội dung báo cáo", max_length=255)
    details = LimitedCharField(
        label="Yêu cầu cụ thể",
        max_length=limits.ADHOC_REQUEST,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    audience = forms.ChoiceField(label="Gửi đến", choices=AdhocRequest.Audience.choices)
    due_on = DateField(label="Hạn gửi")


class AdhocAnswerForm(forms.Form):
    text = LimitedCharField(
        label="Nội dung báo cáo",
        max_length=limits.ADHOC_ANSWER,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    file = UploadField(label="Tệp báo cáo", required=False)


class EvaluationForm(forms.Form):
    text = LimitedCharField(
        label="Đánh giá hoạt động của cụm, khối trong năm",
        max_length=limits.EVALUATION,
        widget=forms.Textarea(attrs={"rows": 8}),
    )


# --- The organisation, kept by Sở Nội vụ (#14) ------------------------------


class UnitChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, unit) -> str:
        return f"{unit.code} – {unit.name}"


class UnitMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, unit) -> str:
        return f"{unit.code} – {unit.name}"


NOT_FREE = (
    "Đơn vị đã chọn không nhận được: đơn vị đã thuộc cụm, khối khác trong năm hoặc đã "
    "ngừng hoạt động (mỗi đơn vị chỉ thuộc một cụm, khối trong một năm)."
)


class MembershipsForm(forms.Form):
    """A cluster's members of a year: who stays, who joins, head and deputy (R2)."""

    keep = UnitMultipleChoiceField(
        label="Thành viên",
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Bỏ chọn đơn vị rời cụm, khối.",
    )
    add = UnitMultipleChoiceField(
        label="Đơn vị gia nhập",
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
        help_text="Chỉ các đơn vị đang hoạt động, chưa thuộc cụm, khối nào trong năm.",
        error_messages={"invalid_choice": NOT_FREE, "invalid_pk_value": NOT_FREE},
    )
    head = UnitChoiceField(
        label="Trưởng cụm, khối",
        queryset=None,
        error_messages={"required": "Cần chọn trưởng cụm, khối.", "invalid_choice": NOT_FREE},
    )
    deputy = UnitChoiceField(
        label="Phó trưởng cụm, khối",
        queryset=None,
        required=False,
        error_messages={"invalid_choice": NOT_FREE},
    )

    def __init__(self, *args, listed, free, head=None, deputy=None, **kwargs) -> None:
        """`listed`: the units proposed (kept by default); `free`: those that may join."""
        kwargs.setdefault(
            "initial",
            {
                "keep": [u.pk for u in listed],
                "head": head.pk if head else None,
                "deputy": deputy.pk if deputy else None,
            },
        )
        super().__init__(*args, **kwargs)
        listed_ids = [u.pk for u in listed]
        self.fields["keep"].queryset = Unit.objects.filter(pk__in=listed_ids)
        self.fields["add"].queryset = free.exclude(pk__in=listed_ids)
        either = Unit.objects.filter(pk__in=listed_ids) | free
        self.fields["head"].queryset = either.distinct()
        self.fields["deputy"].queryset = either.distinct()

    def units(self) -> list:
        data = self.cleaned_data
        return [*data["keep"], *data["add"]]


class UnitForm(forms.ModelForm):
    class Meta:
        model = Unit
        fields = ["code", "name", "kind"]
        error_messages = {
            "code": {"unique": "Đã có đơn vị mã này.", "required": "Cần ghi mã đơn vị."},
            "name": {"required": "Cần ghi tên đơn vị."},
        }


class ClusterForm(forms.ModelForm):
    class Meta:
        model = Cluster
        fields = ["code", "name", "kind", "group", "calendar", "authority"]
        error_messages = {
            "code": {"unique": "Đã có cụm, khối mã này.", "required": "Cần ghi mã cụm, khối."},
            "name": {"required": "Cần ghi tên cụm, khối."},
        }


class ActiveForm(forms.Form):
    """Deactivating or reactivating a unit or an account, with a reason."""

    reason = LimitedCharField(
        label="Lý do",
        max_length=limits.REASON,
        error_messages={"required": "Cần ghi lý do."},
    )


class LetterheadForm(forms.Form):
    """What a unit's official documents print (Nghị định 30/2020, Phụ lục I)."""

    superior_name = LimitedCharField(
        label="Tên cơ quan, tổ chức chủ quản trực tiếp (nếu có)",
        max_length=limits.ISSUER_NAME,
        required=False,
        help_text="In phía trên tên cơ quan ban hành, ví dụ: UBND TỈNH BẮC GIANG.",
    )
    issuer_name = LimitedCharField(
        label="Tên cơ quan ban hành văn bản",
        max_length=limits.ISSUER_NAME,
        required=False,
        help_text="Tên chính thức, không viết tắt, ví dụ: Ủy ban nhân dân huyện Hiệp Hòa. "
        "Để trống thì văn bản in tên đơn vị.",
    )
    place_name = LimitedCharField(
        label="Địa danh ghi trên văn bản",
        max_length=limits.PLACE_NAME,
        required=False,
        help_text="Nơi đơn vị đóng trụ sở, in trước ngày tháng: “Hiệp Hòa, ngày … tháng … "
        "năm …”. Để trống thì văn bản in tên tỉnh.",
    )
    signer_title = LimitedCharField(
        label="Quyền hạn, chức vụ của người ký",
        max_length=limits.SIGNER_TITLE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Mỗi dòng một dòng in, ví dụ: “KT. CHỦ TỊCH” rồi “PHÓ CHỦ TỊCH”. "
        "Để trống thì văn bản in “THỦ TRƯỞNG ĐƠN VỊ”.",
    )
    signer_name = LimitedCharField(
        label="Họ và tên người ký", max_length=limits.PERSON_NAME, required=False
    )

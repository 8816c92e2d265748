"""The organisation in the browser (#14): Sở Nội vụ keeps units, clusters
and blocks, memberships and the units' accounts; other authorities' staff
read their own. The Django admin stays for administrators. Starting a
cluster's next year copies its scorecard too: scoring.views.year."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from clusters import services
from clusters.access import (
    PROVINCE_ONLY,
    acts_for_province,
    get_cluster_for_province,
    get_clusters_for_staff,
    get_units_for_staff,
    get_year,
)
from clusters.forms import ActiveForm, ClusterForm, MembershipsForm, UnitForm
from clusters.models import Authority, Cluster, EmulationYear, Membership, Unit
from clusters.views import FAILED
from emulation import accounts
from emulation.forms import LimitedCharField, attempt
from emulation.models import User

PAGE_SIZE = 50


def _ensure_keeper(user) -> None:
    if not acts_for_province(user):
        raise PermissionDenied(PROVINCE_ONLY)


def _free_units(year: int):
    """Active units that are no cluster's member in `year` (R2)."""
    taken = Membership.objects.filter(year__year=year).values("unit_id")
    return Unit.objects.filter(is_active=True).exclude(pk__in=taken)


def memberships_form(request: HttpRequest, cluster: Cluster, year: int) -> MembershipsForm:
    """The cluster's units of `year`, its head and deputy, as Sở Nội vụ sets
    them (here, and when starting the year: scoring.views.year)."""
    listed, head, deputy = services.memberships_proposed(cluster, year)
    return MembershipsForm(
        request.POST if request.method == "POST" else None,
        listed=listed,
        free=_free_units(year),
        head=head,
        deputy=deputy,
    )


def _query(request: HttpRequest) -> str:
    """The list's filters, for its page links."""
    query = request.GET.copy()
    query.pop("trang", None)
    return query.urlencode()


# ---------------------------------------------------------------------------
# A cluster's memberships (its next year is started with its scorecard:
# scoring.views.year)


@login_required
def memberships_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """Sở Nội vụ adds or removes a cluster's units of a year and sets its head and deputy."""
    seat = get_cluster_for_province(request.user, code, get_year(year))
    form = memberships_form(request, seat.cluster, year)
    if (
        form.is_valid()
        and attempt(
            form,
            lambda: services.memberships_set(
                cluster=seat.cluster,
                year=seat.year,
                units=form.units(),
                head=form.cleaned_data["head"],
                deputy=form.cleaned_data["deputy"],
                user=request.user,
                reason=f"Sở Nội vụ sửa danh sách thành viên năm {year}",
            ),
        )
        is not FAILED
    ):
        messages.success(request, f"Đã lưu thành viên năm {year} của {seat.cluster.name}.")
        return redirect("cluster_detail", code, year)
    context = {"seat": seat, "form": form, "next_year": year, "starting": False}
    return render(request, "clusters/memberships_edit.html", context)


# ---------------------------------------------------------------------------
# Units


class UnitFilter(forms.Form):
    kind = forms.ChoiceField(
        label="Loại", required=False, choices=[("", "Mọi loại"), *Unit.Kind.choices]
    )
    authority = forms.ModelChoiceField(
        label="Cơ quan hướng dẫn",
        required=False,
        queryset=Authority.objects.all(),
        empty_label="Mọi cơ quan",
    )
    active = forms.ChoiceField(
        label="Trạng thái",
        required=False,
        choices=[("", "Tất cả"), ("1", "Đang hoạt động"), ("0", "Ngừng hoạt động")],
    )


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    units = get_units_for_staff(request.user)
    filters = UnitFilter(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["kind"]:
            units = units.filter(kind=data["kind"])
        if data["authority"]:
            guided = Membership.objects.filter(cluster__authority=data["authority"])
            units = units.filter(pk__in=guided.values("unit_id"))
        if data["active"]:
            units = units.filter(is_active=data["active"] == "1")
    page = Paginator(units.order_by("code"), PAGE_SIZE).get_page(request.GET.get("trang"))
    context = {
        "page": page,
        "filters": filters,
        "keeper": acts_for_province(request.user),
        "query": _query(request),
    }
    return render(request, "clusters/unit_list.html", context)


@login_required
def unit_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    _ensure_keeper(request.user)
    unit = get_object_or_404(Unit, code=code) if code else Unit()
    form = UnitForm(request.POST or None, instance=unit)
    if (
        form.is_valid()
        and attempt(form, lambda: services.unit_save(unit=form.instance, user=request.user))
        is not FAILED
    ):
        messages.success(request, f"Đã lưu đơn vị {form.instance.code}.")
        return redirect("units")
    context = {"form": form, "unit": unit, "active_form": ActiveForm() if unit.pk else None}
    return render(request, "clusters/unit_edit.html", context)


@login_required
@require_POST
def unit_active(request: HttpRequest, code: str) -> HttpResponse:
    _ensure_keeper(request.user)
    unit = get_object_or_404(Unit, code=code)
    form = ActiveForm(request.POST)
    if (
        form.is_valid()
        and attempt(
            form,
            lambda: services.unit_set_active(
                unit=unit,
                active=not unit.is_active,
                reason=form.cleaned_data["reason"],
                user=request.user,
            ),
        )
        is not FAILED
    ):
        state = "đang hoạt động" if unit.is_active else "ngừng hoạt động"
        messages.success(request, f"Đơn vị {unit.code} {state}.")
        return redirect("units")
    context = {"form": UnitForm(instance=unit), "unit": unit, "active_form": form}
    return render(request, "clusters/unit_edit.html", context, status=400)


# ---------------------------------------------------------------------------
# Clusters and blocks


@login_required
def cluster_list(request: HttpRequest) -> HttpResponse:
    found = (
        get_clusters_for_staff(request.user)
        .select_related("authority")
        .annotate(years=Count("memberships__year", distinct=True))
        .order_by("kind", "code")
    )
    keeper = acts_for_province(request.user)
    # A cluster just created has no year yet: its members are set from here.
    current = EmulationYear.objects.current() if keeper else None
    context = {"clusters": found, "keeper": keeper, "current": current}
    return render(request, "clusters/cluster_list.html", context)


@login_required
def cluster_edit(request: HttpRequest, code: str | None = None) -> HttpResponse:
    _ensure_keeper(request.user)
    cluster = get_object_or_404(Cluster, code=code) if code else Cluster()
    form = ClusterForm(request.POST or None, instance=cluster)
    if (
        form.is_valid()
        and attempt(form, lambda: services.cluster_save(cluster=form.instance, user=request.user))
        is not FAILED
    ):
        messages.success(request, f"Đã lưu {form.instance.name}.")
        return redirect("cluster_list")
    return render(request, "clusters/cluster_edit.html", {"form": form, "cluster": cluster})


# ---------------------------------------------------------------------------
# Accounts of the units' officers


class AccountForm(forms.Form):
    unit = forms.ModelChoiceField(
        label="Đơn vị",
        queryset=Unit.objects.filter(is_active=True),
        error_messages={"required": "Cần chọn đơn vị."},
    )
    username = forms.RegexField(
        label="Tên đăng nhập",
        max_length=150,
        regex=r"^[\w.@+-]+$",
        error_messages={
            "invalid": "Tên đăng nhập chỉ gồm chữ, số và các dấu . @ + - _.",
            "required": "Cần ghi tên đăng nhập.",
        },
    )
    last_name = LimitedCharField(label="Họ và tên đệm", max_length=150)
    first_name = LimitedCharField(label="Tên", max_length=150)
    email = forms.EmailField(
        label="Địa chỉ thư điện tử",
        help_text="Hệ thống gửi tới địa chỉ này đường dẫn để người dùng tự đặt mật khẩu.",
        error_messages={"invalid": "Địa chỉ thư điện tử không hợp lệ."},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["unit"].label_from_instance = lambda u: f"{u.code} – {u.name}"
        for name in ("last_name", "first_name"):
            self.fields[name].error_messages["required"] = "Cần ghi họ tên người dùng."


class AccountFilter(forms.Form):
    q = forms.CharField(label="Tìm", required=False, max_length=100)
    active = forms.ChoiceField(
        label="Trạng thái",
        required=False,
        choices=[("", "Tất cả"), ("1", "Đang dùng"), ("0", "Đã ngừng")],
    )


@login_required
def account_list(request: HttpRequest) -> HttpResponse:
    _ensure_keeper(request.user)
    found = User.objects.filter(unit__isnull=False).select_related("unit")
    filters = AccountFilter(request.GET or None)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            found = found.filter(
                Q(username__icontains=q)
                | Q(email__icontains=q)
                | Q(unit__code__icontains=q)
                | Q(unit__name__icontains=q)
            )
        if data["active"]:
            found = found.filter(is_active=data["active"] == "1")
    page = Paginator(found.order_by("unit__code", "username"), PAGE_SIZE).get_page(
        request.GET.get("trang")
    )
    context = {
        "page": page,
        "filters": filters,
        "active_form": ActiveForm(),
        "query": _query(request),
    }
    return render(request, "clusters/account_list.html", context)


@login_required
def account_create(request: HttpRequest) -> HttpResponse:
    _ensure_keeper(request.user)
    form = AccountForm(request.POST or None)
    if (
        form.is_valid()
        and attempt(form, lambda: accounts.account_create(user=request.user, **form.cleaned_data))
        is not FAILED
    ):
        data = form.cleaned_data
        messages.success(
            request,
            f"Đã tạo tài khoản {data['username']} và gửi đường dẫn đặt mật khẩu tới "
            f"{data['email']}.",
        )
        return redirect("accounts")
    return render(request, "clusters/account_edit.html", {"form": form})


def _unit_account(pk: int) -> User:
    return get_object_or_404(User.objects.select_related("unit"), pk=pk, unit__isnull=False)


@login_required
@require_POST
def account_active(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_keeper(request.user)
    account = _unit_account(pk)
    form = ActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, f"Chưa đổi trạng thái {account.username}: cần ghi lý do.")
        return redirect("accounts")
    try:
        accounts.account_set_active(
            account=account,
            active=not account.is_active,
            reason=form.cleaned_data["reason"],
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        state = "mở lại" if account.is_active else "ngừng"
        messages.success(request, f"Đã {state} tài khoản {account.username}.")
    return redirect("accounts")


@login_required
@require_POST
def account_send_link(request: HttpRequest, pk: int) -> HttpResponse:
    _ensure_keeper(request.user)
    account = _unit_account(pk)
    try:
        accounts.account_send_link(account=account, user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Đã gửi lại đường dẫn đặt mật khẩu tới {account.email}.")
    return redirect("accounts")

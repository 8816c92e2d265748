"""Spreadsheet import/export of units and memberships (django-import-export)."""

from io import BytesIO

from django.core.exceptions import ValidationError
from django.db import models, transaction
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.widgets import ForeignKeyWidget, Widget

from clusters.models import Cluster, EmulationYear, Membership, Unit
from emulation.workbooks import (
    XlsxLimits,
    formula_safe,
    formula_safe_workbook,
    xlsx_check,
)

# A province's units or a year's memberships: a few thousand rows of a few
# columns. A file past this is refused before it is parsed (#12).
ADMIN_XLSX_LIMITS = XlsxLimits(
    rows=20_000, cells=200_000, part_bytes=16 * 1024 * 1024, total_bytes=32 * 1024 * 1024
)


class SafeCSV(base_formats.CSV):
    """CSV whose exported text never starts a formula (emulation.workbooks)."""

    def export_data(self, dataset, **kwargs):
        for index, row in enumerate(dataset):
            dataset[index] = [formula_safe(value) for value in row]
        return super().export_data(dataset, **kwargs)


class SafeXLSX(base_formats.XLSX):
    """xlsx checked against ADMIN_XLSX_LIMITS before it is parsed, and exported
    with formula-like text written as text."""

    def create_dataset(self, in_stream):
        xlsx_check(in_stream, ADMIN_XLSX_LIMITS)
        return super().create_dataset(in_stream)

    def export_data(self, dataset, **kwargs):
        from openpyxl import Workbook

        workbook = Workbook()
        sheet = workbook.active
        sheet.append(list(dataset.headers or []))
        for row in dataset:
            sheet.append(list(row))
        buffer = BytesIO()
        formula_safe_workbook(workbook).save(buffer)
        return buffer.getvalue()


# The admin's only formats: the two a user opens in Excel, both guarded.
FORMATS = [SafeCSV, SafeXLSX]


class ChoiceLabelWidget(Widget):
    """A choice written as its Vietnamese label ("Xã, phường, thị trấn"); read
    back from the label or from the stored code, whichever the file has."""

    def __init__(self, choices: type[models.TextChoices]) -> None:
        super().__init__()
        self.choices = choices

    def clean(self, value, row=None, **kwargs):
        text = "" if value is None else str(value).strip()
        by_label = {str(label).casefold(): code for code, label in self.choices.choices}
        return by_label.get(text.casefold(), text)

    def render(self, value, obj=None, **kwargs):
        return self.choices(value).label if value in self.choices.values else value


class AllOrNothingResource(resources.ModelResource):
    """A file with any bad row saves nothing, not just the good rows."""

    def import_data(self, dataset, dry_run=False, **kwargs):
        with transaction.atomic():
            result = super().import_data(dataset, dry_run=dry_run, **kwargs)
            if result.has_errors() or result.has_validation_errors():
                transaction.set_rollback(True)
        return result

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        # A row's errors are shown under their column's heading in the file
        # ("Loại"), not the model field's name ("kind").
        try:
            super().validate_instance(instance, import_validation_errors, validate_unique)
        except ValidationError as error:
            headings = {name: field.column_name for name, field in self.fields.items()}
            raise ValidationError(
                {
                    headings.get(name, name): messages
                    for name, messages in error.message_dict.items()
                }
            ) from None


class UnitResource(AllOrNothingResource):
    code = fields.Field(attribute="code", column_name="Mã")
    name = fields.Field(attribute="name", column_name="Tên")
    kind = fields.Field(attribute="kind", column_name="Loại", widget=ChoiceLabelWidget(Unit.Kind))

    class Meta:
        model = Unit
        fields = ("code", "name", "kind")
        import_id_fields = ("code",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False


class MembershipResource(AllOrNothingResource):
    cluster = fields.Field(
        attribute="cluster", column_name="Cụm, khối", widget=ForeignKeyWidget(Cluster, "code")
    )
    year = fields.Field(
        attribute="year", column_name="Năm", widget=ForeignKeyWidget(EmulationYear, "year")
    )
    unit = fields.Field(
        attribute="unit", column_name="Đơn vị", widget=ForeignKeyWidget(Unit, "code")
    )
    role = fields.Field(
        attribute="role", column_name="Vai trò", widget=ChoiceLabelWidget(Membership.Role)
    )

    class Meta:
        model = Membership
        fields = ("cluster", "year", "unit", "role")
        import_id_fields = ("year", "unit")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

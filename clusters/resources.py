"""Spreadsheet import/export of units and memberships (django-import-export)."""

from io import BytesIO

from django.db import transaction
from import_export import fields, resources
from import_export.formats import base_formats
from import_export.widgets import ForeignKeyWidget

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


class AllOrNothingResource(resources.ModelResource):
    """A file with any bad row saves nothing, not just the good rows."""

    def import_data(self, dataset, dry_run=False, **kwargs):
        with transaction.atomic():
            result = super().import_data(dataset, dry_run=dry_run, **kwargs)
            if result.has_errors() or result.has_validation_errors():
                transaction.set_rollback(True)
        return result


class UnitResource(AllOrNothingResource):
    code = fields.Field(attribute="code", column_name="Mã")
    name = fields.Field(attribute="name", column_name="Tên")
    kind = fields.Field(attribute="kind", column_name="Loại")

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
    role = fields.Field(attribute="role", column_name="Vai trò")

    class Meta:
        model = Membership
        fields = ("cluster", "year", "unit", "role")
        import_id_fields = ("year", "unit")
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = False

"""Spreadsheet import/export of units and memberships (django-import-export)."""

from django.db import transaction
from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from clusters.models import Cluster, EmulationYear, Membership, Unit


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

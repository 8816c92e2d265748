"""Deduction and Participation (with their histories) move from scoring down
to the organisation (#16), and the foreign keys to a deduction follow them.

Nothing moves in the database: the models keep the tables scoring made
(`scoring_deduction`, `scoring_participation`, `scoring_historical...`), so
this migration changes the migration state only. scoring's
0022_deductions_participation_to_clusters deletes its own state of them after
this one.
"""

import django.core.validators
import django.db.models.deletion
import django.db.models.functions.text
import django.db.models.lookups
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clusters", "0021_cluster_prior_roles"),
        ("scoring", "0021_guidance_labels"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Deduction",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    (
                                        "head_duty",
                                        "Trưởng cụm/khối chậm ban hành văn bản hoặc thực hiện không nghiêm túc trách nhiệm",
                                    ),
                                    (
                                        "member_duty",
                                        "Thành viên thực hiện không nghiêm túc quy chế, nhiệm vụ của cụm/khối",
                                    ),
                                    (
                                        "award_structure",
                                        "Tỷ lệ, cơ cấu khen thưởng không đảm bảo theo hướng dẫn",
                                    ),
                                    (
                                        "reminder_letter",
                                        "Văn bản nhắc nhở về công tác thi đua, khen thưởng",
                                    ),
                                    (
                                        "criticism_letter",
                                        "Văn bản phê bình về công tác thi đua, khen thưởng",
                                    ),
                                ],
                                max_length=20,
                                verbose_name="loại",
                            ),
                        ),
                        (
                            "count",
                            models.PositiveSmallIntegerField(
                                default=1,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="số lần",
                            ),
                        ),
                        ("reason", models.TextField(max_length=1000, verbose_name="lý do")),
                        (
                            "evidence",
                            models.FileField(
                                blank=True, upload_to="deductions/", verbose_name="minh chứng"
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("proposed", "Đề nghị"),
                                    ("confirmed", "Đã xác nhận"),
                                    ("rejected", "Không chấp nhận"),
                                ],
                                default="confirmed",
                                max_length=10,
                                verbose_name="trạng thái",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="ngày tạo"),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "membership",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="deductions",
                                to="clusters.membership",
                                verbose_name="đơn vị",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "điểm trừ",
                        "verbose_name_plural": "điểm trừ",
                        "db_table": "scoring_deduction",
                    },
                ),
                migrations.AlterField(
                    model_name="attendance",
                    name="deduction",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="clusters.deduction",
                        verbose_name="điểm trừ đề nghị",
                    ),
                ),
                migrations.AlterField(
                    model_name="headdocument",
                    name="late_deduction",
                    field=models.OneToOneField(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="clusters.deduction",
                        verbose_name="điểm trừ đề nghị do ban hành chậm",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalattendance",
                    name="deduction",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="clusters.deduction",
                        verbose_name="điểm trừ đề nghị",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalheaddocument",
                    name="late_deduction",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="clusters.deduction",
                        verbose_name="điểm trừ đề nghị do ban hành chậm",
                    ),
                ),
                migrations.CreateModel(
                    name="HistoricalDeduction",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    (
                                        "head_duty",
                                        "Trưởng cụm/khối chậm ban hành văn bản hoặc thực hiện không nghiêm túc trách nhiệm",
                                    ),
                                    (
                                        "member_duty",
                                        "Thành viên thực hiện không nghiêm túc quy chế, nhiệm vụ của cụm/khối",
                                    ),
                                    (
                                        "award_structure",
                                        "Tỷ lệ, cơ cấu khen thưởng không đảm bảo theo hướng dẫn",
                                    ),
                                    (
                                        "reminder_letter",
                                        "Văn bản nhắc nhở về công tác thi đua, khen thưởng",
                                    ),
                                    (
                                        "criticism_letter",
                                        "Văn bản phê bình về công tác thi đua, khen thưởng",
                                    ),
                                ],
                                max_length=20,
                                verbose_name="loại",
                            ),
                        ),
                        (
                            "count",
                            models.PositiveSmallIntegerField(
                                default=1,
                                validators=[django.core.validators.MinValueValidator(1)],
                                verbose_name="số lần",
                            ),
                        ),
                        ("reason", models.TextField(max_length=1000, verbose_name="lý do")),
                        (
                            "evidence",
                            models.TextField(blank=True, max_length=100, verbose_name="minh chứng"),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("proposed", "Đề nghị"),
                                    ("confirmed", "Đã xác nhận"),
                                    ("rejected", "Không chấp nhận"),
                                ],
                                default="confirmed",
                                max_length=10,
                                verbose_name="trạng thái",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="ngày tạo"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "membership",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="clusters.membership",
                                verbose_name="đơn vị",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical điểm trừ",
                        "verbose_name_plural": "historical điểm trừ",
                        "db_table": "scoring_historicaldeduction",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalParticipation",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
                        ),
                        (
                            "registered",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã đăng ký thi đua"
                            ),
                        ),
                        (
                            "registered_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: đăng ký",
                            ),
                        ),
                        (
                            "pledge_signed",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã ký giao ước"
                            ),
                        ),
                        (
                            "pledge_signed_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: giao ước",
                            ),
                        ),
                        (
                            "mid_year_report",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã gửi báo cáo sơ kết"
                            ),
                        ),
                        (
                            "mid_year_report_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: báo cáo sơ kết",
                            ),
                        ),
                        (
                            "annual_report",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã gửi báo cáo tổng kết"
                            ),
                        ),
                        (
                            "annual_report_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: báo cáo tổng kết",
                            ),
                        ),
                        (
                            "confirmed_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="trưởng cụm xác nhận lúc"
                            ),
                        ),
                        ("history_id", models.AutoField(primary_key=True, serialize=False)),
                        ("history_date", models.DateTimeField(db_index=True)),
                        ("history_change_reason", models.TextField(null=True)),
                        (
                            "history_type",
                            models.CharField(
                                choices=[("+", "Created"), ("~", "Changed"), ("-", "Deleted")],
                                max_length=1,
                            ),
                        ),
                        (
                            "confirmed_by",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="người xác nhận",
                            ),
                        ),
                        (
                            "history_user",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "membership",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="clusters.membership",
                                verbose_name="đơn vị",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical tham gia hoạt động",
                        "verbose_name_plural": "historical tham gia hoạt động",
                        "db_table": "scoring_historicalparticipation",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="Participation",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
                        ),
                        (
                            "registered",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã đăng ký thi đua"
                            ),
                        ),
                        (
                            "registered_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: đăng ký",
                            ),
                        ),
                        (
                            "pledge_signed",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã ký giao ước"
                            ),
                        ),
                        (
                            "pledge_signed_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: giao ước",
                            ),
                        ),
                        (
                            "mid_year_report",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã gửi báo cáo sơ kết"
                            ),
                        ),
                        (
                            "mid_year_report_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: báo cáo sơ kết",
                            ),
                        ),
                        (
                            "annual_report",
                            models.BooleanField(
                                default=None, null=True, verbose_name="đã gửi báo cáo tổng kết"
                            ),
                        ),
                        (
                            "annual_report_source",
                            models.CharField(
                                blank=True,
                                choices=[
                                    ("online", "Trực tuyến"),
                                    ("import", "Nhập từ tệp dữ liệu"),
                                    ("manual", "Ghi nhận thủ công"),
                                ],
                                max_length=10,
                                verbose_name="nguồn: báo cáo tổng kết",
                            ),
                        ),
                        (
                            "confirmed_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="trưởng cụm xác nhận lúc"
                            ),
                        ),
                        (
                            "confirmed_by",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                                verbose_name="người xác nhận",
                            ),
                        ),
                        (
                            "membership",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="participation",
                                to="clusters.membership",
                                verbose_name="đơn vị",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "tham gia hoạt động",
                        "verbose_name_plural": "tham gia hoạt động",
                        "db_table": "scoring_participation",
                    },
                ),
                migrations.AddConstraint(
                    model_name="deduction",
                    constraint=models.CheckConstraint(
                        condition=django.db.models.lookups.LessThanOrEqual(
                            django.db.models.functions.text.Length("reason"), 1000
                        ),
                        name="scoring_deduction_reason_max_length",
                        violation_error_message="Nội dung dài quá 1000 ký tự.",
                    ),
                ),
                migrations.AddConstraint(
                    model_name="deduction",
                    constraint=models.CheckConstraint(
                        condition=models.Q(("count__gte", 1)), name="deduction_count_positive"
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]

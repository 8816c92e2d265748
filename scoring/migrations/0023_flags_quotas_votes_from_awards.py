"""Flag, Quota and Vote (with their histories) move from awards down to scoring
(#16): the results rank and allocate with them, the adjustments set the flags
and the dataset carries all three, so scoring no longer imports awards' models.

Nothing moves in the database: the models keep the tables awards made
(`awards_flag`, `awards_quota`, `awards_vote`, `awards_historical...`), so this
migration changes the migration state only. awards'
0012_flags_quotas_votes_to_scoring deletes its own state of them after this one.
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
        ("scoring", "0022_deductions_participation_to_clusters"),
        ("clusters", "0022_deductions_participation_from_scoring"),
        ("awards", "0011_decisions_council_and_dossier"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="HistoricalFlag",
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
                                choices=[("exclude", "Không xét"), ("defer", "Chưa xét")],
                                max_length=8,
                                verbose_name="loại",
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    (
                                        "leader_rating",
                                        "Người đứng đầu đơn vị xếp loại ở mức hoàn thành nhiệm vụ trở xuống",
                                    ),
                                    (
                                        "security",
                                        "Không đạt tiêu chuẩn “An toàn về an ninh trật tự”",
                                    ),
                                    ("culture", "Không đạt chuẩn văn hóa"),
                                    (
                                        "violation",
                                        "Để xảy ra vụ việc tiêu cực, tham nhũng, sai phạm nghiêm trọng",
                                    ),
                                    (
                                        "state_obligation",
                                        "Đơn vị hoặc người đứng đầu chưa hoàn thành nghĩa vụ đối với Nhà nước",
                                    ),
                                    (
                                        "under_review",
                                        "Đang bị xem xét kỷ luật, điều tra, thanh tra, kiểm tra hoặc xác minh",
                                    ),
                                ],
                                max_length=20,
                                verbose_name="lý do",
                            ),
                        ),
                        (
                            "note",
                            models.TextField(blank=True, max_length=1000, verbose_name="ghi chú"),
                        ),
                        (
                            "evidence",
                            models.TextField(blank=True, max_length=100, verbose_name="minh chứng"),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                blank=True, editable=False, verbose_name="ngày tạo"
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
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
                        "verbose_name": "historical không xét / chưa xét",
                        "verbose_name_plural": "historical không xét / chưa xét",
                        "db_table": "awards_historicalflag",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalQuota",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "award",
                            models.CharField(
                                choices=[
                                    ("co_thi_dua", "Cờ thi đua của UBND tỉnh"),
                                    ("bang_khen", "Bằng khen của Chủ tịch UBND tỉnh"),
                                    ("tap_the_ldxs", "Tập thể Lao động xuất sắc"),
                                ],
                                max_length=16,
                                verbose_name="danh hiệu",
                            ),
                        ),
                        (
                            "count",
                            models.PositiveSmallIntegerField(default=0, verbose_name="số lượng"),
                        ),
                        (
                            "document",
                            models.CharField(
                                blank=True, max_length=255, verbose_name="văn bản phân bổ"
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
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
                            "cluster",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="clusters.cluster",
                                verbose_name="cụm, khối",
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
                            "year",
                            models.ForeignKey(
                                blank=True,
                                db_constraint=False,
                                null=True,
                                on_delete=django.db.models.deletion.DO_NOTHING,
                                related_name="+",
                                to="clusters.emulationyear",
                                verbose_name="năm",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "historical chỉ tiêu khen thưởng",
                        "verbose_name_plural": "historical chỉ tiêu khen thưởng",
                        "db_table": "awards_historicalquota",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="HistoricalVote",
                    fields=[
                        (
                            "id",
                            models.BigIntegerField(
                                auto_created=True, blank=True, db_index=True, verbose_name="ID"
                            ),
                        ),
                        (
                            "votes",
                            models.PositiveIntegerField(
                                validators=[django.core.validators.MinValueValidator(0)],
                                verbose_name="số phiếu",
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
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
                        "verbose_name": "historical phiếu bầu",
                        "verbose_name_plural": "historical phiếu bầu",
                        "db_table": "awards_historicalvote",
                        "ordering": ("-history_date", "-history_id"),
                        "get_latest_by": ("history_date", "history_id"),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name="Vote",
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
                            "votes",
                            models.PositiveIntegerField(
                                validators=[django.core.validators.MinValueValidator(0)],
                                verbose_name="số phiếu",
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
                        ),
                        (
                            "membership",
                            models.OneToOneField(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="vote",
                                to="clusters.membership",
                                verbose_name="đơn vị",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "phiếu bầu",
                        "verbose_name_plural": "phiếu bầu",
                        "db_table": "awards_vote",
                    },
                ),
                migrations.CreateModel(
                    name="Flag",
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
                                choices=[("exclude", "Không xét"), ("defer", "Chưa xét")],
                                max_length=8,
                                verbose_name="loại",
                            ),
                        ),
                        (
                            "reason",
                            models.CharField(
                                choices=[
                                    (
                                        "leader_rating",
                                        "Người đứng đầu đơn vị xếp loại ở mức hoàn thành nhiệm vụ trở xuống",
                                    ),
                                    (
                                        "security",
                                        "Không đạt tiêu chuẩn “An toàn về an ninh trật tự”",
                                    ),
                                    ("culture", "Không đạt chuẩn văn hóa"),
                                    (
                                        "violation",
                                        "Để xảy ra vụ việc tiêu cực, tham nhũng, sai phạm nghiêm trọng",
                                    ),
                                    (
                                        "state_obligation",
                                        "Đơn vị hoặc người đứng đầu chưa hoàn thành nghĩa vụ đối với Nhà nước",
                                    ),
                                    (
                                        "under_review",
                                        "Đang bị xem xét kỷ luật, điều tra, thanh tra, kiểm tra hoặc xác minh",
                                    ),
                                ],
                                max_length=20,
                                verbose_name="lý do",
                            ),
                        ),
                        (
                            "note",
                            models.TextField(blank=True, max_length=1000, verbose_name="ghi chú"),
                        ),
                        (
                            "evidence",
                            models.FileField(
                                blank=True, upload_to="flags/", verbose_name="minh chứng"
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(auto_now_add=True, verbose_name="ngày tạo"),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
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
                                related_name="flags",
                                to="clusters.membership",
                                verbose_name="đơn vị",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "không xét / chưa xét",
                        "verbose_name_plural": "không xét / chưa xét",
                        "db_table": "awards_flag",
                        "constraints": [
                            models.CheckConstraint(
                                condition=django.db.models.lookups.LessThanOrEqual(
                                    django.db.models.functions.text.Length("note"), 1000
                                ),
                                name="awards_flag_note_max_length",
                                violation_error_message="Nội dung dài quá 1000 ký tự.",
                            ),
                            models.CheckConstraint(
                                condition=models.Q(("kind__in", ["exclude", "defer"])),
                                name="flag_kind_known",
                                violation_error_message="Loại phải là không xét hoặc chưa xét.",
                            ),
                            models.UniqueConstraint(
                                fields=("membership", "kind", "reason"), name="flag_unique"
                            ),
                        ],
                    },
                ),
                migrations.CreateModel(
                    name="Quota",
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
                            "award",
                            models.CharField(
                                choices=[
                                    ("co_thi_dua", "Cờ thi đua của UBND tỉnh"),
                                    ("bang_khen", "Bằng khen của Chủ tịch UBND tỉnh"),
                                    ("tap_the_ldxs", "Tập thể Lao động xuất sắc"),
                                ],
                                max_length=16,
                                verbose_name="danh hiệu",
                            ),
                        ),
                        (
                            "count",
                            models.PositiveSmallIntegerField(default=0, verbose_name="số lượng"),
                        ),
                        (
                            "document",
                            models.CharField(
                                blank=True, max_length=255, verbose_name="văn bản phân bổ"
                            ),
                        ),
                        (
                            "revision",
                            models.PositiveIntegerField(default=1, verbose_name="phiên bản"),
                        ),
                        (
                            "cluster",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="quotas",
                                to="clusters.cluster",
                                verbose_name="cụm, khối",
                            ),
                        ),
                        (
                            "year",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="quotas",
                                to="clusters.emulationyear",
                                verbose_name="năm",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "chỉ tiêu khen thưởng",
                        "verbose_name_plural": "chỉ tiêu khen thưởng",
                        "db_table": "awards_quota",
                        "ordering": ["cluster", "year", "award"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("cluster", "year", "award"), name="quota_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]

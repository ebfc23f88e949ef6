# Milestones' cities and organisations become participations with roles, as programmes' are.

import django.db.models.deletion
import programmes.models
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("programmes", "0003_search_indexes")]

    operations = [
        migrations.AlterModelOptions(
            name="participation",
            options={
                "ordering": ["programme", "role", "pk"],
                "verbose_name_plural": "participations",
            },
        ),
        migrations.AlterField(
            model_name="participation",
            name="city",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="%(class)ss",
                to="programmes.city",
            ),
        ),
        migrations.AlterField(
            model_name="participation",
            name="partner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="%(class)ss",
                to="programmes.partner",
            ),
        ),
        migrations.AlterField(
            model_name="participation",
            name="role",
            field=models.CharField(
                choices=[
                    ("proposer", "proposer"),
                    ("funder", "funder"),
                    ("implementer", "implementer"),
                    ("host", "host"),
                    ("beneficiary", "beneficiary"),
                    ("recommender", "recommender"),
                    ("partner", "partner"),
                    ("issuer", "issuer"),
                    ("approver", "approver"),
                    ("supporter", "supporter"),
                    ("participant", "participant"),
                    ("venue", "venue"),
                    ("model", "model to learn from"),
                    ("recipient", "recipient"),
                    ("selector", "selecting body"),
                    ("selected", "selected"),
                    ("inspector", "inspector"),
                    ("conferrer", "conferring body"),
                    ("founder", "founder"),
                    ("visitor", "visitor"),
                    ("attendee", "attendee"),
                    ("subject", "subject"),
                ],
                max_length=20,
            ),
        ),
        migrations.CreateModel(
            name="MilestoneParticipation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("evidence", models.JSONField(blank=True, default=dict)),
                (
                    "role",
                    models.CharField(
                        choices=[
                            ("proposer", "proposer"),
                            ("funder", "funder"),
                            ("implementer", "implementer"),
                            ("host", "host"),
                            ("beneficiary", "beneficiary"),
                            ("recommender", "recommender"),
                            ("partner", "partner"),
                            ("issuer", "issuer"),
                            ("approver", "approver"),
                            ("supporter", "supporter"),
                            ("participant", "participant"),
                            ("venue", "venue"),
                            ("model", "model to learn from"),
                            ("recipient", "recipient"),
                            ("selector", "selecting body"),
                            ("selected", "selected"),
                            ("inspector", "inspector"),
                            ("conferrer", "conferring body"),
                            ("founder", "founder"),
                            ("visitor", "visitor"),
                            ("attendee", "attendee"),
                            ("subject", "subject"),
                        ],
                        max_length=20,
                    ),
                ),
                ("note", models.CharField(blank=True, max_length=300)),
                (
                    "city",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="%(class)ss",
                        to="programmes.city",
                    ),
                ),
                (
                    "milestone",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="participations",
                        to="programmes.milestone",
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="%(class)ss",
                        to="programmes.partner",
                    ),
                ),
                (
                    "passages",
                    models.ManyToManyField(
                        related_name="milestone_participations", to="programmes.passage"
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "milestone participations",
                "ordering": ["milestone", "pk"],
            },
            bases=(programmes.models.NotesFromEvidenceMixin, models.Model),
        ),
        # A many-to-many field cannot gain a through model in place: the old links go (the
        # loader writes them again as participations, each with its role).
        *[
            operation
            for name, target in (("cities", "city"), ("partners", "partner"))
            for operation in (
                migrations.RemoveField(model_name="milestone", name=name),
                migrations.AddField(
                    model_name="milestone",
                    name=name,
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="milestones",
                        through="programmes.MilestoneParticipation",
                        through_fields=("milestone", target),
                        to=f"programmes.{target}",
                    ),
                ),
            )
        ],
        migrations.AddConstraint(
            model_name="milestoneparticipation",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("city__isnull", False), ("partner__isnull", True)),
                    models.Q(("city__isnull", True), ("partner__isnull", False)),
                    _connector="OR",
                ),
                name="milestoneparticipation_is_city_xor_partner",
                violation_error_message="a participant is either a city or a partner",
            ),
        ),
        *[
            migrations.AddConstraint(
                model_name="milestoneparticipation",
                constraint=models.UniqueConstraint(
                    condition=models.Q((f"{target}__isnull", False)),
                    fields=("milestone", target, "role"),
                    name=f"milestoneparticipation_{target}_role_once",
                ),
            )
            for target in ("city", "partner")
        ],
    ]

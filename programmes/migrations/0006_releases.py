# Releases: every catalogue version the site has held, kept when the next one is loaded.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("programmes", "0005_search_text"),
    ]

    operations = [
        migrations.CreateModel(
            name="Release",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("version", models.CharField(max_length=64)),
                ("loaded_at", models.DateTimeField()),
                ("contents", models.BinaryField()),
            ],
            options={
                "ordering": ["loaded_at", "pk"],
                "constraints": [
                    models.UniqueConstraint(fields=("version",), name="release_version_unique")
                ],
            },
        ),
    ]

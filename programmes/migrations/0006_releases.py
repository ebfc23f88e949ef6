"""Releases: every catalogue version the site has held (`models.Release`), kept when the next one
is loaded; `/releases/<version>.zip` and the changes between versions are made from them."""

from django.db import migrations, models

ID = models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")
UNIQUE_VERSION = models.UniqueConstraint(fields=("version",), name="release_version_unique")


class Migration(migrations.Migration):
    dependencies = [("programmes", "0005_search_text")]

    operations = [
        migrations.CreateModel(
            name="Release",
            fields=[
                ("id", ID),
                ("version", models.CharField(max_length=64)),
                ("loaded_at", models.DateTimeField()),
                ("contents", models.BinaryField()),
            ],
            options={"ordering": ["loaded_at", "pk"], "constraints": [UNIQUE_VERSION]},
        ),
    ]

from django.contrib.postgres.operations import CreateExtension, UnaccentExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pgvector for embeddings and unaccent for diacritic-folded Vietnamese search."""

    dependencies = [("tenancy", "0001_initial")]

    operations = [CreateExtension("vector"), UnaccentExtension()]

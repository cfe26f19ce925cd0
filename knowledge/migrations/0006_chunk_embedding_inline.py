"""A chunk's embedding is kept in its row (storage MAIN), not in the TOAST table.

pgvector gives its type storage EXTERNAL, and a chunk's row (two tsvectors of 3 KB and more, its
text) is always over the 2 KB at which PostgreSQL starts moving values out of line: the embedding
went to TOAST with the rest. The vector leg of a search over a small knowledge base reads every
chunk's embedding (an exact scan), so each chunk cost a TOAST index lookup and its pages: 2,041
buffers for the 285 chunks of one decree. With MAIN, values are moved out only when the row would
not fit a page otherwise; the tsvectors and text still go first, and an embedding of up to 1,536
dimensions (6 KB) stays in the row. The whole search then read 758 buffers, and took 17-30 ms instead of
74-124 ms when its pages had not been touched for a few seconds (on the development machine).
Chunks written before keep their storage until their document is indexed again."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("knowledge", "0005_term_stat_one_index"),
    ]

    operations = [
        migrations.RunSQL(
            "ALTER TABLE knowledge_chunk ALTER COLUMN embedding SET STORAGE MAIN",
            reverse_sql="ALTER TABLE knowledge_chunk ALTER COLUMN embedding SET STORAGE EXTERNAL",
        ),
    ]

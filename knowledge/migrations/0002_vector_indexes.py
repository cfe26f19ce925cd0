from django.db import migrations

from knowledge.models import SUPPORTED_DIMENSIONS

# One HNSW index per supported dimension over the same column: pgvector indexes need a fixed
# dimension, and knowledge bases may use different embedding models. Queries order by the same
# expression (`embedding::vector(N)`) and filter on `embedding_dim = N` so the planner uses them.
FORWARD = [
    f"CREATE INDEX chunk_embedding_{n}_hnsw ON knowledge_chunk "
    f"USING hnsw ((embedding::vector({n})) vector_cosine_ops) WITH (m = 16, ef_construction = 64) "
    f"WHERE embedding_dim = {n}"
    for n in SUPPORTED_DIMENSIONS
]
BACKWARD = [f"DROP INDEX IF EXISTS chunk_embedding_{n}_hnsw" for n in SUPPORTED_DIMENSIONS]


class Migration(migrations.Migration):
    dependencies = [("knowledge", "0001_initial")]

    operations = [
        migrations.RunSQL(forward, backward) for forward, backward in zip(FORWARD, BACKWARD, strict=True)
    ]

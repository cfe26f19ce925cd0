from django.db import migrations

# A published or retired assistant version never changes, whoever asks: the database refuses it.
# Allowed on such a row: the one state transition published → retired, an unchanged `updated_at`
# touch, and the SET NULL of `created_by` / `published_by` when a user is deleted. Its knowledge
# base links may not be added to; they may be removed only by deletions that cascade (the assistant
# or the knowledge base itself being deleted), which a trigger cannot tell apart, so DELETE is left
# to the services.
FORWARD = """
CREATE OR REPLACE FUNCTION assistant_version_immutable() RETURNS trigger AS $$
DECLARE
    ignored text[] := ARRAY['state', 'updated_at', 'created_by_id', 'published_by_id'];
BEGIN
    IF OLD.state IN ('published', 'retired') THEN
        IF NEW.state IS DISTINCT FROM OLD.state
           AND NOT (OLD.state = 'published' AND NEW.state = 'retired') THEN
            RAISE EXCEPTION 'assistant version % is % and cannot become %', OLD.id, OLD.state, NEW.state
                USING ERRCODE = 'check_violation';
        END IF;
        IF (to_jsonb(NEW) - ignored) IS DISTINCT FROM (to_jsonb(OLD) - ignored)
           OR (NEW.created_by_id IS NOT NULL AND NEW.created_by_id IS DISTINCT FROM OLD.created_by_id)
           OR (NEW.published_by_id IS NOT NULL AND NEW.published_by_id IS DISTINCT FROM OLD.published_by_id)
        THEN
            RAISE EXCEPTION 'assistant version % is % and cannot be changed', OLD.id, OLD.state
                USING ERRCODE = 'check_violation';
        END IF;
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assistant_version_no_change
    BEFORE UPDATE ON assistants_assistantversion
    FOR EACH ROW EXECUTE FUNCTION assistant_version_immutable();

CREATE OR REPLACE FUNCTION assistant_version_links_immutable() RETURNS trigger AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM assistants_assistantversion
        WHERE id = NEW.assistantversion_id AND state IN ('published', 'retired')
    ) THEN
        RAISE EXCEPTION 'assistant version % is frozen: its knowledge bases cannot change',
            NEW.assistantversion_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER assistant_version_links_no_change
    BEFORE INSERT OR UPDATE ON assistants_assistantversion_knowledge_bases
    FOR EACH ROW EXECUTE FUNCTION assistant_version_links_immutable();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS assistant_version_links_no_change ON assistants_assistantversion_knowledge_bases;
DROP FUNCTION IF EXISTS assistant_version_links_immutable();
DROP TRIGGER IF EXISTS assistant_version_no_change ON assistants_assistantversion;
DROP FUNCTION IF EXISTS assistant_version_immutable();
"""


class Migration(migrations.Migration):
    dependencies = [("assistants", "0002_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]

# Knowledge bases, documents, indexing runs and chunks arrive with the Knowledge issue.

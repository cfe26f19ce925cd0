# Model providers and the embedding cache arrive with the Knowledge and Assistants issues.

# Assistants, versions, conversations and messages arrive with the Assistants issue.

"""Output writers: Markdown as is, and DOCX built from Markdown tokens."""

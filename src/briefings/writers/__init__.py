"""Stage 4, writers: Markdown → files. Markdown is written as is; DOCX is built from Markdown tokens.

Public modules: `docx` (`markdown_to_docx`, `DocxMeta`), `redline` (tracked changes, `Revision`),
`files` (atomic writes). Internal: `wordml` (the WordprocessingML body writer shared by docx and redline).
"""

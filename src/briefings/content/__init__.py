"""Stage 1, content: YAML files → typed model items with positions → the library index.

Public modules: `model` (the pydantic models), `load` (parsing, `load_content`, `display_path`),
`positions` (`locate`, `raw_of`, `remember`), `library` (`open_library`, `Library`), `schema`,
`fmt`, `views` (list/show), `revisions` (content at a git revision).
Internal: `yamlpos` (YAML with positions), `cache` (the parse cache), `parallel`.
"""

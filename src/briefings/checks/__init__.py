"""Stage 2, checks: traceability rules over the library yield findings; nothing here changes the model.

Public modules: `rules` (`run_checks`, `describe_rules`, `RULES`), `report` (`Finding`, printing, exit code),
`fingerprint` (review records and suspect answers), `settings` (`CHECK_DEFAULTS`).
Internal: `similar` (near-duplicate detection).
"""

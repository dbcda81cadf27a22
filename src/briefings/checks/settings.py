"""The check settings of briefings.yaml (`checks:`) and their defaults."""

CHECK_DEFAULTS = {
    "max_leeftijd_cijfer_dagen": 730,  # a figure older than this, relative to the document date, is stale
    "gelijkenis_drempel": 0.85,  # near-duplicate questions at or above this similarity
    "kopie_drempel": 0.9,  # an answer at or above this similarity to another is a copy (answer-copy)
    "ernst": {},  # rule id → error | warning | info | off
}

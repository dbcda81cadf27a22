"""Traceability rules: one small broken library per rule and edge, under tests/fixtures/checks/<case>/.

Every expectation names the rule, the file (relative to the case folder), the line and the severity.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from briefings.checks.rules import RULES, describe_rules, run_checks
from briefings.errors import BriefingsError, ReferenceError_
from briefings.content.library import open_library
from briefings.project import CHECK_DEFAULTS, PACKAGE_ROOT, Project, load_project
from briefings.checks.report import Finding

FIXTURES = Path(__file__).parent / "fixtures" / "checks"
TODAY = dt.date(2024, 7, 15)


def run_case(case: str | Path, project=None, documents=None, today: dt.date = TODAY) -> list[Finding]:
    """Load a fixture library and check it; finding paths become relative to the case folder."""
    root = Path(case) if isinstance(case, Path) else FIXTURES / case
    content = project.content if project else root
    findings = run_checks(open_library(content), project, documents=documents, today=today)
    return [dataclasses.replace(f, path=Path(os.path.abspath(f.path)).relative_to(root.resolve()).as_posix())
            for f in findings]


def settings_for(case: str, **checks) -> Project:
    """Settings as briefings.yaml would give them, for a fixture whose folder is the content root."""
    root = FIXTURES / case
    return Project(root, root, root / "templates", root / "build", "", {**CHECK_DEFAULTS, **checks},
                   config_path=root / "briefings.yaml")


def found(findings: list[Finding], rule: str) -> list[tuple[str, int, str]]:
    return [(f.path, f.line, f.severity) for f in findings if f.rule == rule]


# (case, rule, [(file, line, severity)]) — the complete list of that rule's findings in the case
CASES = [
    ("literal-percentage-answer", "literal-figure", [
        ("vragen/ongewenst-gedrag.yaml", 3, "warning"),  # 55%
        ("vragen/ongewenst-gedrag.yaml", 3, "warning"),  # 20,74 %
        ("vragen/ongewenst-gedrag.yaml", 3, "warning"),  # 12 procent
    ]),
    ("literal-block-scalar", "literal-figure", [
        ("vragen/deelname.yaml", 7, "warning"),  # 240 mensen; [[cijfer:...]] on line 5 and 'In 2024' are fine
        ("vragen/deelname.yaml", 7, "warning"),  # 15 collega's
    ]),
    ("literal-folded-scalar", "literal-figure", [
        ("documenten/matrix.yaml", 7, "warning"),  # in a document spec, double-quoted
        ("maatregelen/training.yaml", 9, "warning"),  # third line of a >- scalar
        ("maatregelen/training.yaml", 10, "warning"),
    ]),
    ("figure-no-peildatum", "figure-source", [("cijfers/onderzoek.yaml", 8, "error")]),
    ("figure-no-bron", "figure-source", [("cijfers/los.yaml", 4, "error")]),
    # the file's peildatum (line 2) is where the stale date is set; brief-2022 is within the limit
    ("figure-stale", "figure-stale", [("cijfers/onderzoek.yaml", 2, "warning")]),
    ("figure-update-pending", "figure-update-pending", [("cijfers/onderzoek.yaml", 9, "warning")]),
    ("recommendation-unanswered", "recommendation-unanswered", [("bronnen/advies.yaml", 13, "warning")]),
    ("recommendation-reason", "recommendation-reason", [("bronnen/advies.yaml", 10, "warning")]),
    ("measure-unfounded", "measure-unfounded", [("maatregelen/zonder-grond.yaml", 4, "warning")]),
    ("measure-lopend-passes", "measure-unfounded", []),
    ("classification", "classification", [("vragen/geheim.yaml", 5, "error")]),
    ("placeholder-definitief", "placeholder", [("vragen/gebaar.yaml", 5, "error")]),
    ("placeholder-concept", "placeholder", [("vragen/gebaar.yaml", 3, "warning")]),  # not in the unused question
    ("placeholder-document-spec", "placeholder", [
        ("documenten/annotatie.yaml", 13, "error"),  # bijlage notitie
        ("documenten/annotatie.yaml", 15, "error"),  # bijlage titel; vraag.notitie is internal and passes
    ]),
    ("bijlage-number", "bijlage-missing", [("vragen/verwijzing.yaml", 5, "error")]),  # bijlage 2 of 2 passes
    ("bijlage-unknown-id", "bijlage-missing", [("vragen/verwijzing.yaml", 3, "error")]),
    ("bijlage-section-list", "bijlage-missing", [("documenten/agenda.yaml", 17, "error")]),  # 1a is listed, 1c not
    ("near-duplicate", "near-duplicate", [("vragen/anders-doen.yaml", 2, "warning")]),
    ("answer-reuse-cycle", "answer-reuse", [
        ("vragen/a.yaml", 3, "error"),  # antwoord_van: b, and b includes a
        ("vragen/b.yaml", 5, "error"),  # [[antwoord:a]] on the second line of the block
    ]),
    ("answer-reuse-confidential", "answer-reuse", [("vragen/open.yaml", 5, "error")]),
    ("final-document", "final-document", [
        ("vragen/nog-concept.yaml", 4, "error"),  # status: concept
        ("vragen/verdacht.yaml", 8, "error"),  # the fingerprint no longer matches
    ]),
    ("member-section", "member-section", [("documenten/notitie.yaml", 14, "error")]),  # van-b under raadslid-a
    ("sent-unreadable", "sent-changed", [("documenten/notitie.yaml", 10, "info")]),
    ("answer-copy", "answer-copy", [("vragen/wat-anders.yaml", 3, "warning")]),  # not the answer taken over
    ("orphan", "orphan", [
        ("cijfers/onderzoek.yaml", 8, "info"),
        ("kernboodschap/kern.yaml", 1, "info"),
        ("toezeggingen/brief.yaml", 1, "info"),
        ("vragen/wees.yaml", 1, "info"),
    ]),
    ("commitment-overdue", "commitment-overdue", [("toezeggingen/brief.yaml", 6, "warning")]),
    ("commitment-closed", "commitment-overdue", []),
    ("suspect-answer", "suspect-answer", [("vragen/nooit-beoordeeld.yaml", 1, "info")]),  # the reviewed one matches
    ("woo-fragment", "woo-fragment", [
        ("kernboodschap/kern.yaml", 8, "error"),  # no block 2
        ("vragen/mening.yaml", 12, "error"),  # the second fragment is not in the answer
    ]),
    # a figure under 5.2 warns; an opinion under 5.2, and the figure under another ground, pass
    ("woo-feit", "woo-feit", [("vragen/onveilig.yaml", 10, "warning")]),
]


@pytest.mark.parametrize("case, rule, expected", CASES, ids=[f"{c}:{r}" for c, r, _ in CASES])
def test_rule(case, rule, expected):
    assert found(run_case(case), rule) == expected


def test_clean_library_has_no_findings():
    assert run_case("clean") == []


def test_literal_columns_point_at_the_literal():
    findings = [f for f in run_case("literal-block-scalar") if f.rule == "literal-figure"]
    assert [(f.line, f.col) for f in findings] == [(7, 14), (7, 40)]
    assert "'240 mensen'" in findings[0].message and "'15 collega's'" in findings[1].message
    plain = [f for f in run_case("literal-percentage-answer") if f.rule == "literal-figure"]
    assert [(f.col, f.message.split("'")[1]) for f in plain] == [(16, "55%"), (42, "20,74 %"), (79, "12 procent")]


def test_literal_in_folded_scalar_and_quoted_spec():
    findings = [f for f in run_case("literal-folded-scalar") if f.rule == "literal-figure"]
    assert [(f.path, f.line, f.col) for f in findings] == [
        ("documenten/matrix.yaml", 7, 31), ("maatregelen/training.yaml", 9, 3), ("maatregelen/training.yaml", 10, 3)]


def test_literal_after_escapes_in_double_quotes(tmp_path):
    (tmp_path / "vragen").mkdir()
    (tmp_path / "vragen" / "v.yaml").write_text(
        'id: v\nvraag: V?\nantwoord: "Het \\"antwoord\\":\\tzo\'n\n  40 procent"\nstatus: concept\nclassificatie: intern\n')
    [finding] = [f for f in run_case(tmp_path) if f.rule == "literal-figure"]
    assert (finding.line, finding.col) == (4, 3)


def test_figure_without_known_source():
    lib = open_library(FIXTURES / "figure-no-peildatum")
    cijfer = lib.by_id["met-peildatum"].model_copy()  # the library itself is left alone
    cijfer.bron = "onbekend-onderzoek"
    for attr in ("_raw", "_path", "_line", "_col"):
        setattr(cijfer, attr, getattr(lib.by_id["met-peildatum"], attr))
    lib.by_kind["cijfer"] = [cijfer]
    [finding] = [f for f in run_checks(lib, None, today=TODAY) if f.rule == "figure-source"]
    assert "unknown source 'onbekend-onderzoek'" in finding.message
    assert finding.line == 3 and finding.hint == "did you mean 'onderzoek'?"


def test_stale_figure_names_the_document():
    [finding] = [f for f in run_case("figure-stale") if f.rule == "figure-stale"]
    assert "'oud'" in finding.message and "'brief-2024'" in finding.message and "916 days" in finding.message


def test_stale_limit_comes_from_settings(tmp_path):
    (tmp_path / "briefings.yaml").write_text("content: content\nchecks:\n  max_leeftijd_cijfer_dagen: 3000\n")
    shutil.copytree(FIXTURES / "figure-stale", tmp_path / "content")
    project = load_project(tmp_path)
    assert found(run_case(tmp_path / "content", project), "figure-stale") == []


def test_classification_names_the_document():
    [finding] = [f for f in run_case("classification") if f.rule == "classification"]
    assert finding.message == "vraag 'geheim' is vertrouwelijk but document 'annotatie' is intern"
    assert finding.item == "geheim"


def test_near_duplicate_names_both_questions_and_places():
    [finding] = [f for f in run_case("near-duplicate") if f.rule == "near-duplicate"]
    assert "'anders-doen'" in finding.message and "'anders-doen-2'" in finding.message
    assert "near-duplicate/vragen/anders-doen-2.yaml:2:8" in finding.message


def test_near_duplicate_threshold_from_settings(tmp_path):
    (tmp_path / "briefings.yaml").write_text("content: content\nchecks:\n  gelijkenis_drempel: 0.99\n")
    shutil.copytree(FIXTURES / "near-duplicate", tmp_path / "content")
    assert found(run_case(tmp_path / "content", load_project(tmp_path)), "near-duplicate") == []


def test_commitment_overdue_depends_on_today():
    assert found(run_case("commitment-overdue", today=dt.date(2024, 6, 30)), "commitment-overdue") == []
    assert found(run_case("commitment-overdue", today=dt.date(2024, 7, 1)), "commitment-overdue") == [
        ("toezeggingen/brief.yaml", 6, "warning")]
    # a commitment due later is overdue once that day has passed
    assert found(run_case("commitment-closed", today=dt.date(2024, 10, 2)), "commitment-overdue") == [
        ("toezeggingen/later.yaml", 4, "warning")]


def test_suspect_answer_after_a_figure_changed_and_review_restores(tmp_path):
    from briefings.checks.fingerprint import review

    case = tmp_path / "lib"
    shutil.copytree(FIXTURES / "suspect-answer", case)
    cijfers = case / "cijfers" / "onderzoek.yaml"
    cijfers.write_text(cijfers.read_text().replace("waarde: 55", "waarde: 56"))
    findings = [f for f in run_case(case) if f.rule == "suspect-answer"]
    assert [(f.path, f.line, f.severity) for f in findings] == [
        ("vragen/beoordeeld.yaml", 12, "warning"), ("vragen/nooit-beoordeeld.yaml", 1, "info")]
    assert findings[0].message.startswith("answer is suspect: ")
    assert "cijfer ongewenst-gedrag" in findings[0].message and "2024-07-01" in findings[0].message
    assert findings[0].message.endswith("changed since review on 2024-07-01; run `briefings review beoordeeld`")

    review(open_library(case), ["beoordeeld", "nooit-beoordeeld"], TODAY)
    assert found(run_case(case), "suspect-answer") == []


def test_severity_override_from_briefings_yaml():
    root = FIXTURES / "severity-override"
    project = load_project(root)
    findings = run_case(root, project)
    assert found(findings, "literal-figure") == [("vragen/letterlijk.yaml", 3, "error")]
    assert found(findings, "orphan") == []  # switched off
    assert found(findings, "figure-stale") == [("cijfers/onderzoek.yaml", 2, "warning")]  # limit of 30 days


def test_override_demotes_relative_to_the_new_severity():
    ernst = {"suspect-answer": "error", "placeholder": "warning"}
    assert found(run_case("suspect-answer", settings_for("suspect-answer", ernst=ernst)), "suspect-answer") == [
        ("vragen/nooit-beoordeeld.yaml", 1, "warning")]
    assert found(run_case("placeholder-concept", settings_for("placeholder-concept", ernst=ernst)), "placeholder") == [
        ("vragen/gebaar.yaml", 3, "info")]


@pytest.mark.parametrize("ernst, message", [
    ({"orphans": "off"}, "unknown rule 'orphans'"),
    ({"orphan": "fatal"}, "'fatal' is not one of"),
])
def test_bad_override_is_refused(ernst, message):
    with pytest.raises(BriefingsError, match=message) as info:
        run_case("clean", settings_for("clean", ernst=ernst))
    assert str(info.value.location).endswith("briefings.yaml")
    if "orphans" in ernst:
        assert info.value.hint == "did you mean 'orphan'?"


def test_documents_filter_keeps_what_the_documents_use():
    findings = run_case("documents-filter", documents=["b"])
    assert {(f.rule, f.path, f.line, f.severity) for f in findings if f.severity != "info"} == {
        ("placeholder", "vragen/voor-b.yaml", 3, "warning"),  # b is a concept
        ("literal-figure", "vragen/gedeeld.yaml", 3, "warning"),
    }
    assert found(findings, "orphan") == []
    everything = run_case("documents-filter")
    assert found(everything, "placeholder") == [("vragen/voor-a.yaml", 3, "error"), ("vragen/voor-b.yaml", 3, "warning")]
    assert found(everything, "orphan") == [("vragen/wees.yaml", 1, "info")]


def test_documents_filter_unknown_document():
    with pytest.raises(ReferenceError_, match="unknown document 'c'"):
        run_case("documents-filter", documents=["c"])


def test_checks_do_not_change_the_model():
    lib = open_library(FIXTURES / "figure-stale")
    before = {i: item.model_dump() for i, item in lib.by_id.items()}
    run_checks(lib, None, today=TODAY)
    assert {i: item.model_dump() for i, item in lib.by_id.items()} == before


def test_rule_registry():
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) == 21
    assert all(r.severity in ("error", "warning", "info") and r.description for r in RULES)
    lines = describe_rules().splitlines()
    assert len(lines) == len(RULES) and lines[0].split()[:2] == ["literal-figure", "warning"]


def test_every_rule_has_a_failing_case():
    assert {r.id for r in RULES} <= {rule for _, rule, expected in CASES if expected}


def test_shipped_library_has_no_errors():
    """content/ at the repository root. While it is being transcribed this may fail; the message lists
    every error, and the captured output counts all findings by rule (see it with `pytest -rA`)."""
    from collections import Counter

    project = load_project(PACKAGE_ROOT)
    findings = run_checks(open_library(project.content), project)
    for (rule, severity), n in sorted(Counter((f.rule, f.severity) for f in findings).items()):
        print(f"{rule:26} {severity:8} {n}")
    errors = [f.render() for f in findings if f.severity == "error"]
    assert not errors, f"{len(errors)} error finding(s) in content/:\n" + "\n".join(errors)


def test_member_section_names_both_places():
    [finding] = [f for f in run_case("member-section") if f.rule == "member-section"]
    assert "question 'van-b' was asked by 'raadslid-b'" in finding.message
    assert "member-section/vragen/van-b.yaml:4:15" in finding.message and "under 'raadslid-a'" in finding.message

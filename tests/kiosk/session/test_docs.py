"""docs/session.md is generated from the table and the walks, and must be up to date."""

from __future__ import annotations

from kiosk.session.diagram import DOC, main, mermaid, render_doc
from kiosk.session.steps import Step
from kiosk.session.table import TRANSITIONS
from kiosk.session.walks import walks

from .conftest import CATALOGUE


def test_docs_session_md_is_up_to_date() -> None:
    assert DOC.read_text(encoding="utf-8") == render_doc(CATALOGUE), \
        "run: .venv/bin/python -m kiosk.session.diagram"
    assert main(["--check"]) == 0


def test_the_picture_has_every_step_and_every_edge_of_the_table() -> None:
    text = mermaid()
    assert text.startswith("stateDiagram-v2")
    for step in Step:
        assert step.value in text
    for step, row in TRANSITIONS.items():
        for event_type, transition in row.items():
            for target in transition.targets:
                if target is not step:
                    edge = f"{step.value} --> {target.value}:"
                    line = next(x for x in text.splitlines() if x.strip().startswith(edge))
                    assert event_type.__name__ in line


def test_hk_macao_endorsement_needs_at_most_8_taps_after_the_card() -> None:
    taps = {w.name: w.taps_after_read() for w in walks(CATALOGUE)}
    assert taps["apply_hkmo_endorsement"] <= 8
    assert taps["apply_hkmo_endorsement"] == 7
    assert "| **7** |" in render_doc(CATALOGUE)


def test_every_notice_and_failure_code_the_flow_sets_is_documented() -> None:
    """Scan the handlers' source for the codes they set, so the UI's list cannot silently miss one."""
    import re
    from pathlib import Path

    from kiosk.domain import eligibility
    from kiosk.session import FAILURE_CODES, NOTICE_CODES, handlers

    here = Path(handlers.__file__).parent
    source = "".join(path.read_text(encoding="utf-8") for path in sorted(here.glob("*.py")))
    literal = set(re.findall(r'notice\s*=\s*"([a-z_]+)"', source))
    assert literal and literal <= set(NOTICE_CODES)
    for reason in ("unreadable", "removed", "unsupported"):             # notice=f"card_{event.reason}"
        assert f"card_{reason}" in NOTICE_CODES
    for reason in ("offline", "error"):                                  # notice=f"slots_{event.reason}"
        assert f"slots_{reason}" in NOTICE_CODES
    guardian = [v.code for v in vars(eligibility).values() if isinstance(v, eligibility.Refusal)
                and v.code.startswith("guardian_") and v.code != "guardian_required"]
    assert set(guardian) <= set(NOTICE_CODES)
    failures = set(re.findall(r'failure\s*=\s*"([a-z_]+)"', source))
    assert failures and failures <= set(FAILURE_CODES)

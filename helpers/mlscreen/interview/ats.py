"""Submitted scorecards in the shape an applicant-tracking system takes (Greenhouse's).

Each submitted card becomes one scorecard object as Greenhouse's Harvest API lists them:
the stage as the interview, the interviewer as `submitted_by`, the overall recommendation
(`definitely_not`, `no`, `yes`, `strong_yes`) from the card's rubric verdict, one attribute
per rubric category rated with Greenhouse's words for its level, the `ratings` index of
those attributes, and the notes as answers to questions. The mapping from the kit's levels
and verdicts is data: `ats` in the bank's `interview.yaml`.

Only submitted cards are exported (drafts are not a judgement), as last submitted, with the
first submission time and every amendment; what one viewer may export follows `blind`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..bank import ATS_RATINGS, Bank
from ..common.files import write_atomic
from .blind import DEBRIEF, visible_cards
from .naming import CandidateNames
from .scorecard import Scorecard
from .store import ScorecardStore
from .submission import changes
from .summary import stamp
from .verdicts import verdict_for

KEY_TAKEAWAYS = "Key Take-Aways"


def ats_scorecard(card: Scorecard, bank: Bank, names: CandidateNames) -> dict[str, Any]:
    """One submitted card, as last submitted, in Greenhouse's scorecard shape."""
    if not card.submitted:
        raise ValueError(f"{card.path.name}: only a submitted scorecard goes to the ATS")
    mapping = bank.settings.ats
    last = card.submissions[-1]
    content = last.content
    rubric = bank.rubric_for(card.stage_id)
    levels = content["levels"]
    total = sum(levels.get(c.id, 0) for c in rubric.categories)
    verdict = verdict_for(rubric, total if all(c.id in levels for c in rubric.categories) else None)
    attributes = [
        {
            "name": category.name,
            "type": rubric.name,
            "note": f"level {levels[category.id]}: {category.level(levels[category.id]).label}",
            "rating": mapping.levels[levels[category.id]],
        }
        for category in rubric.categories
        if category.id in levels
    ]
    ratings = {r: [a["name"] for a in attributes if a["rating"] == r] for r in ATS_RATINGS}
    stage = bank.stage(card.stage_id)
    return {
        "interview": stage.name,
        "interview_step": {"id": stage.id, "name": stage.name},
        "candidate_id": card.candidate,
        "submitted_by": {"id": card.interviewer, "name": card.interviewer},
        "interviewer": {"id": card.interviewer, "name": card.interviewer},
        "submitted_at": _iso(card.submitted_at),
        "updated_at": _iso(last.at),
        "overall_recommendation": mapping.verdicts[str(verdict)],
        "attributes": attributes,
        "ratings": ratings,
        "questions": _questions(card, bank, names, content),
        "mlscreen": {
            "rubric_total": total,
            "rubric_max": rubric.max_total,
            "verdict": str(verdict),
            "content_hash": last.hash,
            "amendments": len(card.submissions) - 1,
            "integrity": card.integrity,
        },
    }


def ats_scorecards(store: ScorecardStore, viewer: str | None = DEBRIEF) -> list[dict[str, Any]]:
    """Every submitted card `viewer` may see, candidate by candidate, in panel order."""
    names = store.names
    exported = []
    for candidate in store.candidates():
        for card in visible_cards(store, candidate, viewer).cards:
            if card.submitted:
                exported.append(ats_scorecard(card, store.bank, names))
    return exported


def write_ats_scorecards(
    *, store: ScorecardStore, out: Path, viewer: str | None = DEBRIEF
) -> Path:
    """Write the ATS export (a JSON list of scorecards) to `out`."""
    text = json.dumps(ats_scorecards(store, viewer), indent=2, ensure_ascii=False) + "\n"
    write_atomic(out, text)
    return out


def _questions(
    card: Scorecard, bank: Bank, names: CandidateNames, content: dict[str, Any]
) -> list[dict[str, Any]]:
    def clean(text: str) -> str:
        return names.redact(text, card.candidate)

    questions = [{"id": None, "question": KEY_TAKEAWAYS, "answer": clean(content["notes"])}]
    for question_id, note in sorted(content["question_notes"].items()):
        try:
            prompt = bank.question(question_id).prompt
        except KeyError:
            prompt = question_id
        questions.append({"id": question_id, "question": prompt, "answer": clean(note)})
    log = card.submissions
    amended = [
        f"{stamp(entry.at)}: {entry.reason} "
        f"({'; '.join(changes(log[i - 1].content, entry.content))})"
        for i, entry in enumerate(log)
        if entry.is_amendment
    ]
    if amended:
        answer = clean("\n".join(amended))
        questions.append({"id": None, "question": "Amendments", "answer": answer})
    return questions


def _iso(stamp_value: float | None) -> str | None:
    if stamp_value is None:
        return None
    return datetime.fromtimestamp(stamp_value, tz=UTC).isoformat(timespec="seconds")

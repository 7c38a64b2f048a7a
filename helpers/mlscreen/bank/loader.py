"""The question bank: YAML files under `mlscreen/bank/`, loaded into frozen dataclasses.

Every `*.yaml` file in the bank folder holds one section, named by its top-level keys:

- `stages:` the panel plan (one entry per interview stage, in panel order; a stage with
  `shows_autograded_scores: true` shows the autograded coding scores beside its rubric);
- `rubrics:` scoring rubrics, each category with level descriptors for levels 1 to 4;
- `profiles:` role profiles (which stages and questions a role emphasises);
- `stage:` + `questions:` the questions of one stage, each with expected points,
  red flags and follow-up probes (several files may add questions to the same stage);
- `interview:` the course's interview settings (anonymous mode, the ATS mapping), in at
  most one file (`settings`).

Ids are stable strings. Point, red-flag and follow-up ids are written short in YAML and
become `<question id>.<id>` once loaded, so a scorecard keeps pointing at the same point
when its text is edited.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .checks import (
    _bool,
    _entries,
    _fields,
    _id,
    _ids,
    _int,
    _levels,
    _read_yaml,
    _short_texts,
    _text,
    _texts,
    _unique,
)
from .schema import (
    ATS_RATINGS,
    ATS_RECOMMENDATIONS,
    LEVELS,
    VERDICT_NAMES,
    AtsMapping,
    Bank,
    BankError,
    ExpectedPoint,
    FollowUp,
    InterviewSettings,
    Question,
    RoleProfile,
    Rubric,
    RubricCategory,
    RubricLevel,
    Stage,
)

BANK_DIR = Path(__file__).parent


# --- loading ----------------------------------------------------------------------------


def load_bank(folder: Path | None = None) -> Bank:
    """Load and validate every `*.yaml` file of `folder` (default: the package's bank)."""
    folder = Path(folder) if folder is not None else BANK_DIR
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise BankError(f"{folder}: no *.yaml files in the question bank folder")
    stages: list[tuple[str, dict]] = []
    rubrics: list[Rubric] = []
    profiles: list[tuple[str, dict]] = []
    questions: list[Question] = []
    question_files: list[tuple[str, str]] = []
    settings: list[tuple[str, InterviewSettings]] = []
    for path in files:
        data = _read_yaml(path)
        keys = set(data)
        if keys == {"stages"}:
            stages += [(path.name, e) for e in _entries(path.name, data, "stages")]
        elif keys == {"rubrics"}:
            rubrics += [_rubric(path.name, e) for e in _entries(path.name, data, "rubrics")]
        elif keys == {"profiles"}:
            profiles += [(path.name, e) for e in _entries(path.name, data, "profiles")]
        elif keys == {"stage", "questions"}:
            stage_id = _id(path.name, "the file's 'stage'", data["stage"])
            for entry in _entries(path.name, data, "questions"):
                questions.append(_question(path.name, stage_id, entry))
                question_files.append((path.name, questions[-1].id))
        elif keys == {"interview"}:
            settings.append((path.name, _settings(path.name, data["interview"])))
        else:
            raise BankError(
                f"{path.name}: top-level keys must be 'stages', 'rubrics', 'profiles', "
                f"'interview' or 'stage' + 'questions', got {sorted(keys)}"
            )
    if len(settings) > 1:
        raise BankError(f"{settings[1][0]}: 'interview' settings are also in {settings[0][0]}")
    _unique("rubric", [("rubrics", r.id) for r in rubrics])
    _unique("question", question_files)
    built_stages = _stages(stages, rubrics, questions)
    built_profiles = _profiles(profiles, built_stages, questions)
    return Bank(
        stages=built_stages,
        rubrics=tuple(rubrics),
        profiles=built_profiles,
        settings=settings[0][1] if settings else InterviewSettings(),
    )



def _question(file: str, stage_id: str, entry: dict) -> Question:
    qid = _id(file, "a question id", entry.get("id"))
    where = f"{file}: question {qid!r}"
    _fields(where, entry, {"id", "prompt", "points", "followups"}, {"topic", "intent", "red_flags"})
    points = _short_texts(where, "points", entry["points"])
    red_flags = _short_texts(where, "red_flags", entry.get("red_flags"))
    followups = _short_texts(where, "followups", entry["followups"])
    if not points:
        raise BankError(f"{where}: needs at least one expected point")
    local_ids = [k for k, _ in (*points, *red_flags, *followups)]
    duplicates = sorted({k for k in local_ids if local_ids.count(k) > 1})
    if duplicates:
        raise BankError(f"{where}: points, red flags and follow-ups share ids {duplicates}")
    return Question(
        id=qid,
        stage=stage_id,
        prompt=_text(where, "prompt", entry["prompt"]),
        topic=_text(where, "topic", entry["topic"]) if "topic" in entry else "",
        intent=_text(where, "intent", entry["intent"]) if "intent" in entry else "",
        points=tuple(ExpectedPoint(f"{qid}.{k}", t, qid) for k, t in points),
        red_flags=tuple(ExpectedPoint(f"{qid}.{k}", t, qid) for k, t in red_flags),
        followups=tuple(FollowUp(f"{qid}.{k}", t, qid) for k, t in followups),
    )


def _rubric(file: str, entry: dict) -> Rubric:
    rid = _id(file, "a rubric id", entry.get("id"))
    where = f"{file}: rubric {rid!r}"
    required = {"id", "name", "scale", "pass_at", "strong_at", "weak_below", "categories"}
    _fields(where, entry, required, {"note"})
    scale = _levels(where, "scale", entry["scale"])
    raw_categories = entry["categories"]
    if not isinstance(raw_categories, list) or not raw_categories:
        raise BankError(f"{where}: 'categories' must be a non-empty list")
    categories = []
    for raw in raw_categories:
        if not isinstance(raw, dict):
            raise BankError(f"{where}: every category must be a mapping")
        cid = _id(where, "a category id", raw.get("id"))
        cwhere = f"{where}, category {cid!r}"
        _fields(cwhere, raw, {"id", "name", "levels"})
        descriptors = _levels(cwhere, "levels", raw["levels"])
        levels = tuple(RubricLevel(s, scale[s], descriptors[s]) for s in LEVELS)
        categories.append(RubricCategory(cid, _text(cwhere, "name", raw["name"]), levels))
    _unique("category", [(where, c.id) for c in categories])
    rubric = Rubric(
        id=rid,
        name=_text(where, "name", entry["name"]),
        pass_at=_int(where, "pass_at", entry["pass_at"]),
        strong_at=_int(where, "strong_at", entry["strong_at"]),
        weak_below=_int(where, "weak_below", entry["weak_below"]),
        note=_text(where, "note", entry["note"]) if "note" in entry else "",
        categories=tuple(categories),
    )
    thresholds = (rubric.weak_below, rubric.pass_at, rubric.strong_at)
    if not rubric.min_total <= thresholds[0] <= thresholds[1] <= thresholds[2] <= rubric.max_total:
        raise BankError(
            f"{where}: thresholds must satisfy {rubric.min_total} <= weak_below <= pass_at <= "
            f"strong_at <= {rubric.max_total}, got {rubric.weak_below}, {rubric.pass_at}, "
            f"{rubric.strong_at}"
        )
    return rubric


def _stages(
    raw: list[tuple[str, dict]], rubrics: list[Rubric], questions: list[Question]
) -> tuple[Stage, ...]:
    rubric_ids = {r.id for r in rubrics}
    stages = []
    for file, entry in raw:
        sid = _id(file, "a stage id", entry.get("id"))
        where = f"{file}: stage {sid!r}"
        _fields(
            where,
            entry,
            {"id", "name", "minutes", "interviewer_role", "evaluates", "rubric"},
            {"description", "assesses", "shows_autograded_scores"},
        )
        minutes = entry["minutes"]
        if not (isinstance(minutes, list) and len(minutes) == 2):
            raise BankError(f"{where}: minutes must be [min, max]")
        low, high = (_int(where, "minutes", m) for m in minutes)
        if not 0 < low <= high:
            raise BankError(f"{where}: minutes must satisfy 0 < min <= max, got {minutes}")
        rubric = _id(where, "rubric", entry["rubric"])
        if rubric not in rubric_ids:
            raise BankError(f"{where}: unknown rubric {rubric!r}")
        stages.append(
            Stage(
                id=sid,
                name=_text(where, "name", entry["name"]),
                min_minutes=low,
                max_minutes=high,
                interviewer_role=_text(where, "interviewer_role", entry["interviewer_role"]),
                evaluates=_text(where, "evaluates", entry["evaluates"]),
                description=_text(where, "description", entry["description"])
                if "description" in entry
                else "",
                assesses=_texts(where, "assesses", entry.get("assesses", [])),
                rubric=rubric,
                questions=tuple(q for q in questions if q.stage == sid),
                shows_autograded_scores=_bool(
                    where, "shows_autograded_scores", entry.get("shows_autograded_scores", False)
                ),
            )
        )
    _unique("stage", [(file, s.id) for (file, _), s in zip(raw, stages)])
    known = {s.id for s in stages}
    for question in questions:
        if question.stage not in known:
            raise BankError(f"question {question.id!r}: unknown stage {question.stage!r}")
    return tuple(stages)


def _profiles(
    raw: list[tuple[str, dict]], stages: tuple[Stage, ...], questions: list[Question]
) -> tuple[RoleProfile, ...]:
    stage_ids = [s.id for s in stages]
    question_stage = {q.id: q.stage for q in questions}
    profiles = []
    for file, entry in raw:
        pid = _id(file, "a profile id", entry.get("id"))
        where = f"{file}: profile {pid!r}"
        required = {"id", "name", "focus", "description", "stages", "core_stages"}
        _fields(where, entry, required, {"questions"})
        chosen = _ids(where, "stages", entry["stages"])
        core = _ids(where, "core_stages", entry["core_stages"])
        emphasised = _ids(where, "questions", entry.get("questions", []))
        for sid in chosen:
            if sid not in stage_ids:
                raise BankError(f"{where}: unknown stage {sid!r}")
        for sid in core:
            if sid not in chosen:
                raise BankError(f"{where}: core stage {sid!r} is not one of its stages")
        for qid in emphasised:
            if qid not in question_stage:
                raise BankError(f"{where}: unknown question {qid!r}")
            if question_stage[qid] not in chosen:
                raise BankError(f"{where}: question {qid!r} is in stage "
                                f"{question_stage[qid]!r}, which is not one of its stages")
        profiles.append(
            RoleProfile(
                id=pid,
                name=_text(where, "name", entry["name"]),
                focus=_text(where, "focus", entry["focus"]),
                description=_text(where, "description", entry["description"]),
                stages=tuple(sorted(chosen, key=stage_ids.index)),
                core_stages=tuple(sorted(core, key=stage_ids.index)),
                questions=emphasised,
            )
        )
    _unique("profile", [(file, p.id) for (file, _), p in zip(raw, profiles)])
    if not profiles:
        raise BankError("the question bank has no role profiles")
    return tuple(profiles)


def _settings(file: str, entry: Any) -> InterviewSettings:
    where = f"{file}: interview"
    if not isinstance(entry, dict):
        raise BankError(f"{where}: must be a mapping")
    _fields(where, entry, set(), {"anonymous", "ats"})
    anonymous = _bool(where, "anonymous", entry.get("anonymous", False))
    if "ats" not in entry:
        return InterviewSettings(anonymous=anonymous)
    ats = entry["ats"]
    awhere = f"{where}, ats"
    if not isinstance(ats, dict):
        raise BankError(f"{awhere}: must be a mapping")
    _fields(awhere, ats, {"levels", "verdicts"})
    levels = _levels(awhere, "levels", ats["levels"])
    for level, rating in levels.items():
        if rating not in ATS_RATINGS:
            raise BankError(f"{awhere}: level {level} maps to {rating!r}, not one of {ATS_RATINGS}")
    verdicts = ats["verdicts"]
    if not isinstance(verdicts, dict) or set(verdicts) != set(VERDICT_NAMES):
        got = sorted(verdicts, key=str) if isinstance(verdicts, dict) else verdicts
        raise BankError(f"{awhere}: verdicts must map exactly {list(VERDICT_NAMES)}, got {got}")
    for verdict, recommendation in verdicts.items():
        if recommendation not in ATS_RECOMMENDATIONS:
            raise BankError(
                f"{awhere}: verdict {verdict!r} maps to {recommendation!r}, not one of "
                f"{ATS_RECOMMENDATIONS}"
            )
    mapping = AtsMapping(levels=levels, verdicts={v: verdicts[v] for v in VERDICT_NAMES})
    return InterviewSettings(anonymous=anonymous, ats=mapping)

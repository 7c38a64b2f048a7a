"""The question bank: its loader's validation, and that it holds the screening guide."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from mlscreen.bank import BANK_DIR, BankError, load_bank


@pytest.fixture(scope="module")
def bank():
    return load_bank()


def _point_texts(bank, question_id: str) -> list[str]:
    return [p.text.lower() for p in bank.question(question_id).points]


def _flag_texts(bank, question_id: str) -> list[str]:
    return [p.text.lower() for p in bank.question(question_id).red_flags]


def _missing(phrases: list[str], texts: list[str]) -> list[str]:
    return [ph for ph in phrases if not any(ph.lower() in text for text in texts)]


# --- the guide's content is all there ---------------------------------------------------

# The guide's section 4.2: each example question and its expected points, verbatim.
GUIDE_ML_QUESTIONS = {
    "degradation": (
        "How would you diagnose model degradation in production?",
        [
            "Look for data drift",
            "Feature distribution monitoring",
            "Ensure labels still relevant",
            "Check upstream data pipeline issues",
            "Evaluate recent performance metrics",
            "Retraining cadence",
        ],
    ),
    "imbalance": (
        "How would you handle imbalanced datasets?",
        [
            "Class weighting",
            "Oversampling / undersampling",
            "Focal loss",
            "Synthetic data (SMOTE)",
            "Appropriate metrics (F1, recall, AUPRC)",
        ],
    ),
    "llm_vs_ml": (
        "When is a large language model appropriate vs simple ML?",
        [
            "LLM for unstructured text, summarization, Q&A",
            "Traditional ML for tabular/structured tasks",
            "LLM fine-tuning vs prompting vs RAG",
        ],
    ),
}

# Section 4.1: topics to cover.
GUIDE_TOPICS = [
    "Bias–variance tradeoff",
    "Overfitting & regularization",
    "Metrics: precision/recall, F1, ROC-AUC",
    "Data leakage",
    "Feature engineering",
    "Hyperparameter tuning",
    "Embeddings",
    "When to use traditional ML vs LLMs",
    "Safety risks (hallucination, fairness)",
]

# Section 5.2: the support-ticket question's expected components.
GUIDE_DESIGN_PROMPT = (
    "Design an end-to-end ML system that classifies incoming support tickets into categories "
    "in real time."
)
GUIDE_DESIGN_COMPONENTS = [
    "Data ingestion: streaming or batch",
    "Preprocessing: tokenization, embeddings",
    "Model selection: transformer finetune or classical ML baseline",
    "Deployment: REST API / model serving platform",
    "Response time",
    "Accuracy drift",
    "Input distribution",
    "Retraining strategy: scheduled + event-based",
    "Fallback: rule-based or heuristic when model confidence < threshold",
    "Safety: PII detection, data masking",
]

# Section 5.1: what the design interview evaluates.
GUIDE_DESIGN_EVALUATES = [
    "Ability to design end-to-end ML systems",
    "Scalability (batch vs real-time)",
    "Data ingestion + validation",
    "Feature stores",
    "Model deployment strategies",
    "Monitoring (drift, quality, latency)",
    "Retraining triggers",
    "Human-in-the-loop workflows",
    "Security and privacy considerations",
]

# Section 6: the recruiter's questions, what to look for, and the red flag.
GUIDE_PRESCREEN = {
    "production_system": "Tell me about an ML system you helped deploy into production.",
    "incident": "What was your biggest production incident?",
    "leakage_prevention": "How do you prevent data leakage?",
    "monitoring": "How do you monitor ML systems?",
}
GUIDE_PRESCREEN_POINTS = {
    "incident": ["Root-cause", "Debugging", "Metrics"],
    "monitoring": ["Drift", "Model decay", "Pipeline health"],
}
GUIDE_PRESCREEN_RED_FLAG = ("production_system", "only talks about Jupyter notebooks")

# Section 3.2: the coding exercises, discussed in the coding stage.
GUIDE_CODING_POINTS = {
    "data_cleaning": [
        "Detects missing values",
        "Reports % missing per column",
        "Imputes missing numerical values with median",
    ],
    "inference_pipeline": [
        "Load model",
        "Preprocess input text",
        "Run inference",
        "Return output with confidence",
    ],
    "debug_classifier": ["Data leakage", "Incorrect train-test split", "Wrong evaluation metric"],
}

# Section 7: the panel plan.
GUIDE_PANEL = [
    ("Recruiter Screen", 20, 30, "Recruiter", "Basic fit, communication"),
    ("Coding Assessment", 60, 75, "Senior ML Eng", "Python + DS/Algo + debugging"),
    ("ML Knowledge", 45, 60, "Data Scientist/ML Eng", "Core ML concepts"),
    ("ML System Design", 60, 90, "Principal ML Eng", "Architecture & scalability"),
    ("Culture/Collaboration", 30, 30, "Hiring Manager", "Ownership & teamwork"),
]

# Section 1.1: the four profiles.
GUIDE_PROFILES = [
    "ML Engineer",
    "ML Research Engineer",
    "Data Scientist (ML-focused)",
    "MLOps Engineer",
]


def test_guide_ml_questions_carry_exactly_the_guides_points(bank):
    for question_id, (prompt, phrases) in GUIDE_ML_QUESTIONS.items():
        question = bank.question(question_id)
        assert question.stage == "ml_knowledge"
        assert question.prompt == prompt
        assert _missing(phrases, _point_texts(bank, question_id)) == [], question_id
        assert len(question.points) == len(phrases), question_id


def test_every_guide_topic_has_a_question_with_points(bank):
    topics = {q.topic.lower() for q in bank.stage("ml_knowledge").questions if q.points}
    assert [t for t in GUIDE_TOPICS if t.lower() not in topics] == []


def test_support_ticket_design_question_has_the_guides_components(bank):
    question = bank.question("support_tickets")
    assert question.stage == "system_design"
    assert question.prompt == GUIDE_DESIGN_PROMPT
    assert _missing(GUIDE_DESIGN_COMPONENTS, _point_texts(bank, "support_tickets")) == []


def test_design_stage_lists_the_guides_evaluation_points(bank):
    assesses = [a.lower() for a in bank.stage("system_design").assesses]
    assert _missing(GUIDE_DESIGN_EVALUATES, assesses) == []


def test_design_stage_has_more_questions_of_the_same_depth(bank):
    reference = bank.question("support_tickets")
    others = [q for q in bank.stage("system_design").questions if q.id != reference.id]
    assert len(others) >= 2
    for question in others:
        assert len(question.points) >= len(reference.points) - 3, question.id
        assert question.red_flags, question.id


def test_prescreen_has_the_guides_questions_signals_and_red_flag(bank):
    prompts = {q.id: q.prompt for q in bank.stage("recruiter").questions}
    assert prompts == GUIDE_PRESCREEN
    for question_id, phrases in GUIDE_PRESCREEN_POINTS.items():
        assert _missing(phrases, _point_texts(bank, question_id)) == [], question_id
    question_id, flag = GUIDE_PRESCREEN_RED_FLAG
    assert _missing([flag], _flag_texts(bank, question_id)) == []


def test_coding_stage_discusses_the_three_exercises(bank):
    for question_id, phrases in GUIDE_CODING_POINTS.items():
        assert bank.question(question_id).stage == "coding"
        assert _missing(phrases, _point_texts(bank, question_id)) == [], question_id


def test_every_question_has_points_and_two_follow_ups(bank):
    for question in bank.questions:
        assert question.points, question.id
        assert len(question.followups) >= 2, question.id


def test_panel_plan_follows_the_guide(bank):
    got = [
        (s.name, s.min_minutes, s.max_minutes, s.interviewer_role, s.evaluates) for s in bank.stages
    ]
    assert got == GUIDE_PANEL


def test_profiles_are_the_guides_four(bank):
    assert [p.name for p in bank.profiles] == GUIDE_PROFILES
    for profile in bank.profiles:
        assert profile.description and profile.core_stages
        planned = [q for s in profile.stages for q in bank.planned_questions(profile.id, s)]
        assert {q.stage for q in planned} == set(profile.stages)


def test_culture_stage_has_questions_and_its_own_rubric(bank):
    culture = bank.stage("culture")
    assert len(culture.questions) >= 3
    rubric = bank.rubric_for("culture")
    assert len(rubric.categories) >= 3 and rubric.note


# --- rubrics ----------------------------------------------------------------------------

GUIDE_CODING_RUBRIC = {
    "Code correctness": [
        "Doesn’t run", "Partially correct", "Correct", "Correct + handles edge cases"
    ],
    "Code clarity": ["Messy", "Improves readability", "Clean", "Clean + idiomatic"],
    "Python proficiency": ["Basic", "Intermediate", "Strong", "Expert-level"],
    "Problem solving": ["Unstructured", "Slow reasoning", "Clear approach", "Efficient + creative"],
    "ML awareness": ["None", "Minimal", "Good", "Deep understanding reflected in choices"],
}

GUIDE_DESIGN_RUBRIC = {
    "Architecture completeness": [
        "Fragmented", "Basic flow", "Mostly complete", "End-to-end w/ robust components"
    ],
    "Data pipeline awareness": ["None", "Partial", "Solid", "Handles drift, validation, lineage"],
    "Observability": ["Missing", "Minimal metrics", "Good monitoring", "Full suite + alerting"],
    "Safety & privacy": ["Missed", "Acknowledged", "Solid", "Formalized + risk-mitigation steps"],
}


def _descriptors(rubric) -> dict[str, list[str]]:
    return {c.name: [lvl.descriptor for lvl in c.levels] for c in rubric.categories}


def _same_text(a: str, b: str) -> bool:
    return a.replace("’", "'").lower() == b.replace("’", "'").lower()


def test_coding_rubric_is_the_guides(bank):
    rubric = bank.rubric_for("coding")
    got = _descriptors(rubric)
    assert list(got) == list(GUIDE_CODING_RUBRIC)
    for name, levels in GUIDE_CODING_RUBRIC.items():
        assert all(_same_text(a, b) for a, b in zip(got[name], levels, strict=True)), name
    labels = [lvl.label for lvl in rubric.categories[0].levels]
    assert labels == ["Poor", "Okay", "Strong", "Excellent"]
    assert (rubric.max_total, rubric.pass_at) == (20, 12)


def test_design_rubric_adds_scalability_to_reach_twenty(bank):
    rubric = bank.rubric_for("system_design")
    got = _descriptors(rubric)
    for name, levels in GUIDE_DESIGN_RUBRIC.items():
        assert got[name] == levels, name
    assert list(got)[-1] == "Scalability & deployment"
    assert (len(rubric.categories), rubric.max_total, rubric.pass_at) == (5, 20, 14)
    assert "Scalability & deployment" in rubric.note and "20" in rubric.note
    scalability = " ".join(got["Scalability & deployment"]).lower()
    assert "batch vs real-time" in scalability and "rollout" in scalability


def test_every_rubric_scores_levels_one_to_four_with_ordered_thresholds(bank):
    for rubric in bank.rubrics:
        for category in rubric.categories:
            assert [lvl.score for lvl in category.levels] == [1, 2, 3, 4]
        marks = [rubric.min_total, rubric.weak_below, rubric.pass_at, rubric.strong_at]
        assert marks == sorted(marks) and rubric.strong_at <= rubric.max_total


def test_ids_are_stable_and_prefixed_by_their_question(bank):
    for question in bank.questions:
        for item in (*question.points, *question.red_flags, *question.followups):
            assert item.id.startswith(question.id + ".")
            assert item.question == question.id
    assert bank.point("degradation.data_drift").text == "Look for data drift"


# --- validation -------------------------------------------------------------------------


@pytest.fixture
def bank_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "bank"
    shutil.copytree(BANK_DIR, folder)
    return folder


def _edit(folder: Path, name: str, change) -> None:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _load_error(folder: Path) -> str:
    with pytest.raises(BankError) as err:
        load_bank(folder)
    return str(err.value)


def test_copy_of_the_bank_loads_like_the_original(bank_copy, bank):
    assert load_bank(bank_copy) == bank


def test_adding_a_question_is_yaml_only(bank_copy):
    (bank_copy / "extra.yaml").write_text(
        "stage: culture\n"
        "questions:\n"
        "  - id: mentoring\n"
        "    prompt: Tell me about someone you mentored.\n"
        "    points: {growth: They grew}\n"
        "    followups: {how: 'How?', result: 'What changed?'}\n",
        encoding="utf-8",
    )
    loaded = load_bank(bank_copy)
    assert loaded.question("mentoring").stage == "culture"
    assert loaded.point("mentoring.growth").text == "They grew"


def test_duplicate_question_id_names_both_files(bank_copy):
    (bank_copy / "extra.yaml").write_text(
        "stage: culture\nquestions:\n  - id: degradation\n    prompt: p\n"
        "    points: {a: A}\n    followups: {b: B, c: C}\n",
        encoding="utf-8",
    )
    message = _load_error(bank_copy)
    assert "degradation" in message and "extra.yaml" in message and "ml_knowledge.yaml" in message


def test_duplicate_yaml_key_is_refused(bank_copy):
    path = bank_copy / "culture.yaml"
    text = path.read_text(encoding="utf-8")
    doubled = text.replace("      proactive:", "      past_handoff: again\n      proactive:", 1)
    path.write_text(doubled, encoding="utf-8")
    message = _load_error(bank_copy)
    assert "culture.yaml" in message and "past_handoff" in message


def test_stage_with_unknown_rubric(bank_copy):
    _edit(bank_copy, "panel.yaml", lambda d: d["stages"][1].update(rubric="nope"))
    message = _load_error(bank_copy)
    assert "panel.yaml" in message and "'coding'" in message and "nope" in message


def test_the_coding_stage_shows_the_autograded_scores_and_no_other(bank):
    assert [s.id for s in bank.stages if s.shows_autograded_scores] == ["coding"]


def test_showing_the_autograded_scores_is_a_stage_field_off_by_default(bank_copy):
    def change(data):
        del data["stages"][1]["shows_autograded_scores"]
        data["stages"][2]["shows_autograded_scores"] = True

    _edit(bank_copy, "panel.yaml", change)
    loaded = load_bank(bank_copy)
    assert [s.id for s in loaded.stages if s.shows_autograded_scores] == ["ml_knowledge"]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_shows_autograded_scores_must_be_true_or_false(bank_copy, value):
    _edit(bank_copy, "panel.yaml", lambda d: d["stages"][1].update(shows_autograded_scores=value))
    message = _load_error(bank_copy)
    assert "panel.yaml" in message and "'coding'" in message
    assert f"shows_autograded_scores must be true or false, got {value!r}" in message


def test_questions_of_unknown_stage(bank_copy):
    _edit(bank_copy, "culture.yaml", lambda d: d.update(stage="teamwork"))
    message = _load_error(bank_copy)
    assert "teamwork" in message


def test_profile_with_unknown_question(bank_copy):
    _edit(bank_copy, "profiles.yaml", lambda d: d["profiles"][0]["questions"].append("ghost"))
    message = _load_error(bank_copy)
    assert "profiles.yaml" in message and "ml_engineer" in message and "ghost" in message


def test_profile_core_stage_outside_its_panel(bank_copy):
    def change(data):
        data["profiles"][0]["stages"] = ["recruiter", "coding"]
        data["profiles"][0]["questions"] = []

    _edit(bank_copy, "profiles.yaml", change)
    message = _load_error(bank_copy)
    assert "ml_engineer" in message and "core stage" in message


@pytest.mark.parametrize(
    "levels", [{1: "a", 2: "b", 3: "c"}, {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}]
)
def test_rubric_levels_must_be_one_to_four(bank_copy, levels):
    def change(data):
        data["rubrics"][0]["categories"][2]["levels"] = levels

    _edit(bank_copy, "rubrics.yaml", change)
    message = _load_error(bank_copy)
    assert "rubrics.yaml" in message and "'python'" in message and "levels" in message


def test_rubric_thresholds_must_be_ordered(bank_copy):
    _edit(bank_copy, "rubrics.yaml", lambda d: d["rubrics"][1].update(pass_at=21))
    message = _load_error(bank_copy)
    assert "system_design" in message and "pass_at" in message


def test_unknown_key_is_refused(bank_copy):
    _edit(bank_copy, "ml_knowledge.yaml", lambda d: d["questions"][0].update(answer="x"))
    message = _load_error(bank_copy)
    assert "ml_knowledge.yaml" in message and "'degradation'" in message and "answer" in message


def test_bad_point_id_is_refused(bank_copy):
    def change(data):
        data["questions"][0]["points"]["Bad-Id"] = "x"

    _edit(bank_copy, "prescreen.yaml", change)
    message = _load_error(bank_copy)
    assert "prescreen.yaml" in message and "Bad-Id" in message


def test_unknown_section_is_refused(bank_copy):
    (bank_copy / "stray.yaml").write_text("questions: []\n", encoding="utf-8")
    assert "stray.yaml" in _load_error(bank_copy)


def test_empty_folder_is_refused(tmp_path):
    assert str(tmp_path) in _load_error(tmp_path)


# --- interview settings (interview.yaml) ------------------------------------------------


def test_interview_settings_ship_off_with_the_greenhouse_mapping(bank):
    from mlscreen.bank import ATS_RECOMMENDATIONS, VERDICT_NAMES
    from mlscreen.interview.verdicts import Verdict

    assert bank.settings.anonymous is False
    assert bank.settings.ats.levels == {1: "definitely_not", 2: "no", 3: "yes", 4: "strong_yes"}
    assert list(bank.settings.ats.verdicts.values()) == list(ATS_RECOMMENDATIONS)
    assert set(VERDICT_NAMES) == {str(v) for v in Verdict} - {"not scored"}


def test_anonymous_mode_is_one_line_of_yaml(bank_copy):
    _edit(bank_copy, "interview.yaml", lambda d: d["interview"].update(anonymous=True))
    assert load_bank(bank_copy).settings.anonymous is True


def test_a_bank_without_interview_settings_uses_the_defaults(bank_copy, bank):
    (bank_copy / "interview.yaml").unlink()
    assert load_bank(bank_copy).settings == bank.settings


def test_a_bare_yes_in_the_ats_mapping_is_refused(bank_copy):
    text = (bank_copy / "interview.yaml").read_text().replace('3: "yes"', "3: yes")
    (bank_copy / "interview.yaml").write_text(text)
    message = _load_error(bank_copy)
    assert "interview.yaml" in message and "levels 3 must be non-empty text, got True" in message


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["interview"]["ats"]["levels"].update({4: "great"}), "level 4 maps to 'great'"),
        (lambda d: d["interview"]["ats"]["verdicts"].update(fail="mixed"),
         "verdict 'fail' maps to 'mixed'"),
        (lambda d: d["interview"]["ats"]["verdicts"].pop("pass"), "verdicts must map exactly"),
        (lambda d: d["interview"].update(anonymous="yes"), "anonymous must be true or false"),
        (lambda d: d["interview"].update(blind=False), "unknown keys ['blind']"),
    ],
)
def test_interview_settings_are_validated(bank_copy, change, expected):
    _edit(bank_copy, "interview.yaml", change)
    assert expected in _load_error(bank_copy)


def test_interview_settings_live_in_one_file(bank_copy):
    (bank_copy / "more.yaml").write_text("interview: {anonymous: true}\n")
    assert "also in interview.yaml" in _load_error(bank_copy)

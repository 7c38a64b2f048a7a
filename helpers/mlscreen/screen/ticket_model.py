"""The shipped support-ticket classifier: trained by the build from the generated corpus."""

from __future__ import annotations

from pathlib import Path

import joblib
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline

from ..checking.generators import TicketTexts


def train_ticket_classifier(corpus: TicketTexts) -> Pipeline:
    """A TF-IDF + logistic regression pipeline fitted on the corpus's normalised texts."""
    model = Pipeline(
        [
            # the token pattern keeps the placeholders <url>, <email> and <num> whole
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), min_df=2, token_pattern=r"<\w+>|\b\w+\b")),
            ("clf", LogisticRegression(C=0.5, max_iter=2000)),
        ]
    )
    return model.fit(corpus.normalised, corpus.labels)


def save_model(model: Pipeline, path: Path) -> Path:
    """Write the model with joblib (what the candidate's `joblib.load(MODEL_PATH)` reads)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, path)
    return path

"""Seeded generators for the coding screen's data: the notebooks' files and the checker's fresh cases.

Every generator returns the raw material a candidate sees together with the truth it was built
from (built by construction, never by re-implementing an answer), so a hidden test can grade on
data no candidate has seen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

# -- messy customer CSV (data_cleaning) -------------------------------------------------------

MISSING_MARKERS = ("", " ", "NA", "N/A", "?", "-", "unknown", "Unknown", "UNKNOWN", "uNKnown")

_CITIES = ("Lisbon", "New York", "Austin", "São Paulo", "Berlin", "Nairobi", "Osaka", "Toronto")
_PLANS = ("basic", "pro", "enterprise", "pro-annual")
_CHANNELS = ("web", "mobile app", "partner", "sales call", "e-mail campaign")


@dataclass(frozen=True)
class MessyTable:
    """A raw CSV text with missing-value markers, and the frame it stands for."""

    csv_text: str
    truth: pd.DataFrame
    numeric_columns: tuple[str, ...]
    text_columns: tuple[str, ...]


def _markers(rng: np.random.Generator):
    """Missing-value markers, cycling through every kind, each padded with 0-2 spaces a side."""
    while True:
        for marker in rng.permutation(MISSING_MARKERS):
            pad_left, pad_right = " " * rng.integers(0, 3), " " * rng.integers(0, 3)
            yield f"{pad_left}{marker}{pad_right}"


def _format_number(value: float, decimals: int) -> str:
    return str(int(value)) if decimals == 0 else f"{value:.{decimals}f}".rstrip("0").rstrip(".")


def messy_customers(seed: int = 7, n_rows: int = 400) -> MessyTable:
    """Customer records with every missing-value marker of the contract, padded with spaces."""
    rng = np.random.default_rng(seed)
    numeric = {
        "customer_id": (np.arange(1000, 1000 + n_rows), 0, 0.0),
        "age": (rng.integers(18, 80, n_rows), 0, 0.08),
        "monthly_spend": (np.round(rng.gamma(2.0, 40.0, n_rows), 2), 2, 0.12),
        "balance": (np.round(rng.normal(0, 150, n_rows), 1), 1, 0.05),
        "tenure_months": (rng.integers(0, 120, n_rows), 0, 0.0),
        "satisfaction": (np.round(rng.uniform(1, 5, n_rows), 1), 1, 0.2),
    }
    text = {
        "city": (_CITIES, 0.1),
        "plan": (_PLANS, 0.06),
        "signup_channel": (_CHANNELS, 0.15),
    }
    markers = _markers(rng)
    raw: dict[str, list[str]] = {}
    truth: dict[str, list[object]] = {}
    for name, (values, decimals, missing_rate) in numeric.items():
        missing = rng.random(n_rows) < missing_rate
        raw[name] = [next(markers) if m else _format_number(v, decimals) for v, m in zip(values, missing)]
        truth[name] = [np.nan if m else float(_format_number(v, decimals)) for v, m in zip(values, missing)]
    for name, (choices, missing_rate) in text.items():
        picks = [choices[i] for i in rng.integers(len(choices), size=n_rows)]
        missing = rng.random(n_rows) < missing_rate
        pads = rng.integers(0, 3, size=(n_rows, 2))
        raw[name] = [
            next(markers) if m else f"{' ' * int(a)}{v}{' ' * int(b)}"
            for v, m, (a, b) in zip(picks, missing, pads)
        ]
        truth[name] = [None if m else v for v, m in zip(picks, missing)]
    order = ["customer_id", "age", "city", "plan", "monthly_spend", "balance",
             "signup_channel", "tenure_months", "satisfaction"]
    lines = [",".join(order)]
    lines += [",".join(raw[col][i] for col in order) for i in range(n_rows)]
    frame = pd.DataFrame({col: truth[col] for col in order})
    for col in numeric:
        frame[col] = frame[col].astype("float64")
    frame = frame.astype({col: object for col in text})
    return MessyTable(
        csv_text="\n".join(lines) + "\n",
        truth=frame,
        numeric_columns=tuple(c for c in order if c in numeric),
        text_columns=tuple(c for c in order if c in text),
    )


# -- support tickets (inference_pipeline) -----------------------------------------------------

TICKET_CATEGORIES = ("billing", "technical", "account", "shipping", "feedback")

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "billing": (
        "I was charged {num} times for invoice {num} please refund the duplicate payment",
        "Why does my bill show an extra fee of {num} dollars this month",
        "The refund for order {num} never reached my card see {url}",
        "Please send a corrected invoice to {email} the tax amount is wrong",
        "My subscription renewed at the wrong price can you adjust the charge",
    ),
    "technical": (
        "The app crashes with error {num} when I open the dashboard",
        "Login page shows a blank screen on version {num} see screenshot {url}",
        "Sync fails with timeout after {num} seconds every time",
        "The export button does nothing in the browser the console says error {num}",
        "Notifications stopped working after the update to build {num}",
    ),
    "account": (
        "Please reset my password I no longer have access to {email}",
        "How do I change the e-mail on my account to {email}",
        "I want to delete my account and all my data",
        "Two factor code never arrives for user {num}",
        "Please merge my two profiles the old one is {email}",
    ),
    "shipping": (
        "My package {num} has not arrived after {num} days",
        "Tracking link {url} says delivered but nothing came",
        "Can I change the delivery address for order {num}",
        "The parcel arrived damaged the box was crushed",
        "Shipping to my country takes {num} weeks is there express delivery",
    ),
    "feedback": (
        "Love the new design the dashboard is much faster now",
        "It would be great to have a dark mode in the app",
        "Your support agent was very helpful thanks a lot",
        "Suggestion add an export to spreadsheet option see {url}",
        "The onboarding guide was confusing I rated it {num} out of {num}",
    ),
}

_SLOT_KINDS = ("url", "email", "num")


@dataclass(frozen=True)
class TicketTexts:
    """Raw ticket texts, the same texts normalised by the contract's rules, and their labels."""

    raw: list[str]
    normalised: list[str]
    labels: list[str]


def _url(rng: np.random.Generator) -> str:
    host = ["shop.example.com", "help.Example.org", "status.acme.io", "cdn.files.net"][rng.integers(4)]
    scheme = ["https://", "http://", "HTTPS://"][rng.integers(3)] if rng.random() < 0.3 else "https://"
    path = f"/orders/{rng.integers(1, 99999)}?ref=A{rng.integers(0, 9)}" if rng.random() < 0.6 else "/faq"
    return f"{scheme}{host}{path}"


def _email(rng: np.random.Generator) -> str:
    local = ["jane.doe", "Bob_Smith", "ops+tickets", "kim-lee", "Max"][rng.integers(5)]
    digits = str(rng.integers(1, 999)) if rng.random() < 0.5 else ""
    domain = ["example.com", "Mail.co", "corp.io", "uni.edu"][rng.integers(4)]
    return f"{local}{digits}@{domain}"


def _num(rng: np.random.Generator) -> str:
    return str(rng.integers(0, 10 ** int(rng.integers(1, 6))))


def _casing(rng: np.random.Generator, word: str) -> str:
    roll = rng.random()
    if roll < 0.15:
        return word.upper()
    if roll < 0.45:
        return word.capitalize()
    return word


def _whitespace(rng: np.random.Generator) -> str:
    return [" ", " ", " ", "  ", "\t", "\n", " \n "][rng.integers(7)]


def tickets(
    seed: int = 11,
    n: int = 600,
    kinds: tuple[str, ...] = _SLOT_KINDS,
    digits_in_words: bool = True,
    ambiguity: float = 0.35,
) -> TicketTexts:
    """Support tickets filled from templates; slots of a kind not in `kinds` are dropped."""
    rng = np.random.default_rng(seed)
    raw, normalised, labels = [], [], []
    for _ in range(n):
        label = TICKET_CATEGORIES[rng.integers(len(TICKET_CATEGORIES))]
        templates = _TEMPLATES[label]
        words = templates[rng.integers(len(templates))].split()
        if rng.random() < ambiguity:
            # real tickets often touch two topics: the second half comes from another category
            other = _TEMPLATES[TICKET_CATEGORIES[rng.integers(len(TICKET_CATEGORIES))]]
            other_words = other[rng.integers(len(other))].split()
            words = words[: len(words) // 2 + 1] + other_words[len(other_words) // 2 :]
        raw_tokens, norm_tokens = [], []
        for word in words:
            slot = word[1:-1] if word.startswith("{") else None
            if slot is not None:
                if slot not in kinds:
                    continue
                value = {"url": _url, "email": _email, "num": _num}[slot](rng)
                raw_tokens.append(value)
                norm_tokens.append(f"<{slot}>")
            else:
                raw_tokens.append(_casing(rng, word))
                norm_tokens.append(word.lower())
        if digits_in_words and "num" in kinds and rng.random() < 0.2:
            code = f"{['Win', 'iOS', 'v', 'E'][rng.integers(4)]}{rng.integers(1, 99)}"
            raw_tokens.append(code)
            norm_tokens.append(code.lower().rstrip("0123456789") + "<num>")
        text = _whitespace(rng).join(raw_tokens)
        if rng.random() < 0.3:
            text = f"{_whitespace(rng)}{text}{_whitespace(rng)}"
        raw.append(text)
        normalised.append(" ".join(norm_tokens))
        labels.append(label)
    return TicketTexts(raw=raw, normalised=normalised, labels=labels)


# -- imbalanced churn table (debug_classifier) ------------------------------------------------

CHURN_TARGET = "churned"


def churn(seed: int = 3, n_rows: int = 1200, n_noise: int = 40) -> pd.DataFrame:
    """An imbalanced binary table (about 8% positives), numeric features, some missing values.

    A few features carry a weak signal; many are noise, so feature selection fitted on every
    row (including the test rows) really does inflate the score a leaky experiment reports.
    """
    rng = np.random.default_rng(seed)
    signal = {
        "support_calls_90d": rng.poisson(1.5, n_rows).astype(float),
        "tenure_months": rng.integers(1, 96, n_rows).astype(float),
        "monthly_spend": np.round(rng.gamma(2.0, 35.0, n_rows), 2),
        "days_since_login": rng.exponential(12, n_rows).round(1),
        "failed_payments": rng.poisson(0.3, n_rows).astype(float),
    }
    logit = (
        -4.2
        + 0.9 * (signal["support_calls_90d"] - 1.5)
        - 0.05 * (signal["tenure_months"] - 48)
        + 0.09 * (signal["days_since_login"] - 12)
        + 1.6 * signal["failed_payments"]
        + rng.normal(0, 0.5, n_rows)
    )
    target = (rng.random(n_rows) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame(signal)
    for i in range(n_noise):
        frame[f"usage_metric_{i:02d}"] = rng.normal(0, 1, n_rows).round(3)
    for col in ("monthly_spend", "days_since_login", "usage_metric_03", "usage_metric_17"):
        frame.loc[rng.random(n_rows) < 0.07, col] = np.nan
    frame[CHURN_TARGET] = target
    return frame

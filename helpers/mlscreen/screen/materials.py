"""Write the coding screen's data files and model beside the source notebooks."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..checking import generators as data
from .ticket_model import save_model, train_ticket_classifier

# path inside the assignment folder -> what it is (the notebooks' constants use these paths)
CUSTOMERS_CSV = "data/customers_raw.csv"
TICKETS_CSV = "data/tickets.csv"
CHURN_CSV = "data/churn.csv"
TICKET_MODEL = "model/ticket_classifier.joblib"
MATERIALS = (CUSTOMERS_CSV, TICKETS_CSV, CHURN_CSV, TICKET_MODEL)


def write_materials(folder: Path) -> list[Path]:
    """Generate every data file and the ticket model into `folder` (deterministic)."""
    paths = [folder / name for name in MATERIALS]
    for path in paths:
        path.parent.mkdir(parents=True, exist_ok=True)
    paths[0].write_text(data.messy_customers().csv_text, encoding="utf-8")
    corpus = data.tickets()
    pd.DataFrame({"text": corpus.raw, "category": corpus.labels}).to_csv(paths[1], index=False)
    data.churn().to_csv(paths[2], index=False)
    save_model(train_ticket_classifier(corpus), paths[3])
    return paths

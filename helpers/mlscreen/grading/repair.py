"""What a grading worker fixes in its own copy of a submission before nbgrader reads it.

Two things make nbgrader 0.9.6 fail a whole candidate for a harmless edit: a graded cell
pasted twice (its DeduplicateIds empties the first copy's metadata and `add_missing_cells`
then raises `KeyError: 'grade_id'`), and nbgrader metadata of another schema version (it
aborts). The copy is fixed and the summary says so; `submitted/` is never changed.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from ..course.cells import grade_id


def _release_schema(release_notebook: Path) -> int | None:
    nb = nbformat.read(release_notebook, as_version=4)
    versions = {cell.metadata["nbgrader"].get("schema_version") for cell in nb.cells
                if "nbgrader" in cell.metadata}
    versions.discard(None)
    return versions.pop() if len(versions) == 1 else None


def repair_notebook(path: Path, release_notebook: Path) -> list[str]:
    """Fix `path` in place (a worker's copy); return a note per kind of fix (none: [])."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:  # noqa: BLE001 - unreadable notebooks are the precheck's to report
        return []
    schema = _release_schema(release_notebook) if release_notebook.exists() else None
    seen: set[str] = set()
    duplicates: list[str] = []
    normalised = 0
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if not isinstance(meta, dict):
            continue
        gid = grade_id(cell)
        if gid is not None and gid in seen:  # a later copy: an ordinary cell from now on
            duplicates.append(gid)
            del cell.metadata["nbgrader"]
            continue
        if gid is not None:
            seen.add(gid)
        if schema is not None and meta.get("schema_version", schema) != schema:
            meta["schema_version"] = schema
            normalised += 1
    notes = []
    if duplicates:
        listed = ", ".join(sorted(set(duplicates))[:4])
        notes.append(f"{path.name}: graded cells pasted more than once ({listed}); the first copy "
                     "of each is graded, the others are ordinary cells")
    if normalised:
        notes.append(f"{path.name}: nbgrader metadata of another schema version in {normalised} "
                     f"cell(s); read as version {schema}, the release's")
    if notes:
        path.write_text(nbformat.writes(nb), encoding="utf-8")
    return notes

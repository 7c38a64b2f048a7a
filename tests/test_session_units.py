"""The live session's pieces without a server: workspace, submit, identities, file API, jail."""

from __future__ import annotations

import json
import os
import shutil
import stat
import tempfile
import threading
from pathlib import Path

import pytest
from tornado import web

from mlscreen.course import Course
from mlscreen.sandbox.jail import chown_tree, open_jail
from mlscreen.sandbox.policy import Protections, detect
from mlscreen.session.contents import WorkspaceContentsManager
from mlscreen.session.identity import (
    CANDIDATE,
    INTERVIEWER,
    SUBMIT_RESOURCE,
    SessionAuthorizer,
    SessionIdentityProvider,
)
from mlscreen.session.records import SessionPaths, sessions_root
from mlscreen.session.submit import submit_workspace
from mlscreen.session.workspace import (
    SESSION_FILE,
    check_outside,
    planned_minutes,
    prepare_workspace,
    session_text,
    write_session_file,
)

ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="needs root (another user's rights)")
NOBODY = 65534


@pytest.fixture
def released(tmp_path) -> Course:
    """A course whose release holds one notebook and one data file."""
    course = Course(tmp_path / "course")
    (course.release / "data").mkdir(parents=True)
    (course.release / "one.ipynb").write_text('{"cells": []}', encoding="utf-8")
    (course.release / "data" / "table.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return course


@pytest.fixture
def paths(tmp_path) -> SessionPaths:
    paths = SessionPaths.of("cand-01", tmp_path / "sessions")
    paths.state.mkdir(parents=True)
    return paths


def test_a_workspace_is_made_once_and_resumed_untouched(released, paths):
    assert prepare_workspace(released, paths.workspace)
    answer = paths.workspace / "one.ipynb"
    answer.write_text("the candidate's own work", encoding="utf-8")
    (released.release / "two.ipynb").write_text("{}", encoding="utf-8")
    assert not prepare_workspace(released, paths.workspace)
    assert answer.read_text(encoding="utf-8") == "the candidate's own work"
    assert not (paths.workspace / "two.ipynb").exists()
    assert (paths.workspace / "data" / "table.csv").is_file()
    assert stat.S_IMODE(paths.workspace.stat().st_mode) == 0o700


def test_no_release_no_workspace(tmp_path, paths):
    with pytest.raises(FileNotFoundError, match="mlscreen build"):
        prepare_workspace(Course(tmp_path / "empty"), paths.workspace)
    assert not paths.workspace.exists()


def test_sessions_never_live_inside_the_course(released, tmp_path, monkeypatch):
    for inside in (released.root / "sessions", released.root, tmp_path):
        with pytest.raises(ValueError, match="outside the course"):
            check_outside(released, inside)
    check_outside(released, tmp_path / "elsewhere")
    monkeypatch.setenv("MLSCREEN_SESSIONS", str(tmp_path / "chosen"))
    assert sessions_root() == (tmp_path / "chosen").resolve()


def test_the_session_file_states_the_plan_from_the_panel_data():
    low, high = planned_minutes()
    assert (low, high) == (60, 75)  # bank/panel.yaml: the coding stage
    text = session_text(candidate_name="Ada", minutes=(low, high), started=0.0,
                        page_url="http://127.0.0.1:1/mlscreen/session?token=x")
    assert "Planned time: 60-75 minutes" in text and "session page" in text


def test_the_session_file_never_replaces_what_is_not_a_plain_file(paths):
    paths.workspace.mkdir()
    assert write_session_file(paths.workspace, "plan")
    assert (paths.workspace / SESSION_FILE).read_text() == "plan"
    (paths.workspace / SESSION_FILE).unlink()
    (paths.workspace / SESSION_FILE).symlink_to("/etc/hostname")
    assert not write_session_file(paths.workspace, "plan")
    assert (paths.workspace / SESSION_FILE).is_symlink()


def test_a_submit_copies_plain_files_and_keeps_every_earlier_submission(released, paths, monkeypatch):
    prepare_workspace(released, paths.workspace)
    write_session_file(paths.workspace, "plan")
    (paths.workspace / "leak.ipynb").symlink_to(released.release / "one.ipynb")
    os.mkfifo(paths.workspace / "pipe")
    (paths.workspace / ".ipynb_checkpoints").mkdir()
    first = submit_workspace(course=released, candidate="cand-01", sessions=paths.folder.parent,
                             now=1_700_000_000.0)
    folder = released.submitted("cand-01")
    assert first.folder == folder and first.archived is None
    assert sorted(p.name for p in folder.iterdir()) == ["data", "one.ipynb", "timestamp.txt"]
    assert (folder / "timestamp.txt").read_text() == "2023-11-14 22:13:20.000000 UTC"
    assert sorted(first.skipped) == ["leak.ipynb (a link or special file)",
                                     "pipe (a link or special file)"]

    (paths.workspace / "one.ipynb").write_text("second try", encoding="utf-8")
    second = submit_workspace(course=released, candidate="cand-01", sessions=paths.folder.parent,
                              now=1_700_000_600.0)
    third = submit_workspace(course=released, candidate="cand-01", sessions=paths.folder.parent,
                             now=1_700_000_900.0)
    assert second.archived == folder.with_name("coding.20231114T221320")
    assert (second.archived / "one.ipynb").read_text() == '{"cells": []}'  # kept as it was
    assert third.archived == folder.with_name("coding.20231114T222320")
    assert (third.archived / "one.ipynb").read_text() == "second try"
    assert (folder / "one.ipynb").read_text() == "second try"
    assert released.submitted_students() == ["cand-01"]  # archives are not candidates
    history = [json.loads(line) for line in paths.submissions.read_text().splitlines()]
    assert [h["at"] for h in history] == [1_700_000_000.0, 1_700_000_600.0, 1_700_000_900.0]


def test_no_workspace_no_submit(released, paths):
    with pytest.raises(FileNotFoundError, match="mlscreen lab cand-01"):
        submit_workspace(course=released, candidate="cand-01", sessions=paths.folder.parent)


def _user(provider: SessionIdentityProvider, token: str):
    return provider._user_for(token)


def test_each_token_names_its_own_user_and_nothing_else_does():
    provider = SessionIdentityProvider(candidate_token="c" * 20, interviewer_token="i" * 20,
                                       candidate_name="Ada Lovelace", interviewer_name="Bob")
    candidate, interviewer = _user(provider, "c" * 20), _user(provider, "i" * 20)
    assert (candidate.username, candidate.display_name, candidate.initials) == (CANDIDATE, "Ada Lovelace", "AL")
    assert (interviewer.username, interviewer.display_name) == (INTERVIEWER, "Bob")
    assert _user(provider, "") is None and _user(provider, "c" * 19) is None
    assert provider.token and _user(provider, provider.token) is None  # the server's names nobody
    assert provider.updatable_fields == ["color"]  # nobody renames themselves


def test_the_candidate_may_not_stop_configure_or_submit_and_nobody_gets_a_terminal():
    authorizer = SessionAuthorizer()
    provider = SessionIdentityProvider(candidate_token="c" * 20, interviewer_token="i" * 20)
    candidate, interviewer = _user(provider, "c" * 20), _user(provider, "i" * 20)
    for action, resource in (("write", "server"), ("write", SUBMIT_RESOURCE), ("write", "config"),
                             ("execute", "terminals"), ("read", "lsp"), ("read", "nbconvert")):
        assert not authorizer.is_authorized(None, candidate, action, resource), resource
    for action, resource in (("read", "contents"), ("write", "contents"), ("execute", "kernels"),
                             ("read", "config")):
        assert authorizer.is_authorized(None, candidate, action, resource), resource
    assert authorizer.is_authorized(None, interviewer, "write", SUBMIT_RESOURCE)
    assert not authorizer.is_authorized(None, interviewer, "execute", "terminals")


@pytest.fixture
def workspace():
    """A workspace under a traversable folder, owned by `nobody` (as during a session)."""
    base = Path(tempfile.mkdtemp(prefix="mlscreen-ws-test-", dir="/tmp"))
    os.chmod(base, 0o755)
    folder = base / "workspace"
    folder.mkdir()
    (folder / "answer.ipynb").write_text(json.dumps({
        "cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}), encoding="utf-8")
    secret = base / "secret.txt"
    secret.write_text("solutions", encoding="utf-8")
    os.chmod(secret, 0o600)
    if os.geteuid() == 0:
        chown_tree(folder, NOBODY, NOBODY)
    yield folder
    shutil.rmtree(base)


def test_the_file_api_follows_no_link_and_opens_no_fifo(workspace):
    manager = WorkspaceContentsManager(root_dir=str(workspace))
    (workspace / "leak.txt").symlink_to(workspace.parent / "secret.txt")
    (workspace / "up").symlink_to(workspace.parent)
    os.mkfifo(workspace / "pipe")
    listed = {entry["name"] for entry in manager.get("")["content"]}
    assert listed == {"answer.ipynb"}
    for path in ("leak.txt", "up/secret.txt", "pipe", "../secret.txt"):
        with pytest.raises(web.HTTPError) as refused:
            manager.get(path)
        assert refused.value.status_code == 404, path
    with pytest.raises(web.HTTPError):
        manager.save({"type": "file", "format": "text", "content": "x"}, "leak.txt")
    assert (workspace.parent / "secret.txt").read_text() == "solutions"


@ROOT_ONLY
def test_the_file_api_has_the_workspace_owners_rights_not_the_graders(workspace):
    manager = WorkspaceContentsManager(root_dir=str(workspace))
    planted = workspace / "grader-only.txt"
    planted.write_text("not for the candidate", encoding="utf-8")
    os.chmod(planted, 0o600)  # root's file: root could read it, the workspace's owner cannot
    with pytest.raises(web.HTTPError) as refused:
        manager.get("grader-only.txt")
    assert refused.value.status_code == 403
    manager.save({"type": "file", "format": "text", "content": "new"}, "notes.txt")
    assert (workspace / "notes.txt").stat().st_uid == NOBODY
    result: list = []
    thread = threading.Thread(target=lambda: result.append(open(planted).read()))
    thread.start()
    thread.join()
    assert result == ["not for the candidate"]  # other threads keep the grader's rights


def test_a_jail_can_work_in_a_workspace_in_place(workspace):
    protections = Protections(enabled=True, namespaces=True, own_user=False, limits=True)
    with pytest.raises(ValueError):
        with open_jail(protections=protections, files_from=workspace, workdir=workspace):
            pass
    (workspace / "sub").mkdir()
    with open_jail(protections=protections, workdir=workspace) as jail:
        assert jail.workdir == workspace
        argv = jail.command(["python"], cwd=workspace / "sub")
        triples = list(zip(argv, argv[1:], argv[2:]))
        assert ("--bind", str(workspace), str(workspace)) in triples  # read-write, at its own path
        assert argv[argv.index("--chdir") + 1] == str(workspace / "sub")
        assert jail.start_folder(workspace.parent) == workspace  # outside: the workspace
    assert (workspace / "answer.ipynb").exists()  # nothing of the workspace is removed


@ROOT_ONLY
def test_a_jail_with_its_own_user_hands_the_workspace_over_and_back(workspace):
    protections = detect()
    if not protections.own_user:
        pytest.skip(protections.why_no_user)
    chown_tree(workspace, 0, 0)
    with open_jail(protections=protections, workdir=workspace) as jail:
        assert jail.user is not None
        assert (workspace / "answer.ipynb").stat().st_uid == jail.user.uid
    assert (workspace / "answer.ipynb").stat().st_uid == 0
    assert workspace.stat().st_uid == 0

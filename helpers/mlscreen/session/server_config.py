"""The Jupyter configuration of a session's server: what it serves, to whom, and what it leaves out.

Written into the session's own config folder (grader-only, so the tokens never appear on a
command line another user could read). Every server extension found on this machine is
switched off except JupyterLab, collaboration and this kit's session extension: nbgrader's
(its validate handler would run the candidate's notebook outside the sandbox), Voilà's (the
same, as a dashboard), terminals, language servers and Notebook 7's pages. Lab's extension
manager cannot install anything, and the Lab plugins that would call the missing handlers are
disabled, so neither person meets a broken menu.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from jupyter_core.paths import jupyter_config_path
from jupyter_server.extension.config import ExtensionConfigManager

from .records import SESSIONS_ENV, SessionPaths, SessionRecord

SERVER_EXTENSIONS = ("jupyterlab", "jupyter_server_ydoc", "jupyter_server_fileid",
                     "mlscreen.session.extension")
DISABLED_LAB_EXTENSIONS = ("@jupyter/nbgrader", "@voila-dashboards/jupyterlab-preview",
                           "@jupyter-notebook/lab-extension", "@jupyterlab/extensionmanager-extension",
                           "@jupyterlab/terminal-extension", "@jupyterlab/lsp-extension")
_JUPYTER_VARIABLES = ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR",
                      "JUPYTERLAB_SETTINGS_DIR", "JUPYTERLAB_WORKSPACES_DIR", "IPYTHONDIR")


def server_extensions() -> dict[str, bool]:
    """Every server extension this machine's Jupyter would load, each on only if allowed."""
    found = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
    wanted = dict.fromkeys(found, False)
    wanted.update(dict.fromkeys(SERVER_EXTENSIONS, True))
    return wanted


def jupyter_folders(paths: SessionPaths) -> dict[str, str]:
    """The server's own Jupyter folders, in the session's state (none of the grader's)."""
    return {name: str(paths.jupyter / name.lower()) for name in _JUPYTER_VARIABLES}


def server_environment(paths: SessionPaths) -> dict[str, str]:
    """The server's environment: the grader's, less Jupyter's own variables, plus the session's."""
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("JUPYTER", "JPY_", "IPYTHON")) and key != "MLSCREEN_ROOT"}
    env.update(jupyter_folders(paths))
    env["PYTHONUNBUFFERED"] = "1"
    env[SESSIONS_ENV] = str(paths.folder.parent)  # where `mlscreen submit` finds it
    return env


def server_config(*, paths: SessionPaths, record: SessionRecord, course_root: Path) -> dict:
    """The whole configuration, as `jupyter_server_config.json` in the session's config folder."""
    state = paths.state
    grader_env = {key: value for key, value in os.environ.items()
                  if key.startswith(("JUPYTER", "IPYTHON")) and key not in ("JUPYTER_TOKEN",)}
    return {
        "ServerApp": {
            "ip": record.ip, "port": record.port, "port_retries": 0, "open_browser": False,
            "root_dir": str(paths.workspace), "allow_root": os.geteuid() == 0,
            "allow_remote_access": record.ip not in ("127.0.0.1", "localhost", "::1"),
            "terminals_enabled": False,
            "jpserver_extensions": server_extensions(),
            "contents_manager_class": "mlscreen.session.contents.WorkspaceContentsManager",
            "identity_provider_class": "mlscreen.session.identity.SessionIdentityProvider",
            "authorizer_class": "mlscreen.session.identity.SessionAuthorizer",
            "shutdown_no_activity_timeout": 0,
        },
        "SessionIdentityProvider": {
            "candidate_token": record.candidate_token, "interviewer_token": record.interviewer_token,
            "candidate_name": record.candidate_name, "interviewer_name": record.interviewer_name,
        },
        "AsyncMappingKernelManager": {
            "kernel_manager_class": "mlscreen.sandbox.live.LiveKernelManager",
        },
        "KernelSpecManager": {"allowed_kernelspecs": ["python3"]},
        "FileContentsManager": {"delete_to_trash": False, "allow_hidden": False},
        "LabApp": {
            "news_url": None, "check_for_updates_class": "jupyterlab.NeverCheckForUpdate",
            "extension_manager": "readonly",
        },
        "SQLiteYStore": {"db_path": str(state / "collaboration.db")},
        "SessionExtension": {
            "candidate": record.candidate, "candidate_name": record.candidate_name,
            "course": str(course_root), "state": str(state), "first_started": record.first_started,
            "planned_min": record.planned_minutes[0], "planned_max": record.planned_minutes[1],
            "submit_env": grader_env,
        },
    }


def write_server_files(*, paths: SessionPaths, record: SessionRecord, course_root: Path) -> None:
    """The config file, Lab's page config (disabled plugins) and Lab's settings for both users."""
    folders = {k: Path(v) for k, v in jupyter_folders(paths).items()}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
        os.chmod(folder, 0o700)
    config = folders["JUPYTER_CONFIG_DIR"]
    _write(config / "jupyter_server_config.json",
           server_config(paths=paths, record=record, course_root=course_root))
    _write(config / "labconfig" / "page_config.json",
           {"disabledExtensions": dict.fromkeys(DISABLED_LAB_EXTENSIONS, True)})
    settings = folders["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab"
    _write(settings / "apputils-extension" / "notification.jupyterlab-settings",
           {"fetchNews": "false", "checkForUpdates": False})
    _write(settings / "docmanager-extension" / "plugin.jupyterlab-settings",
           {"defaultViewers": {"markdown": "Markdown Preview"}})


def _write(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=1)

"""Live candidate sessions: JupyterLab holding only one candidate's workspace, shared with the
interviewer, the candidate's kernels jailed, submitted into the course in one step.

`launch.start_session` prepares the workspace (a copy of `release/coding/`, outside the course
directory, resumed on a rerun) and starts the session's Jupyter server; `launch.stop_session`
and `launch.list_sessions` manage the sessions side by side; `submit.submit_workspace` copies
a workspace into `submitted/<candidate>/coding/` (earlier submissions archived beside). The
server side lives in `extension` (the session's page and the interviewer's submit action),
`identity` (two tokens, two names; what the candidate may not do) and `contents` (the file
API limited to the workspace, with the kernel user's rights).
"""

from .launch import list_sessions, start_session, stop_session
from .records import SessionRecord, sessions_root
from .submit import submit_workspace

__all__ = ["SessionRecord", "list_sessions", "sessions_root", "start_session", "stop_session",
           "submit_workspace"]

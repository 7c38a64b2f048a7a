"""Who is who in a session's server: two tokens, two names; what the candidate may not do.

`SessionIdentityProvider` turns the candidate's token and the interviewer's token into two
fixed users, so collaborators see each other by name (not as "Anonymous ..."), and neither
can take the other's name (only a colour may change). `SessionAuthorizer` refuses terminals,
language servers and nbconvert's exporters to everyone, and to the candidate: stopping the
server, writing server config, and the submit action.
"""

from __future__ import annotations

import hmac
import secrets

from jupyter_server.auth import Authorizer, IdentityProvider, User
from traitlets import Unicode, default

CANDIDATE = "candidate"
INTERVIEWER = "interviewer"
SUBMIT_RESOURCE = "mlscreen-submit"
# nbconvert: exporters run as the grader on the candidate's notebook (PDF through LaTeX could
# \input any file the grader can read); the notebook itself downloads as it is
_NOBODY = {"terminals", "lsp", "nbconvert"}
_NOT_THE_CANDIDATE = {"server", SUBMIT_RESOURCE}
_COLOURS = {CANDIDATE: "#1f77b4", INTERVIEWER: "#d62728"}


def _initials(name: str) -> str:
    parts = [p for p in name.replace("-", " ").replace("_", " ").split() if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


class SessionIdentityProvider(IdentityProvider):
    """The candidate's and the interviewer's tokens, each naming its own user."""

    candidate_token = Unicode(config=True, help="token of the candidate's URL")
    interviewer_token = Unicode(config=True, help="token of the interviewer's URL")
    candidate_name = Unicode("Candidate", config=True)
    interviewer_name = Unicode("Interviewer", config=True)

    @default("token")
    def _token_default(self) -> str:
        # jupyter_server wants a server token, and JupyterLab puts it into every page it serves
        # (page config): so it is one that names nobody, and the session extension blanks it
        # in the page config too; a page then authenticates with its user's cookie
        return secrets.token_urlsafe(32)

    def _user_for(self, token: str) -> User | None:
        for username, expected, name in ((CANDIDATE, self.candidate_token, self.candidate_name),
                                         (INTERVIEWER, self.interviewer_token, self.interviewer_name)):
            if expected and token and hmac.compare_digest(token.encode(), expected.encode()):
                return User(username=username, name=name, display_name=name,
                            initials=_initials(name), color=_COLOURS[username])
        return None

    async def get_user_token(self, handler) -> User | None:  # type: ignore[override]
        """The user whose token the request carries (a cookie of the other one does not count)."""
        return self._user_for(self.get_token(handler) or "")

    def get_user_cookie(self, handler):  # type: ignore[override]
        """The user of a login cookie, only if it names one of the two users as configured."""
        user = super().get_user_cookie(handler)
        if user is None or isinstance(user, User) is False:
            return user
        expected = {CANDIDATE: self.candidate_name, INTERVIEWER: self.interviewer_name}
        if expected.get(user.username) != user.name:
            return None
        return user

    def process_login_form(self, handler) -> User | None:  # type: ignore[override]
        return self._user_for(handler.get_argument("password", default=""))


class SessionAuthorizer(Authorizer):
    """No terminals, language servers or exporters for anyone; the candidate cannot stop or submit."""

    def is_authorized(self, handler, user: User, action: str, resource: str) -> bool:
        if resource in _NOBODY:
            return False
        if user.username == INTERVIEWER:
            return True
        if user.username != CANDIDATE:
            return False
        if resource in _NOT_THE_CANDIDATE:
            return False
        return not (resource == "config" and action == "write")


def is_interviewer(user: object) -> bool:
    return getattr(user, "username", None) == INTERVIEWER

"""How alike two answers are: AST-normalised tokens compared by greedy string tiling.

Why not `copydetect` (the well-kept MOSS-style library): it fingerprints characters of a
Pygments token stream in which every name, attribute and string becomes one letter, so
`df.isna().mean()` and `df.notna().sum()` read alike and a copied regular expression reads like
any other string. Answers to this screen are short and say the same things with different APIs.
Measured with copydetect 0.5 on the pairs below (its defaults: 25-character k-grams, window 6,
the stub as boilerplate): independent answers reached 0.84 (`build_pipeline`), while disguised
copies of `preprocess` scored as low as 0.00 (each of its lines is `V = re.sub(S, S, V)` to it).
Here the normalisation keeps what carries style and removes what a copier changes for free:

- comments, blank lines, layout and docstrings are dropped (tokens, not text);
- every name the snippet binds itself (variables, arguments, helpers) becomes `V`, so renaming
  hides nothing; names it does not bind (pandas' methods, attributes, builtins, the notebook's
  constants, the contract's answer and method names) are kept;
- `import pandas as pd` makes `pd` read `pandas`; string literals are compared by value (either
  quote style) in 4-character pieces, so a long copied pattern weighs as much as its length.

The two token lists are compared by greedy string tiling (as JPlag does): the longest common
runs of at least `MIN_RUN` tokens are marked one to one, longest first, so inserted lines,
reordered functions and reused idioms neither hide a copy nor inflate independent code. The
stub every candidate is given is tiled away first. The share reported is the part of the
shorter answer found in the other.

Measured on the sample bank (`tests/test_similarity.py` prints it): the four independent correct
answers per notebook (`samples/<notebook>/correct_*.yaml`) and the reference solution, compared
pairwise for every answer name (90 pairs). Where at least `MIN_SHARED` tokens match (8 pairs,
of `load_data` and `TicketClassifier`), the highest share is 0.69 (`TicketClassifier`, a sample
and the reference). Copies of each of them, renamed, laid out again, re-quoted, re-commented
and with a statement inserted in every function, score 0.90 or more. Below `MIN_SHARED` tokens
independent answers do converge on the same code: the contract spells out `split_data`,
`run_experiment` and most of `evaluate`: a correct `split_data` and `run_experiment` are the
reference's token for token (1.00 of 38 and of 34 tokens). So a pair is flagged when at least
`MIN_SHARED` tokens match AND the share is at least `THRESHOLD`; a shorter answer is never
flagged. A copied reference notebook still shows in its
longer answers: of the nine reference answers, `load_data`, `impute_median`, `preprocess`,
`TicketClassifier` and `evaluate` are flagged when copied.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import tokenize
from dataclasses import dataclass

MIN_RUN = 6  # tokens: a shorter common run is an idiom, not evidence
MIN_SHARED = 70  # tokens matched before a pair can be flagged
THRESHOLD = 0.80  # share of the shorter answer found in the other
STRING_PIECE = 4  # characters of a string literal per token

_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.ENCODING, tokenize.ENDMARKER}
_WORD = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Tokens:
    """A snippet as normalised tokens, each with the source line it came from (1-based)."""

    texts: tuple[str, ...]
    lines: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.texts)


@dataclass(frozen=True)
class Match:
    """How much of two snippets is the same code: tokens matched, the share of the shorter
    snippet they make up, and the source lines of each snippet they cover."""

    shared: int
    share: float
    lines_a: frozenset[int]
    lines_b: frozenset[int]

    @property
    def flagged(self) -> bool:
        return self.shared >= MIN_SHARED and self.share >= THRESHOLD


def _bindings(tree: ast.AST) -> tuple[set[str], dict[str, str], set[int]]:
    """Names the snippet binds, import aliases -> module names, and the lines of docstrings."""
    bound: set[str] = set()
    aliases: dict[str, str] = {}
    docstrings: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bound.add(node.name)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            aliases.update({a.asname: a.name for a in node.names if a.asname})
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) \
                    and isinstance(first.value.value, str):
                docstrings.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return bound, aliases, docstrings


def _string_pieces(text: str) -> list[str]:
    try:
        value = ast.literal_eval(text)
        text = repr(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        pass  # an f-string: compared as written
    return [text[i:i + STRING_PIECE] for i in range(0, max(len(text), 1), STRING_PIECE)]


def normalise(code: str, keep: frozenset[str] = frozenset()) -> Tokens:
    """`code` as normalised tokens (see the module docstring); `keep` are names never renamed
    (the contract's answer, class and method names). Code that does not parse is compared by its
    words, with no renaming."""
    try:
        tree = ast.parse(code)
        raw = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (SyntaxError, tokenize.TokenError, IndentationError, ValueError, RecursionError):
        words = [(m.group(), code.count("\n", 0, m.start()) + 1) for m in _WORD.finditer(code)]
        return Tokens(tuple(w for w, _ in words), tuple(n for _, n in words))
    bound, aliases, docstrings = _bindings(tree)
    rename = bound - set(keep) - {"self", "cls"}
    texts: list[str] = []
    lines: list[int] = []
    previous = ""
    for token in raw:
        line = token.start[0]
        if token.type in _SKIPPED or (token.type == tokenize.STRING and line in docstrings):
            continue
        if token.type == tokenize.STRING:
            pieces = _string_pieces(token.string)
        elif token.type == tokenize.NAME and previous != "." and not keyword.iskeyword(token.string):
            name = token.string
            pieces = [aliases.get(name, "V" if name in rename else name)]
        elif token.type == tokenize.INDENT:
            pieces = ["<indent>"]
        elif token.type == tokenize.DEDENT:
            pieces = ["<dedent>"]
        else:
            pieces = [token.string]
        texts += pieces
        lines += [line] * len(pieces)
        previous = token.string
    return Tokens(tuple(texts), tuple(lines))


def _tiles(a: tuple[str, ...], b: tuple[str, ...], min_run: int) -> list[tuple[int, int, int]]:
    """Greedy string tiling: (start in a, start in b, length) of one-to-one common runs."""
    if len(a) < min_run or len(b) < min_run:
        return []
    used_a, used_b = [False] * len(a), [False] * len(b)
    starts: dict[tuple[str, ...], list[int]] = {}
    for j in range(len(b) - min_run + 1):
        starts.setdefault(b[j:j + min_run], []).append(j)
    tiles = []
    while True:
        best, found = min_run - 1, []
        for i in range(len(a) - min_run + 1):
            if used_a[i]:
                continue
            for j in starts.get(a[i:i + min_run], ()):
                n = 0
                while (i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]
                       and not used_a[i + n] and not used_b[j + n]):
                    n += 1
                if n > best:
                    best, found = n, [(i, j, n)]
                elif n == best and n >= min_run:
                    found.append((i, j, n))
        if not found:
            return tiles
        for i, j, n in found:
            if any(used_a[i:i + n]) or any(used_b[j:j + n]):
                continue
            used_a[i:i + n] = [True] * n
            used_b[j:j + n] = [True] * n
            tiles.append((i, j, n))


def without_stub(tokens: Tokens, stub: Tokens) -> Tokens:
    """`tokens` less the runs (3 tokens or more) it shares with the stub every candidate gets."""
    drop = {k for i, _, n in _tiles(tokens.texts, stub.texts, 3) for k in range(i, i + n)}
    keep = [k for k in range(len(tokens)) if k not in drop]
    return Tokens(tuple(tokens.texts[k] for k in keep), tuple(tokens.lines[k] for k in keep))


def could_match(a: Tokens, b: Tokens) -> bool:
    """A cheap first look: whether enough runs of `MIN_RUN` tokens are common to reach a flag."""
    if min(len(a), len(b)) < MIN_SHARED:
        return False
    grams_a = {a.texts[i:i + MIN_RUN] for i in range(len(a) - MIN_RUN + 1)}
    common = sum(1 for i in range(len(b) - MIN_RUN + 1) if b.texts[i:i + MIN_RUN] in grams_a)
    return common * MIN_RUN >= MIN_SHARED


def compare(a: Tokens, b: Tokens) -> Match:
    """How much of `a` and `b` is the same code (both already without their stub)."""
    tiles = _tiles(a.texts, b.texts, MIN_RUN)
    shared = sum(n for _, _, n in tiles)
    shorter = min(len(a), len(b))
    return Match(
        shared=shared,
        share=shared / shorter if shorter else 0.0,
        lines_a=frozenset(a.lines[k] for i, _, n in tiles for k in range(i, i + n)),
        lines_b=frozenset(b.lines[k] for _, j, n in tiles for k in range(j, j + n)),
    )

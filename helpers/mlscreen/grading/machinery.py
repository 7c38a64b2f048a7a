"""Answer code that reaches for the test machinery instead of answering: stack frames, the
garbage collector, raw memory, patched modules or builtins, the kernel's own shell, files outside
the candidate's folder, the kit's or nbgrader's own packages, a kernel told to stop.

Read from the code's syntax tree (nothing is run). A hit is a reason for a person to look, never
proof: the grading sandbox and the hidden tests already make these attempts fail, and a flag
never changes a score.
"""

from __future__ import annotations

import ast
import re

# module (or its first part) -> why importing it is worth a look
_MODULES = {
    "inspect": "inspects stack frames",
    "gc": "walks the garbage collector's objects",
    "ctypes": "reaches raw memory (ctypes)",
    "cffi": "reaches raw memory (cffi)",
    "__main__": "reaches into __main__, where the tests run",
    "builtins": "reaches the builtins the tests use",
    "mlscreen": "imports the kit's own package",
    "nbgrader": "imports nbgrader",
    "nbformat": "reads notebooks (nbformat)",
    "nbclient": "runs notebooks (nbclient)",
    "jupyter_client": "talks to Jupyter kernels",
    "IPython": "reaches the kernel's shell (IPython)",
    "signal": "changes signal handling (the time limit)",
    "atexit": "runs code at kernel exit",
    "subprocess": "starts processes",
    "multiprocessing": "starts processes",
    "importlib": "reloads or swaps modules",
    "threading": "starts threads (they run on after a call has returned)",
    "unittest.mock": "patches objects (unittest.mock)",
}
# dotted call or attribute -> why
_CALLS = {
    "sys._getframe": "inspects stack frames (sys._getframe)",
    "sys._current_frames": "inspects stack frames",
    "sys.settrace": "traces execution (sys.settrace)",
    "sys.setprofile": "traces execution (sys.setprofile)",
    "sys.exit": "stops the kernel (sys.exit)",
    "os._exit": "kills the kernel (os._exit)",
    "os.kill": "sends signals to processes",
    "os.killpg": "sends signals to processes",
    "os.fork": "starts processes",
    "os.system": "runs shell commands",
    "os.chdir": "changes the working folder",
    "os.path.expanduser": "reads the home folder",
    "Path.home": "reads the home folder",
    "traceback.extract_stack": "inspects stack frames",
    "traceback.walk_stack": "inspects stack frames",
}
# names the notebook's own read-only cells may have imported
_USUAL_IMPORTS = {"np": "numpy", "pd": "pandas", "numpy": "numpy", "pandas": "pandas", "sys": "sys",
                  "os": "os", "sklearn": "sklearn", "joblib": "joblib", "warnings": "warnings", "re": "re",
                  "math": "math", "json": "json"}
_FRAME_ATTRIBUTES = {"f_back", "f_globals", "f_locals", "f_builtins", "tb_frame", "gi_frame", "cr_frame",
                     "__globals__", "__closure__", "__code__", "__subclasses__"}
_SHELL_NAMES = {"get_ipython", "__builtins__"}
_SECRET_TEXT = re.compile(r"gradebook|autograded|submitted/|source/coding|\.ipynb\b|nbgrader_config|\.mlscreen\b")
_OUTSIDE = re.compile(r"^(?:/[\w.~-]+|~|\.\.)(?:/|$)|(?:^|/)\.\.(?:/|$)")


def _dotted(node: ast.AST) -> str:
    """`a.b.c` for an attribute chain on a name, '' otherwise."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        return ".".join([node.id, *reversed(parts)])
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):  # Path.home() etc.
        return ".".join([node.func.id + "()", *reversed(parts)])
    return ""


class _Scan(ast.NodeVisitor):
    def __init__(self) -> None:
        self.hits: list[tuple[int, str, str]] = []  # line, what it does, on what
        self.modules = dict(_USUAL_IMPORTS)  # local name -> imported module

    def _hit(self, node: ast.AST, why: str, detail: str = "") -> None:
        self.hits.append((getattr(node, "lineno", 0), why, detail))

    def _module_reason(self, module: str) -> str | None:
        for name, why in _MODULES.items():
            if module == name or module.startswith(name + "."):
                return why
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.modules[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]
            if why := self._module_reason(alias.name):
                self._hit(node, why)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        for alias in node.names:
            full = f"{module}.{alias.name}"
            if why := self._module_reason(module) or self._module_reason(full) or _CALLS.get(full):
                self._hit(node, why)
            self.modules[alias.asname or alias.name] = full

    def _resolve(self, dotted: str) -> str:
        head, _, rest = dotted.partition(".")
        module = self.modules.get(head)
        return f"{module}.{rest}" if module and rest else (module or dotted)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if node.attr in _FRAME_ATTRIBUTES:
            self._hit(node, "reads interpreter internals", node.attr)
        full = self._resolve(_dotted(node)).replace("()", "")
        if why := next((why for call, why in _CALLS.items() if full == call or full.endswith("." + call)), None):
            self._hit(node, why)
        if full.startswith("sys.modules"):
            self._hit(node, "reaches into sys.modules")
        self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in _SHELL_NAMES:
            self._hit(node, "reaches the kernel's shell or builtins", node.id)
        self.generic_visit(node)

    def _patched(self, target: ast.AST) -> None:
        """An assignment or deletion of an attribute of an imported module (or of `globals()`)."""
        if isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._patched(element)
            return
        if isinstance(target, ast.Subscript):
            base = target.value
            if isinstance(base, ast.Call) and isinstance(base.func, ast.Name) and base.func.id == "globals":
                self._hit(target, "rewrites the notebook's namespace through globals()")
            return
        if isinstance(target, ast.Attribute):
            root = target
            while isinstance(root, ast.Attribute):
                root = root.value
            name = self._resolve(_dotted(target))
            if isinstance(root, ast.Name) and root.id in self.modules and ".options." not in name:
                self._hit(target, "patches modules", name)

    def visit_Assign(self, node: ast.Assign) -> None:
        for target in node.targets:
            self._patched(target)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self._patched(node.target)
        self.generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            self._patched(target)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        func = self._resolve(_dotted(node.func))
        target = _dotted(node.args[0]) if node.args else ""
        if func in ("setattr", "delattr") and target.split(".")[0] in self.modules:
            self._hit(node, "patches modules", f"{func} on {self._resolve(target)}")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str):
            text = node.value.strip()
            if re.fullmatch(r"(mlscreen|nbgrader)(\.\w+)*", text):
                self._hit(node, "names the kit's own package or nbgrader's", repr(text[:40]))
            elif _SECRET_TEXT.search(text):
                self._hit(node, "names grading files", repr(text[:40]))
            elif _OUTSIDE.search(text) and "\n" not in text and " " not in text:
                self._hit(node, "names paths outside its folder", repr(text[:40]))


def machinery_uses(code: str) -> list[str]:
    """Why `code` looks like it reaches for the test machinery, one reason a line ([] if nothing).

    Code that does not parse is searched for the same names as text."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError, RecursionError):
        names = sorted({m for m in ("sys._getframe", "inspect", "gc.", "ctypes", "__main__", "builtins",
                                    "mlscreen", "get_ipython", "os._exit") if m in code})
        return [f"does not parse, and names {', '.join(names)}"] if names else []
    scan = _Scan()
    scan.visit(tree)
    found: dict[str, tuple[list[int], list[str]]] = {}
    for line, why, detail in scan.hits:
        lines, details = found.setdefault(why, ([], []))
        lines.append(line)
        if detail and detail not in details:
            details.append(detail)
    return [f"{why}{_listed(details)} (line {', '.join(str(n) for n in sorted(set(lines))[:3])}"
            f"{'...' if len(set(lines)) > 3 else ''})" for why, (lines, details) in found.items()]


def _listed(details: list[str]) -> str:
    if not details:
        return ""
    return ": " + ", ".join(details[:3]) + (f" and {len(details) - 3} more" if len(details) > 3 else "")

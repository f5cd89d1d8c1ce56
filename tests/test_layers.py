"""The layers' import rules, read from the source with `ast` (lazy imports inside functions included):

- the UI (evaluator/ui/, app.py) goes through the application layer: of the evaluator's own modules it
  imports only evaluator.application, evaluator.model (types and pure functions), evaluator.errors and
  evaluator.i18n (the messages in the active language), so
  nothing from ingest, report, store, scoring, pipeline (nor loading or output_files);
- the pure core (evaluator/model/, evaluator/scoring/) imports no reader, renderer, store, UI, pipeline,
  application or output writer, nor streamlit, jinja2, weasyprint, openpyxl or sqlalchemy;
- the store knows nothing of the UI or the application layer;
- only the UI imports streamlit.
"""

import ast
from collections.abc import Callable
from pathlib import Path

from conftest import ROOT

UI_MAY_IMPORT = ("evaluator.application", "evaluator.model", "evaluator.errors", "evaluator.i18n", "evaluator.ui")
CORE_FORBIDDEN = ("evaluator.ingest", "evaluator.report", "evaluator.store", "evaluator.ui", "evaluator.pipeline",
                  "evaluator.application", "evaluator.output_files", "evaluator.loading",
                  "streamlit", "jinja2", "weasyprint", "openpyxl", "sqlalchemy")
STORE_FORBIDDEN = ("evaluator.ui", "evaluator.application")


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, root: Path) -> list[tuple[int, list[str]]]:
    """(line, modules) for every import statement anywhere in the file, top level or inside a function:
    `import A` gives A; `from A import b` gives A and A.b (b may be a submodule); a relative import is
    resolved against the file's package."""
    module = module_name(path, root)
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, [alias.name]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - (node.level - 1)] + ([base] if base else []))
            found.append((node.lineno, [base] + [f"{base}.{alias.name}" for alias in node.names if alias.name != "*"]))
    return sorted(found)


def under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def outside_the_ui_layer(name: str) -> bool:
    """One of the evaluator's modules the UI may not import (the package's dunders, e.g. __version__, it may)."""
    parts = name.split(".")
    return parts[0] == "evaluator" and len(parts) > 1 and not parts[1].startswith("__") and \
        not under(name, UI_MAY_IMPORT)


def rules_for(relative: str) -> list[tuple[str, Callable[[str], bool]]]:
    """(rule, whether a module breaks it) for the file at `relative` (a POSIX path from the repository)."""
    ui = relative == "app.py" or relative.startswith("evaluator/ui/")
    rules = [("the UI goes through evaluator.application", outside_the_ui_layer) if ui else
             ("only evaluator/ui and app.py import streamlit", lambda name: under(name, ("streamlit",)))]
    if relative.startswith(("evaluator/model/", "evaluator/scoring/")):
        rules.append(("the core stays pure", lambda name: under(name, CORE_FORBIDDEN)))
    if relative.startswith("evaluator/store/"):
        rules.append(("the store knows no UI or application layer", lambda name: under(name, STORE_FORBIDDEN)))
    return rules


def offending_imports(root: Path = ROOT) -> list[str]:
    """One readable line per import statement that breaks a rule: file:line, the module, the rule."""
    offences = []
    for path in sorted((root / "evaluator").rglob("*.py")) + [root / "app.py"]:
        relative = path.relative_to(root).as_posix()
        rules = rules_for(relative)
        for line, names in imported(path, root):
            for rule, breaks in rules:
                name = next((name for name in names if breaks(name)), None)
                if name is not None:
                    offences.append(f"{relative}:{line} imports {name} ({rule})")
    return offences


def test_every_module_keeps_to_its_layer():
    offences = offending_imports()
    assert not offences, "imports across the layers' boundaries:\n  " + "\n  ".join(offences)


def test_the_check_sees_every_kind_of_import(tmp_path):
    """Top-level, lazy (inside a function), `from`, submodule and relative imports are all caught; model
    types, evaluator.errors, evaluator.application and the package's version are the UI's to import."""
    ui = tmp_path / "evaluator" / "ui"
    ui.mkdir(parents=True)
    (ui / "page.py").write_text(
        "import evaluator.report.charts\n"
        "from evaluator.store import Store\n"
        "from evaluator import pipeline\n"
        "from ..scoring import evaluate\n"
        "def later():\n"
        "    from evaluator.ingest.files import read_bids_for\n"
        "from evaluator.model.tender import Tender\n"
        "from evaluator.errors import StoreError\n"
        "from evaluator.application import Desk\n"
        "import streamlit as st\n"
        "from evaluator import __version__, model\n"
        "from evaluator.loading import load_framework\n")
    core = tmp_path / "evaluator" / "model"
    core.mkdir()
    (core / "thing.py").write_text("def later():\n    import sqlalchemy\n    from . import tender\n"
                                   "    from .. import application\n")
    (tmp_path / "evaluator" / "store").mkdir()
    (tmp_path / "evaluator" / "store" / "__init__.py").write_text("from ..ui import common\nimport streamlit\n")
    (tmp_path / "app.py").write_text("import streamlit\nfrom evaluator.pipeline import Request\n")
    assert offending_imports(tmp_path) == [
        "evaluator/model/thing.py:2 imports sqlalchemy (the core stays pure)",
        "evaluator/model/thing.py:4 imports evaluator.application (the core stays pure)",
        "evaluator/store/__init__.py:1 imports evaluator.ui (the store knows no UI or application layer)",
        "evaluator/store/__init__.py:2 imports streamlit (only evaluator/ui and app.py import streamlit)",
        "evaluator/ui/page.py:1 imports evaluator.report.charts (the UI goes through evaluator.application)",
        "evaluator/ui/page.py:2 imports evaluator.store (the UI goes through evaluator.application)",
        "evaluator/ui/page.py:3 imports evaluator.pipeline (the UI goes through evaluator.application)",
        "evaluator/ui/page.py:4 imports evaluator.scoring (the UI goes through evaluator.application)",
        "evaluator/ui/page.py:6 imports evaluator.ingest.files (the UI goes through evaluator.application)",
        "evaluator/ui/page.py:12 imports evaluator.loading (the UI goes through evaluator.application)",
        "app.py:2 imports evaluator.pipeline (the UI goes through evaluator.application)",
    ]


IMPURE = {"environ", "getenv", "now", "today", "utcnow", "time", "open", "read_bytes", "read_text", "write_bytes",
          "write_text"}  # attribute or function names that read the environment, the clock or files


def test_the_pure_core_reads_no_file_environment_or_clock():
    found = []
    core = [*(ROOT / "evaluator" / "model").rglob("*.py"), *(ROOT / "evaluator" / "scoring").rglob("*.py")]
    for path in sorted(core):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
            if name in IMPURE:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}")
    assert found == [], "\n".join(found)


# -- tests mirror the package ------------------------------------------------------------------------------
TESTS = ROOT / "tests"
NOT_A_MODULE = {  # test modules about the whole rather than one module, each with its reason
    "test_app.py": "app.py, the Streamlit entry point outside evaluator/ (its language switch)",
    "test_layers.py": "the import rules and this mirror",
    "ui/test_e2e.py": "the app in a real browser, every page",
    "ui/test_office.py": "two app instances on one PostgreSQL behind nginx (deploy/nginx), in a real browser",
}


def test_the_tests_mirror_the_package():
    """tests/<package>/test_<module>[_<topic>].py for the modules of evaluator/<package>/ (a package's
    tests may cover it as a whole where it is small), tests/test_<module>.py for the top-level modules."""
    packages = sorted(path.name for path in (ROOT / "evaluator").iterdir()
                      if path.is_dir() and (path / "__init__.py").exists())
    top_level = sorted(path.stem.strip("_") for path in (ROOT / "evaluator").glob("*.py") if path.stem != "__init__")
    problems = [f"tests/{package}/ is missing" for package in packages
                if not list((TESTS / package).glob("test_*.py"))]
    problems += [f"tests/test_{module}.py is missing" for module in top_level
                 if not (TESTS / f"test_{module}.py").exists()]
    for test in sorted(TESTS.rglob("test_*.py")):
        relative = test.relative_to(TESTS).as_posix()
        if relative in NOT_A_MODULE:
            continue
        folder = test.parent.relative_to(TESTS)
        source = ROOT / "evaluator" / folder
        modules = {path.stem.strip("_") for path in source.glob("*.py")} | \
            {path.name for path in source.iterdir() if path.is_dir() and list(path.glob("*.py"))} \
            if source.is_dir() else set()
        if not any(test.stem == f"test_{module}" or test.stem.startswith(f"test_{module}_") for module in modules):
            package = f"evaluator/{folder.as_posix()}/" if folder.parts else "evaluator/"
            problems.append(f"tests/{relative} names no module of {package}")
    assert problems == [], "\n".join(problems)

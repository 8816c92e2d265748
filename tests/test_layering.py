"""One direction of dependencies (#16, STYLE.md 15).

From the bottom: the pure rules (the engine, the allocation, the guidance's
parameters), which import nothing of Django nor of the apps; the organisation
(`emulation`, `clusters`); `scoring`, which builds on it; `awards` on top. A
module may import its own layer and the layers below, never one above. The
test reads every module's imports (lazy ones inside functions too) with `ast`.

Nothing goes upwards: the last upward imports went when flags, quotas and
votes moved down to scoring and the organisation's pages that read the
scorecard moved up into it.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# The pure rules: plain Python over dataclasses, whatever package holds them.
PURE = {"scoring.engine", "scoring.regulation", "awards.allocation"}
LAYERS = {"emulation": 1, "clusters": 1, "scoring": 2, "awards": 3}

# The project's shell wires every app together: the URL configuration, the
# settings and the Celery app (which names the periodic tasks of every app).
SHELL = {"emulation.urls", "emulation.settings", "emulation.celery"}


def _modules() -> dict[str, Path]:
    found = {}
    for app in LAYERS:
        for path in (ROOT / app).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "migrations" in relative.parts:
                continue  # historical: frozen as they were written
            name = ".".join(relative.parts).removesuffix(".__init__")
            found[name] = path
    return found


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules `path` imports: `from scoring import engine` is
    scoring.engine, `from scoring.models import Score` is scoring.models."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                child = f"{node.module}.{alias.name}"
                names.add(child if child in modules else node.module)
    return names


def _layer(module: str) -> int | None:
    if module in PURE:
        return 0
    return LAYERS.get(module.split(".", 1)[0])


def _project_imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    return {
        name: {i for i in _imports(path, modules) if i in modules and i != name}
        for name, path in modules.items()
    }


def _upward(modules: dict[str, Path]) -> set[tuple[str, str]]:
    found = set()
    for name, targets in _project_imports(modules).items():
        if name in SHELL:
            continue
        own = _layer(name)
        for target in targets:
            if _layer(target) > own and not (own == 0 and target in PURE):
                found.add((name, target))
    return found


def test_no_app_imports_an_app_above_it():
    upward = _upward(_modules())
    assert not upward, "Nhập ngược tầng (tầng dưới nhập tầng trên):\n" + "\n".join(
        f"  {a} → {b}" for a, b in sorted(upward)
    )


def test_the_pure_rules_import_nothing_of_django_nor_of_the_apps():
    modules = _modules()
    for name in PURE:
        for imported in _imports(modules[name], modules):
            top = imported.split(".", 1)[0]
            assert top != "django", f"{name} nhập {imported}"
            if top in LAYERS:
                assert any(imported.startswith(p) for p in PURE), f"{name} nhập {imported}"


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The walk itself: a clusters module importing awards is caught."""
    modules = _modules()
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from awards.models import Quota\n", encoding="utf-8")
    modules["clusters.bad"] = bad
    assert ("clusters.bad", "awards.models") in _upward(modules)

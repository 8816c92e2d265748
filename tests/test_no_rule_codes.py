"""No rule code ("(R11)", "(R22, tối đa 30)") in what people read (issue 15):
the Vietnamese strings of the code and the templates' text. RULES.md's codes
stay in comments, docstrings and tests, which are for developers; the crawl
(tests/test_crawl.py) checks the pages as they are drawn."""

import io
import re
import tokenize
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ["clusters", "scoring", "awards", "emulation"]
RULE_CODE = re.compile(r"\(R\d+|R\d+\)")
COMMENT = re.compile(r"\{%\s*comment\s*%\}.*?\{%\s*endcomment\s*%\}|\{#.*?#\}", re.S)


def _vietnamese(text: str) -> bool:
    """A string people read: it has a Vietnamese letter (English ones are errors for developers)."""
    return any(ord(c) > 127 and unicodedata.category(c).startswith("L") for c in text)


def _coded_strings(path: Path) -> list[str]:
    found = []
    for token in tokenize.generate_tokens(io.StringIO(path.read_text()).readline):
        if token.type != tokenize.STRING:
            continue
        if token.string.lstrip("rbfuRBFU").startswith(('"""', "'''")):
            continue  # a docstring
        if _vietnamese(token.string) and RULE_CODE.search(token.string):
            found.append(f"{path.relative_to(ROOT)}:{token.start[0]}: {token.string}")
    return found


def test_no_message_of_the_code_names_a_rule():
    found = [
        line
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line in _coded_strings(path)
    ]
    assert found == [], "\n".join(found)


def test_no_template_shows_a_rule_code():
    found = []
    for path in sorted((ROOT / "templates").rglob("*")):
        if path.suffix not in (".html", ".txt"):
            continue
        text = COMMENT.sub("", path.read_text())
        found += [f"{path.relative_to(ROOT)}: {m.group()}" for m in RULE_CODE.finditer(text)]
    assert found == [], "\n".join(found)

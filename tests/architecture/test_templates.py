"""Templates keep the layers too: a domain's template loads tag libraries and includes or extends
templates only of its own domain, of the domains below it, or of the site's frame
(`quanzi/templates`: base.html and site-wide partials). Python imports are checked by
import-linter; a `{% load %}` or `{% include %}` is a dependency it cannot see.

The order is read from the layers contract in pyproject.toml, so the two checks never disagree.
Links (`{% url %}`) are navigation, not dependencies, and are not checked."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "quanzi"
SITE = "site"  # quanzi/templates: the frame every page extends

LOAD = re.compile(r"{%\s*load\s+([\w\s]+?)\s*%}")
INCLUDE = re.compile(r"{%\s*(?:include|extends)\s+[\"']([^\"']+)[\"']")


def test_templates_depend_only_on_their_domain_and_below():
    # given every template of the package, with the domain that owns it
    templates = [
        (str(path.relative_to(ROOT)), owner, path.read_text(encoding="utf-8"))
        for path, owner in sorted(template_files())
    ]
    # when their loads and includes are checked against the layers
    wrong = violations(templates)
    # then none reaches a domain above its own, or a sibling
    assert not wrong, "\n".join(wrong)


def test_an_upward_include_or_load_is_found():
    # given a catalog template that includes a referrals partial and loads a social library
    template = (
        "catalog/x.html",
        "catalog",
        '{% load i18n social_graph %}{% include "referrals/share.html" %}'
        '{% include "base.html" %}{% include "stores/console_base.html" %}',
    )
    # when it is checked
    wrong = violations([template])
    # then both upward uses are named, and the site frame and a lower domain are not
    assert len(wrong) == 2, wrong
    assert "social_graph" in wrong[0] and "referrals/share.html" in wrong[1]


def violations(templates: list[tuple[str, str, str]]) -> list[str]:
    """(name, owning domain, text) of templates → one line per use of an upper or sibling
    domain's tag library or template."""
    rank, libraries, owners = layer_ranks(), tag_libraries(), template_owners()
    wrong = []
    for name, owner, text in templates:
        used = [
            (libraries.get(lib), f"{{% load {lib} %}}")
            for match in LOAD.finditer(text)
            for lib in match.group(1).split()
        ]
        used += [(owners.get(t), f'{{% include "{t}" %}}') for t in INCLUDE.findall(text)]
        for target, what in used:
            if target is None or owner == SITE or target in (owner, SITE):
                continue
            if not rank[target] < rank[owner]:
                wrong.append(f"{name} ({owner}): {what} of {target}")
    return wrong


def layer_ranks() -> dict[str, int]:
    """Domain (e.g. "orders", "campaigns.groupbuy") → its layer, 0 at the bottom."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    ranks: dict[str, int] = {}
    for rank, layer in enumerate(reversed(contract["layers"])):
        for name in re.split(r"[|:]", layer):
            ranks[name.strip().strip("()")] = rank
    return ranks


def domain_of(path: Path) -> str:
    """The domain a file under quanzi/ belongs to: quanzi/<domain>/… or quanzi/campaigns/<app>/…"""
    parts = path.relative_to(PACKAGE).parts
    if parts[0] == "templates":
        return SITE
    return ".".join(parts[:2]) if parts[0] == "campaigns" else parts[0]


def template_files() -> list[tuple[Path, str]]:
    return [(path, domain_of(path)) for path in PACKAGE.rglob("templates/**/*.html")]


def template_owners() -> dict[str, str]:
    """Template name (as `{% include %}` names it) → the domain that owns it."""
    owners = {}
    for path, owner in template_files():
        parts = path.parts
        name = "/".join(parts[len(parts) - parts[::-1].index("templates") :])
        owners[name] = owner
    return owners


def tag_libraries() -> dict[str, str]:
    """Tag library name → the domain that defines it."""
    return {
        path.stem: domain_of(path)
        for path in PACKAGE.rglob("templatetags/*.py")
        if path.name != "__init__.py"
    }

"""The layers of docs/architecture.md hold: the import-linter contracts of pyproject.toml are
kept, and no two domains import each other, even through others (imports inside functions and
under TYPE_CHECKING count: grimp reads them all)."""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
# The campaign apps are domains of their own, each as quanzi.campaigns.<app>.
NESTED_DOMAINS = ("quanzi.campaigns",)

Graph = dict[str, set[str]]


def test_the_import_contracts_are_kept(capsys):
    # given the contracts of pyproject.toml, when import-linter checks the package
    status = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    # then every contract is kept
    report = capsys.readouterr().out
    assert status == 0, report


def test_no_domain_imports_a_domain_that_imports_it_back():
    # given every import of the package, seen as imports between domains
    graph = grimp.build_graph("quanzi", cache_dir=None)
    domains, examples = domain_graph(graph)
    # when the domains are searched for cycles
    cycles = [component for component in strongly_connected(domains) if len(component) > 1]
    # then there is none
    assert not cycles, "\n\n".join(describe(cycle, domains, examples) for cycle in cycles)


def domain_of(module: str) -> str:
    """quanzi.<name>, or quanzi.campaigns.<app> for a campaign app's module."""
    parts = module.split(".")
    for nested in NESTED_DOMAINS:
        depth = nested.count(".") + 1
        if module.startswith(nested + ".") and len(parts) > depth + 1:
            return ".".join(parts[: depth + 1])
    return ".".join(parts[:2])


def domain_graph(graph: grimp.ImportGraph) -> tuple[Graph, dict[tuple[str, str], str]]:
    """The domains each domain imports, and for each such edge one import that makes it."""
    edges: Graph = defaultdict(set)
    examples: dict[tuple[str, str], str] = {}
    for importer in graph.modules:
        source = domain_of(importer)
        for imported in graph.find_modules_directly_imported_by(importer):
            target = domain_of(imported)
            if source != target:
                edges[source].add(target)
                examples.setdefault((source, target), f"{importer} -> {imported}")
    return edges, examples


def strongly_connected(edges: Graph) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative: no recursion limit)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        work = [(root, iter(sorted(edges.get(root, ()))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    components.append(sorted(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(edges.get(child, ())))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return components


def describe(component: list[str], edges: Graph, examples: dict[tuple[str, str], str]) -> str:
    """One cycle through the component's first domain, each step with an import making it."""
    members = set(component)
    start = component[0]
    path = shortest_return(start, edges, members)
    steps = [f"  {a} -> {b}   ({examples[(a, b)]})" for a, b in pairwise(path)]
    return f"import cycle between {', '.join(component)}:\n" + "\n".join(steps)


def shortest_return(start: str, edges: Graph, members: set[str]) -> list[str]:
    """The shortest path from `start` back to itself inside the component (breadth first)."""
    previous: dict[str, str] = {}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for child in sorted(edges.get(node, ()) & members):
                if child == start:
                    path = [node]
                    while path[-1] != start:
                        path.append(previous[path[-1]])
                    return [*reversed(path), start]
                if child not in previous:
                    previous[child] = node
                    following.append(child)
        frontier = following
    return [start]

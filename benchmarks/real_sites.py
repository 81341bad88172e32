"""Cursor sites in real, installed code for the "context on real code" benchmark (no code of ours, none committed).

A site is a line inside a function that uses a name defined in *another* file of the same package (a
function, type or class, or a member of one), the rule of issue 21. The sources are what the machine
already has: the virtualenv's site-packages (Python), TypeScript sources shipped in
``editors/vscode/node_modules``, and Go and Rust library sources from Debian's ``golang-*-dev`` and
``librust-*-dev`` packages. A language whose sources are absent is skipped with a note.

The truth is found with tree-sitter directly (not through arb-lsp's outline, which is what is measured):
each file's definitions (top-level ones and members of classes, ``impl`` blocks and Go methods), a name
counting only if exactly one file of the package defines it and the site's own file does not. The cursor is
put right after the line's last such name (and its ``(`` when a call follows); the rest of the line is
removed, as a held-out completion would have it. A name's *signature* is the first line of its definition;
where its file defines it more than once (a trait method and its ``impl`` blocks, overloads), any of them.
"""

from __future__ import annotations

import glob
import os
import random
import re
import sys
from collections import defaultdict
from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

from tree_sitter import Language, Node, Parser

from benchmarks import ROOT

#: Files larger than this are skipped (arb-lsp does not read them for context either).
MAX_FILE_BYTES = 512 * 1024
#: Methods of the languages' own types (strings, collections, options, errors): a member spelled like one of
#: these is more likely the standard library's than the package's, so it is not counted as a cross-file name.
_STANDARD_MEMBERS = {
    "python": {name for kind in (str, bytes, dict, list, set, tuple, int, float, object) for name in dir(kind)}
    | {"read", "write", "close", "send", "get", "copy", "update", "items", "keys", "values"},
    "rust": set(
        """push pop len is_empty map map_err and_then ok_or ok_or_else unwrap unwrap_or unwrap_or_else expect
        as_ref as_mut as_str as_ptr as_bytes cast clone to_owned to_string into iter into_iter iter_mut collect
        find filter any all next get get_mut insert remove contains extend trim trim_end trim_start split
        starts_with ends_with write write_str write_fmt fmt from new default eq cmp partial_cmp hash take
        is_some is_none or_else chars bytes last first retain drain sort entry name""".split()
    ),
    "go": set("Error String Len Write Read Close Get Set Add Lock Unlock Name Type Value".split()),
    "typescript": set(
        """push pop length map filter reduce forEach find some every includes indexOf slice splice join split
        trim get set has delete keys values entries toString then catch replace startsWith endsWith
        concat apply call bind name""".split()
    ),
}
#: At most this many sites from one file, so that one long file does not stand for a language.
MAX_SITES_PER_FILE = 2


@dataclass(frozen=True, slots=True)
class Package:
    language: str  # LSP language id
    name: str
    root: str  # the workspace root a user would open
    files: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Use:
    name: str
    reached: str  # "imported", "member" or "same package"
    signature: str
    defined_in: str
    #: Every definition's first line in the defining file (the first is ``signature``).
    signatures: tuple[str, ...] = ()

    def found_in(self, prompt: str) -> bool:
        return any(line in prompt for line in self.signatures or (self.signature,))


@dataclass(frozen=True, slots=True)
class Site:
    language: str
    package: str
    root: str
    path: str
    line: int  # 0-based
    column: int  # code points
    uses: tuple[Use, ...]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, object]) -> Site:
        uses = tuple(Use(**use) for use in data.pop("uses"))  # type: ignore[arg-type, attr-defined]
        return Site(uses=uses, **data)  # type: ignore[arg-type]


def _site_packages() -> str:
    return next(p for p in sys.path if p.endswith("site-packages") and os.path.isdir(p))


def _sources(directory: str, suffix: str, skip: tuple[str, ...] = ()) -> tuple[str, ...]:
    found = []
    for path in sorted(glob.glob(os.path.join(directory, "**", "*" + suffix), recursive=True)):
        if any(part in path for part in skip) or os.path.getsize(path) > MAX_FILE_BYTES:
            continue
        found.append(path)
    return tuple(found)


def packages() -> tuple[list[Package], list[str]]:
    """The packages found on this machine, and a note per language whose sources are absent."""
    found: list[Package] = []
    notes: list[str] = []
    site = _site_packages()
    for name in ("httpx", "pygls", "pydantic", "httpcore"):
        directory = os.path.join(site, name)
        if os.path.isdir(directory):
            found.append(Package("python", name, site, _sources(directory, ".py", ("/v1/", "/tests/"))))
    modules = ROOT / "editors" / "vscode" / "node_modules"
    typescript = 0
    for name in ("cheerio/src", "ajv/lib", "@azure/msal-common/src"):
        directory = str(modules / name)
        if os.path.isdir(directory):
            files = tuple(
                p for p in _sources(directory, ".ts", ("/__tests__/", ".spec.", ".test.")) if not p.endswith(".d.ts")
            )
            if files:
                found.append(Package("typescript", name.split("/src")[0], str(modules / name.split("/")[0]), files))
                typescript += 1
    if not typescript:
        notes.append(
            "TypeScript skipped: no .ts sources in editors/vscode/node_modules (run scripts/install-vscode-deps.sh)."
        )
    gocode = "/usr/share/gocode/src/github.com/spf13"
    go = 0
    for name in ("cobra", "pflag"):
        directory = os.path.join(gocode, name)
        if os.path.isdir(directory):
            files = tuple(p for p in glob.glob(os.path.join(directory, "*.go")) if not p.endswith("_test.go"))
            found.append(Package("go", name, directory, tuple(sorted(files))))
            go += 1
    if not go:
        notes.append(
            "Go skipped: no sources (apt-get install golang-github-spf13-cobra-dev golang-github-spf13-pflag-dev)."
        )
    rust = 0
    for name in ("clap", "semver", "anyhow"):
        crates = sorted(glob.glob(f"/usr/share/cargo/registry/{name}-*/src"))
        if crates:
            crate = os.path.dirname(crates[-1])
            found.append(Package("rust", name, crate, _sources(crates[-1], ".rs")))
            rust += 1
    if not rust:
        notes.append(
            "Rust skipped: no sources (apt-get install librust-clap-dev librust-semver-dev librust-anyhow-dev)."
        )
    return found, notes


# -- definitions, by tree-sitter directly ---------------------------------------------------------------


def _language(language_id: str) -> Language:
    if language_id == "python":
        import tree_sitter_python as grammar
    elif language_id == "go":
        import tree_sitter_go as grammar
    elif language_id == "rust":
        import tree_sitter_rust as grammar
    else:
        import tree_sitter_typescript

        return Language(tree_sitter_typescript.language_typescript())
    return Language(grammar.language())


_TOP = {
    "python": {"function_definition", "class_definition"},
    "go": {"function_declaration", "type_spec"},
    "rust": {"function_item", "struct_item", "enum_item", "trait_item", "type_item", "union_item"},
    "typescript": {
        "function_declaration",
        "class_declaration",
        "abstract_class_declaration",
        "interface_declaration",
        "type_alias_declaration",
        "enum_declaration",
    },
}
_MEMBER = {
    "python": {"function_definition"},
    "go": {"method_declaration"},
    "rust": {"function_item", "function_signature_item"},
    "typescript": {"method_definition", "method_signature"},
}
_CONTAINERS = {
    "python": {"class_definition"},
    "go": set(),
    "rust": {"impl_item", "trait_item"},
    "typescript": {"class_declaration", "abstract_class_declaration"},
}
_FUNCTIONS = {
    "python": {"function_definition"},
    "go": {"function_declaration", "method_declaration"},
    "rust": {"function_item"},
    "typescript": {"function_declaration", "method_definition", "arrow_function", "function_expression"},
}


@dataclass(frozen=True, slots=True)
class _Definition:
    name: str
    member: bool
    signature: str


def _definitions(tree_root: Node, source: bytes, language: str) -> list[_Definition]:
    found: list[_Definition] = []

    def signature(node: Node) -> str:
        line = source[node.start_byte :].split(b"\n", 1)[0]
        return line.decode("utf-8", "replace").strip()

    def visit(node: Node, inside: bool, depth: int) -> None:
        if depth > 4:
            return
        for child in node.named_children:
            kind = child.type
            target = child
            if kind in ("decorated_definition", "export_statement"):
                target = child.child_by_field_name("definition") or child.child_by_field_name("declaration") or child
                kind = target.type
            name = target.child_by_field_name("name")
            if kind == "method_declaration" and name is not None:  # Go: a member of its receiver's type
                found.append(_Definition(name.text.decode(), True, signature(target)))
            elif inside and kind in _MEMBER[language] and name is not None:
                found.append(_Definition(name.text.decode(), True, signature(target)))
            elif not inside and kind in _TOP[language] and name is not None:
                found.append(_Definition(name.text.decode(), False, signature(target)))
            if kind in _CONTAINERS[language]:
                body = target.child_by_field_name("body")
                if body is not None:
                    visit(body, True, depth + 1)
            elif kind in ("type_declaration", "mod_item", "declaration_list", "program", "module"):
                visit(target, inside, depth + 1)

    visit(tree_root, False, 0)
    return found


_IDENTIFIER = re.compile(r"[A-Za-z_]\w*")


def _function_lines(root: Node, language: str) -> set[int]:
    """Rows inside a function body (not its signature)."""
    rows: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in _FUNCTIONS[language]:
            body = node.child_by_field_name("body")
            if body is not None and body.end_point[0] > body.start_point[0]:
                rows.update(range(body.start_point[0] + 1, body.end_point[0]))
        stack.extend(node.named_children)
    return rows


_IMPORT_START = re.compile(r"\s*(?:from\s|import\s|use\s|pub\s+use\s|export\s.*\sfrom\s)")


def _import_text(lines: list[str]) -> str:
    """The import statements of a file (Python, TypeScript, Rust), continuation lines included."""
    kept: list[str] = []
    depth = 0
    for line in lines:
        if depth or _IMPORT_START.match(line):
            kept.append(line)
            depth = max(0, depth + line.count("(") + line.count("{") - line.count(")") - line.count("}"))
    return "\n".join(kept)


def pick_sites(package: Package, rng: random.Random) -> list[Site]:
    """Every candidate site of the package (callers sample from them)."""
    parser = Parser(_language(package.language))
    parsed = {}
    by_name: dict[tuple[str, bool], dict[str, _Definition]] = defaultdict(dict)
    all_signatures: dict[tuple[str, bool, str], list[str]] = defaultdict(list)
    for path in package.files:
        source = Path(path).read_bytes()
        tree = parser.parse(source)
        parsed[path] = (source, tree)
        for definition in _definitions(tree.root_node, source, package.language):
            by_name[(definition.name, definition.member)].setdefault(path, definition)
            all_signatures[(definition.name, definition.member, path)].append(definition.signature)
    sites: list[Site] = []
    for path, (source, tree) in parsed.items():
        text = source.decode("utf-8", "replace")
        lines = text.split("\n")
        own = {key[0] for key, files in by_name.items() if path in files}
        imports = _import_text(lines)
        go_packages = (
            set(re.findall(r'"(?:[^"]*/)?([\w-]+)"', text.split(")", 1)[0])) if package.language == "go" else set()
        )
        candidates = []
        for row in sorted(_function_lines(tree.root_node, package.language)):
            line = lines[row] if row < len(lines) else ""
            stripped = line.strip()
            if not stripped or stripped.startswith(("#", "//", "/*", "*", '"', "'")):
                continue
            uses: list[tuple[int, Use]] = []
            for match in _IDENTIFIER.finditer(line):
                name = match.group(0)
                if name in own or len(name) < 3 or name.startswith("__"):
                    continue
                before = line[: match.start()]
                member = bool(re.search(r"(?:\.|->)\s*$", before))
                if member and name in _STANDARD_MEMBERS[package.language]:
                    continue
                if not member and package.language != "go" and not re.search(rf"\b{name}\b", imports):
                    continue  # spelled like a definition elsewhere, but not imported: a local name
                qualifier = re.search(r"\b(\w+)\.$", before)
                if member and qualifier is not None and qualifier.group(1) in go_packages:
                    continue  # another Go package's name
                defined = by_name.get((name, member)) or {}
                others = [p for p in defined if p != path]
                if len(defined) != 1 or not others:
                    continue
                definition = defined[others[0]]
                if member:
                    reached = "member"
                elif package.language == "go":
                    reached = "same package"
                else:
                    reached = "imported"
                end = match.end()
                if line[end : end + 1] == "(":
                    end += 1
                signatures = tuple(dict.fromkeys(all_signatures[(name, member, others[0])]))
                uses.append(
                    (
                        end,
                        Use(name, reached, definition.signature, os.path.relpath(others[0], package.root), signatures),
                    )
                )
            if uses:
                column = max(end for end, _ in uses)
                names = {use.name: use for _, use in uses}
                candidates.append(
                    Site(
                        package.language,
                        package.name,
                        package.root,
                        path,
                        row,
                        column,
                        tuple(names.values()),
                    )
                )
        rng.shuffle(candidates)
        sites.extend(candidates[:MAX_SITES_PER_FILE])
    return sites


def choose(per_language: int, seed: int, only: Collection[str] = ()) -> tuple[list[Site], list[str]]:
    """``per_language`` sites of each language found (fewer where fewer exist), drawn with ``seed``; ``only``
    names the packages to draw from (all by default)."""
    rng = random.Random(seed)
    found, notes = packages()
    by_language: dict[str, list[Site]] = defaultdict(list)
    for package in found:
        if only and package.name not in only:
            continue
        by_language[package.language].extend(pick_sites(package, rng))
    chosen: list[Site] = []
    for language in sorted(by_language):
        sites = sorted(by_language[language], key=lambda s: (s.path, s.line))
        rng.shuffle(sites)
        chosen.extend(sites[:per_language])
    return chosen, notes

"""Per-language tables: LSP language ids to grammars and names, and each grammar's definition node types."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: File extensions -> LSP language ids. The first group is parsed here; the rest still get
#: completions and explanations (which work on plain text) under a meaningful name.
LANGUAGE_BY_SUFFIX: dict[str, str] = {
    ".py": "python",
    ".pyi": "python",
    ".js": "javascript",
    ".mjs": "javascript",
    ".cjs": "javascript",
    ".jsx": "javascriptreact",
    ".ts": "typescript",
    ".mts": "typescript",
    ".cts": "typescript",
    ".tsx": "typescriptreact",
    ".go": "go",
    ".rs": "rust",
    ".java": "java",
    ".c": "c",
    ".h": "c",
    ".cc": "cpp",
    ".cpp": "cpp",
    ".cxx": "cpp",
    ".c++": "cpp",
    ".hh": "cpp",
    ".hpp": "cpp",
    ".hxx": "cpp",
    ".h++": "cpp",
    # not parsed here, named for the prompt
    ".rb": "ruby",
    ".php": "php",
    ".cs": "csharp",
    ".kt": "kotlin",
    ".kts": "kotlin",
    ".swift": "swift",
    ".scala": "scala",
    ".lua": "lua",
    ".sh": "shellscript",
    ".bash": "shellscript",
    ".zsh": "shellscript",
    ".sql": "sql",
    ".r": "r",
    ".dart": "dart",
    ".ex": "elixir",
    ".exs": "elixir",
    ".hs": "haskell",
    ".ml": "ocaml",
    ".zig": "zig",
    ".vue": "vue",
    ".svelte": "svelte",
    ".html": "html",
    ".css": "css",
    ".scss": "scss",
    ".md": "markdown",
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".toml": "toml",
}

#: Languages whose line comments start with "#" (the rest use "//" unless a caller knows better).
HASH_COMMENT_LANGUAGES = frozenset(
    {
        "python",
        "ruby",
        "shellscript",
        "bash",
        "sh",
        "zsh",
        "perl",
        "r",
        "yaml",
        "toml",
        "makefile",
        "dockerfile",
        "elixir",
        "julia",
        "powershell",
        "nim",
        "coffeescript",
    }
)


_GRAMMAR_BY_LANGUAGE_ID: dict[str, str] = {
    "python": "python",
    "javascript": "javascript",
    "javascriptreact": "javascript",
    "typescript": "typescript",
    "typescriptreact": "tsx",
    "go": "go",
    "rust": "rust",
    "java": "java",
    "c": "c",
    "cpp": "cpp",
}

# grammar -> (module, function returning the language capsule); imported on first use only.
_GRAMMAR_MODULES: dict[str, tuple[str, str]] = {
    "python": ("tree_sitter_python", "language"),
    "javascript": ("tree_sitter_javascript", "language"),
    "typescript": ("tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree_sitter_typescript", "language_tsx"),
    "go": ("tree_sitter_go", "language"),
    "rust": ("tree_sitter_rust", "language"),
    "java": ("tree_sitter_java", "language"),
    "c": ("tree_sitter_c", "language"),
    "cpp": ("tree_sitter_cpp", "language"),
}

# For prompts: a human name and a Markdown info string per LSP language id.
_LANGUAGE_NAMES: dict[str, tuple[str, str]] = {
    "python": ("Python", "python"),
    "javascript": ("JavaScript", "javascript"),
    "javascriptreact": ("JavaScript (JSX)", "jsx"),
    "typescript": ("TypeScript", "typescript"),
    "typescriptreact": ("TypeScript (TSX)", "tsx"),
    "go": ("Go", "go"),
    "rust": ("Rust", "rust"),
    "java": ("Java", "java"),
    "c": ("C", "c"),
    "cpp": ("C++", "cpp"),
}


@dataclass(frozen=True)
class _LanguageRules:
    """The node types that matter for one grammar."""

    functions: frozenset[str]  # named functions; methods when their container is a class
    methods: frozenset[str]  # always methods
    classes: frozenset[str]
    valued: frozenset[str]  # ``name = <function or class>`` declarators and class fields
    wrappers: frozenset[str]  # nodes wrapping one definition: decorators, export, template...
    prefixes: frozenset[str]  # preceding siblings that belong to the next declaration
    comments: frozenset[str]
    namespaces: frozenset[str]  # containers whose members count as top-level statements
    bodies: frozenset[str]  # node types of definition bodies, when there is no ``body`` field
    indent_unit: str


_JS_FUNCTION_VALUES = frozenset({"arrow_function", "function_expression", "function", "generator_function", "class"})
_JS_RULES = _LanguageRules(
    functions=frozenset({"function_declaration", "generator_function_declaration", "function_signature"}),
    methods=frozenset({"method_definition", "method_signature", "abstract_method_signature"}),
    classes=frozenset({"class_declaration", "abstract_class_declaration", "interface_declaration", "enum_declaration"}),
    valued=frozenset({"variable_declarator", "field_definition", "public_field_definition"}),
    wrappers=frozenset({"export_statement", "lexical_declaration", "variable_declaration", "ambient_declaration"}),
    prefixes=frozenset({"decorator"}),
    comments=frozenset({"comment"}),
    namespaces=frozenset({"internal_module", "module"}),
    bodies=frozenset({"statement_block", "class_body", "interface_body", "enum_body", "object_type"}),
    indent_unit="  ",
)
_C_CLASSES = frozenset({"struct_specifier", "union_specifier", "enum_specifier"})
_RULES: dict[str, _LanguageRules] = {
    "python": _LanguageRules(
        functions=frozenset({"function_definition"}),
        methods=frozenset(),
        classes=frozenset({"class_definition"}),
        valued=frozenset(),
        wrappers=frozenset({"decorated_definition"}),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset(),
        bodies=frozenset({"block"}),
        indent_unit="    ",
    ),
    "javascript": _JS_RULES,
    "typescript": _JS_RULES,
    "tsx": _JS_RULES,
    "go": _LanguageRules(
        functions=frozenset({"function_declaration"}),
        methods=frozenset({"method_declaration"}),
        classes=frozenset({"type_declaration"}),
        valued=frozenset(),
        wrappers=frozenset(),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset(),
        bodies=frozenset({"block", "field_declaration_list", "method_spec_list", "interface_type"}),
        indent_unit="\t",
    ),
    "rust": _LanguageRules(
        functions=frozenset({"function_item", "function_signature_item"}),
        methods=frozenset(),
        classes=frozenset({"struct_item", "enum_item", "union_item", "trait_item", "impl_item"}),
        valued=frozenset(),
        wrappers=frozenset(),
        prefixes=frozenset({"attribute_item"}),
        comments=frozenset({"line_comment", "block_comment"}),
        namespaces=frozenset({"mod_item"}),
        bodies=frozenset({"block", "declaration_list", "field_declaration_list", "enum_variant_list"}),
        indent_unit="    ",
    ),
    "java": _LanguageRules(
        functions=frozenset(),
        methods=frozenset({"method_declaration", "constructor_declaration", "compact_constructor_declaration"}),
        classes=frozenset(
            {
                "class_declaration",
                "interface_declaration",
                "enum_declaration",
                "record_declaration",
                "annotation_type_declaration",
            }
        ),
        valued=frozenset(),
        wrappers=frozenset(),
        prefixes=frozenset(),
        comments=frozenset({"line_comment", "block_comment"}),
        namespaces=frozenset(),
        bodies=frozenset({"block", "class_body", "interface_body", "enum_body", "constructor_body"}),
        indent_unit="    ",
    ),
    "c": _LanguageRules(
        functions=frozenset({"function_definition"}),
        methods=frozenset(),
        classes=_C_CLASSES,
        valued=frozenset(),
        wrappers=frozenset({"type_definition", "declaration"}),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset({"linkage_specification"}),
        bodies=frozenset({"compound_statement", "field_declaration_list", "enumerator_list"}),
        indent_unit="    ",
    ),
    "cpp": _LanguageRules(
        functions=frozenset({"function_definition"}),
        methods=frozenset(),
        classes=_C_CLASSES | {"class_specifier"},
        valued=frozenset(),
        wrappers=frozenset({"template_declaration", "type_definition", "declaration", "linkage_specification"}),
        prefixes=frozenset(),
        comments=frozenset({"comment"}),
        namespaces=frozenset({"namespace_definition", "linkage_specification"}),
        bodies=frozenset({"compound_statement", "field_declaration_list", "enumerator_list"}),
        indent_unit="    ",
    ),
}

# Comments that must stay right above their declaration: linters', compilers' and formatters' directives.
_PRAGMA_COMMENT = re.compile(
    r"""^(?:
        //(?:go:|line\s|export\s|extern\s|nolint\b|lint:)
      | (?://|/\*)\s*(?:eslint-|@ts-|prettier-ignore|biome-ignore|deno-lint-ignore|istanbul\s|c8\s|
          NOLINT|clang-format|noinspection|@formatter:|NOSONAR|CHECKSTYLE|jshint|jscs:|tslint:|\#?region\b|
          \#?endregion\b|webpack[A-Z]|@vite-ignore|cppcheck-suppress|coverity)
    )""",
    re.VERBOSE,
)

_DECLARATOR_NAMES = frozenset(
    {
        "identifier",
        "field_identifier",
        "qualified_identifier",
        "destructor_name",
        "operator_name",
        "type_identifier",
    }
)


def language_name(language_id: str) -> str:
    """A human name for an LSP language id ("TypeScript (TSX)"), or the id itself."""
    return _LANGUAGE_NAMES.get(language_id, (language_id, ""))[0]


def markdown_code_block(code: str, language_id: str) -> str:
    """``code`` in a Markdown fence long enough not to be closed by backticks inside the code."""
    info = _LANGUAGE_NAMES.get(language_id, ("", re.sub(r"[^\w+#-]", "", language_id)))[1]
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    fence = "`" * (longest + 1)
    return f"{fence}{info}\n{code.rstrip()}\n{fence}"

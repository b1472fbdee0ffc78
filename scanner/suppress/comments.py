"""Where the comments of one line are, by the file's language: an allow marker counts only inside one.

A marker inside a string literal (`msg = "add # leakstop:allow to silence"`) is data the program handles,
not a reviewer's note, and must not silence the secret next to it. One line is read at a time, so this is a
small scanner of quotes and comment openers, not a parser: a quote counts only when it is closed on the
same line (an apostrophe in `don't`, a Rust lifetime `'a`), a `#` only where a word cannot go on through
it (`$#`, `a#b` and URL fragments are no comments), and a line that starts with `*` in a language with
block comments is the inside of one (the middle of a `/** ... */` block).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath


@dataclass(frozen=True)
class CommentSyntax:
    """How one family of languages writes comments and strings."""

    line: tuple[str, ...] = ()
    """Openers of comments that run to the end of the line (`#`, `//`, `--`, ...)."""
    block: tuple[tuple[str, str], ...] = ()
    """(opener, closer) of comments that can end inside the line (`/*` `*/`, `<!--` `-->`)."""
    quotes: str = "\"'"
    """Characters that open and close string literals."""
    strings: bool = True
    """False where the whole text is data anyway (a notebook's JSON): then any opener starts a comment."""


_HASH = CommentSyntax(line=("#",))
_C = CommentSyntax(line=("//",), block=(("/*", "*/"),), quotes="\"'`")
_C_AND_HASH = CommentSyntax(line=("//", "#"), block=(("/*", "*/"),), quotes="\"'`")
_SQL = CommentSyntax(line=("--",), block=(("/*", "*/"),))
_MARKUP = CommentSyntax(block=(("<!--", "-->"),))
_SEMICOLON = CommentSyntax(line=(";", "#"))
_PERCENT = CommentSyntax(line=("%",))
_BATCH = CommentSyntax(line=("REM ", "rem ", "Rem ", "::"), quotes='"')
_BASIC = CommentSyntax(line=("'", "REM ", "rem "), quotes='"')
_CSS = CommentSyntax(block=(("/*", "*/"),))
_LUA = CommentSyntax(line=("--",))
_NOTEBOOK = CommentSyntax(line=("#", "//"), strings=False)
DEFAULT = CommentSyntax(line=("#", "//", "--", ";"), block=(("/*", "*/"), ("<!--", "-->")))
"""Files of no known language (`.txt`, `.pem`, no extension): every common comment opener counts."""

_BY_SUFFIX: dict[str, CommentSyntax] = {
    **dict.fromkeys(("py", "pyi", "rb", "sh", "bash", "zsh", "fish", "ksh", "yaml", "yml", "toml", "pl", "pm", "r",
                     "ps1", "psm1", "conf", "cfg", "env", "properties", "nix", "cmake", "mk", "coffee", "jl",
                     "ex", "exs", "nim", "cr", "tcl", "awk", "sed", "gitignore", "dockerignore", "editorconfig",
                     "rake", "gemspec", "podspec", "pp", "hcl.tfvars", "service", "desktop"), _HASH),
    **dict.fromkeys(("c", "h", "cc", "cpp", "cxx", "hpp", "hh", "cs", "java", "js", "jsx", "mjs", "cjs", "ts",
                     "tsx", "mts", "cts", "go", "rs", "swift", "kt", "kts", "scala", "sc", "dart", "groovy",
                     "gradle", "json", "jsonc", "json5", "proto", "sol", "zig", "v", "m", "mm", "fs", "fsx",
                     "scss", "less", "vue", "svelte", "astro", "jenkinsfile", "bicep"), _C),
    **dict.fromkeys(("php", "tf", "hcl", "tfvars"), _C_AND_HASH),
    **dict.fromkeys(("sql", "psql", "pgsql", "plsql"), _SQL),
    **dict.fromkeys(("lua", "hs", "elm", "ada", "adb", "ads"), _LUA),
    **dict.fromkeys(("html", "htm", "xhtml", "xml", "svg", "md", "markdown", "plist", "csproj", "vbproj",
                     "props", "targets", "xaml", "config", "jsp", "aspx", "rst"), _MARKUP),
    **dict.fromkeys(("ini", "lisp", "el", "clj", "cljs", "edn", "scm", "rkt", "asm", "s", "reg"), _SEMICOLON),
    **dict.fromkeys(("tex", "sty", "cls", "erl", "hrl", "pro", "mat"), _PERCENT),
    **dict.fromkeys(("bat", "cmd"), _BATCH),
    **dict.fromkeys(("vb", "vbs", "bas", "vba"), _BASIC),
    "css": _CSS,
    "ipynb": _NOTEBOOK,
}
_BY_NAME: dict[str, CommentSyntax] = {
    **dict.fromkeys(("dockerfile", "containerfile", "makefile", "gnumakefile", "gemfile", "rakefile",
                     "procfile", "vagrantfile", "brewfile", "podfile", ".bashrc", ".zshrc", ".profile",
                     ".gitconfig", ".npmrc", ".pypirc", ".netrc", "requirements.txt"), _HASH),
    "jenkinsfile": _C,
}


def syntax_for(path: str) -> CommentSyntax:
    """The comment syntax of a file by its name (an archive member's own name: `app.jar!conf/a.yaml`)."""
    name = PurePosixPath(path.rsplit("!", 1)[-1].replace("\\", "/")).name.lower()
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name.startswith(".env"):
        return _HASH
    suffix = name.rsplit(".", 1)[-1] if "." in name.lstrip(".") else ""
    return _BY_SUFFIX.get(suffix, DEFAULT)


def in_comment(line: str, position: int, syntax: CommentSyntax) -> bool:
    """Whether the character at `position` of `line` is inside a comment."""
    return any(start <= position < end for start, end in comment_spans(line, syntax))


def comment_spans(line: str, syntax: CommentSyntax) -> list[tuple[int, int]]:
    """(start, end) of each comment of the line, openers included."""
    if syntax.block and line.lstrip().startswith("*") and not line.lstrip().startswith("*/"):
        return [(0, len(line))]  # a line inside a block comment (`/**` ... ` * note` ... ` */`)
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(line):
        char = line[i]
        if syntax.strings and char in syntax.quotes:
            close = string_end(line, i)
            if close is not None:
                i = close + 1
                continue
        block = next(((o, c) for o, c in syntax.block if line.startswith(o, i)), None)
        if block is not None:
            end = line.find(block[1], i + len(block[0]))
            end = len(line) if end < 0 else end + len(block[1])
            spans.append((i, end))
            i = end
            continue
        opener = next((o for o in syntax.line if line.startswith(o, i) and opens_here(line, i, o)), None)
        if opener is not None:
            spans.append((i, len(line)))
            break
        i += 1
    return spans


def string_end(line: str, start: int) -> int | None:
    """Where the string literal opened at `start` closes on this line (backslash escapes skipped), or None."""
    quote = line[start]
    i = start + 1
    while i < len(line):
        if line[i] == "\\":
            i += 2
            continue
        if line[i] == quote:
            return i
        i += 1
    return None


def opens_here(line: str, i: int, opener: str) -> bool:
    """`#` and `'` open a comment only where no word runs on through them (`$#`, `a#b`, `it's`); `REM`
    only at a statement's start."""
    before = line[i - 1] if i else " "
    if opener in ("#", "'"):
        return not (before.isalnum() or before in "$_/&")
    if opener.strip().lower() == "rem":
        return not line[:i].strip() or line[:i].rstrip().endswith("&")
    return True

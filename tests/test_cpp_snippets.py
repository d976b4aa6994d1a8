"""Every C++ snippet the notebooks and the README show compiles against vethlab's stub headers.

Where the C++ is:

- fenced blocks (```cpp or ```c++) in the markdown cells of notebooks/src/*.py and in README.md;
- C++ that notebooks print from the library: ``METHODS[...].cpp`` (notebook 01, and the
  pictures and the pool explorer), ``c_declaration(GetPacket_Output, ...)`` (notebook 02) and
  the mapping explorer's ``CreateMapping`` call (notebook 05).

Each snippet is compiled with ``$CXX`` (or c++, g++, clang++) as ``-fsyntax-only -std=c++17``
against vethlab/exercises/include: vethlab's declarations of the DriverKit, NetworkingDriverKit
and IOKitLib names it models, written from Apple's documentation (not Apple's headers). They
are package data, because ``vethlab check`` compiles answers against them too. A snippet
without #include lines gets the dext's headers, or IOKitLib's with the ``app`` flag.

A fenced block may be preceded by a marker, an HTML comment that a rendered notebook hides:

    <!-- cpp: fragment needs: IOUserNetworkPacket *packet; uint8_t *dst; uint32_t dstSize; -->

- ``fragment``: the block is statements, not a whole file. The test puts them in a function
  returning kern_return_t, after the ``needs`` declarations (as locals).
- ``app``: the block is app code (IOKit.framework), not dext code.
- ``needs:`` C++ declarations, up to ``-->`` (they may span lines), of what the block uses but
  does not declare: at file scope for a whole-file block, as locals for a fragment.

Other stacks' code (netmap, AF_XDP, DPDK, Linux, FreeBSD: notebook 10) is shown in ```` ```c ````
blocks, which are that stack's C, not DriverKit C++: they are never compiled, and each starts
with a comment naming its stack and "(C)" (``test_other_stacks_c_is_marked``).

Without a compiler every compile test skips and says why; VETHLAB_REQUIRE_ALL=1 (.ci/run)
turns that skip into a failure (tests/conftest.py).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from vethlab.exercises.cpp import INCLUDE, find_compiler

REPO = Path(__file__).resolve().parent.parent
NOTEBOOK_SOURCES = REPO / "notebooks" / "src"
README = REPO / "README.md"

CPP_LANGUAGES = ("cpp", "c++")
FLAGS = ("fragment", "app")
PRELUDE = {
    "dext": (
        "#include <string.h>\n#include <DriverKit/DriverKit.h>\n"
        "#include <NetworkingDriverKit/NetworkingDriverKit.h>\n"
    ),
    "app": "#include <string.h>\n#include <IOKit/IOKitLib.h>\n",
}

_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_MARKER_START = re.compile(r"^\s*<!--\s*cpp:")


@dataclass(frozen=True)
class Snippet:
    """One C++ block: where it is shown (path relative to the repo, first code line) and how
    to compile it."""

    path: str
    line: int
    code: str
    fragment: bool = False
    app: bool = False
    needs: str = ""

    @property
    def id(self) -> str:
        return f"{self.path}:{self.line}"


# --- finding the snippets ---------------------------------------------------------------------


def markdown_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of every markdown line: all of a .md file; in a percent-format
    notebook source, the lines of its markdown cells without their "# " prefix."""
    lines = path.read_text(encoding="utf-8").splitlines()
    if path.suffix == ".md":
        return list(enumerate(lines, 1))
    out, markdown = [], False
    for number, line in enumerate(lines, 1):
        if line.startswith("# %%"):
            markdown = "[markdown]" in line
        elif markdown:
            out.append((number, line[2:] if line.startswith("# ") else ""))
    return out


def parse_marker(text: str) -> dict:
    """The flags and needs of one marker's text (from "cpp:" to "-->", exclusive)."""
    head, _, needs = text.partition("needs:")
    flags = head.split()
    unknown = [flag for flag in flags if flag not in FLAGS]
    if unknown:
        raise ValueError(f"unknown flag(s) {unknown} in a cpp marker; known: {list(FLAGS)}")
    return {"fragment": "fragment" in flags, "app": "app" in flags, "needs": needs.strip()}


def find_snippets(path: Path, lines: list[tuple[int, str]]) -> tuple[list[Snippet], list[str]]:
    """The C++ blocks among lines, with their markers, and every problem found on the way."""
    relative = path.relative_to(REPO).as_posix() if path.is_relative_to(REPO) else str(path)
    snippets, problems = [], []
    marker = None  # (line, text) of a marker that ended on the previous line
    i = 0
    while i < len(lines):
        number, text = lines[i]
        if _MARKER_START.match(text):
            start, body = number, []
            rest = text.split("cpp:", 1)[1]
            while "-->" not in rest and i + 1 < len(lines):
                body.append(rest)
                i += 1
                rest = lines[i][1]
            if "-->" not in rest:
                problems.append(f"{relative}:{start}: cpp marker without its closing -->")
                break
            body.append(rest.split("-->", 1)[0])
            if marker:
                problems.append(f"{relative}:{marker[0]}: cpp marker not followed by a C++ block")
            marker = (start, "\n".join(body))
            i += 1
            continue
        fence = _FENCE.match(text)
        if not fence:
            if marker and text.strip():
                problems.append(f"{relative}:{marker[0]}: cpp marker not followed by a C++ block")
                marker = None
            i += 1
            continue
        # A fenced block: it ends at a line of at least as many of the same fence characters.
        indent, opening = len(fence["indent"]), fence["fence"]
        language = (fence["info"].split() or [""])[0].lower()
        closing = re.compile(rf"^ {{0,3}}{re.escape(opening[0])}{{{len(opening)},}}\s*$")
        body, j = [], i + 1
        while j < len(lines) and not closing.match(lines[j][1]):
            body.append(
                lines[j][1][indent:] if lines[j][1][:indent].isspace() else lines[j][1].lstrip()
            )
            j += 1
        if language in CPP_LANGUAGES:
            options = {}
            if marker:
                try:
                    options = parse_marker(marker[1])
                except ValueError as error:
                    problems.append(f"{relative}:{marker[0]}: {error}")
            snippets.append(Snippet(relative, number + 1, "\n".join(body) + "\n", **options))
        elif marker:
            problems.append(f"{relative}:{marker[0]}: cpp marker before a ```{language} block")
        marker = None
        i = j + 1
    if marker:
        problems.append(f"{relative}:{marker[0]}: cpp marker not followed by a C++ block")
    return snippets, problems


def shown_files() -> list[Path]:
    return [*sorted(NOTEBOOK_SOURCES.glob("*.py")), README]


def collect() -> tuple[list[Snippet], list[str]]:
    snippets, problems = [], []
    for path in shown_files():
        found, trouble = find_snippets(path, markdown_lines(path))
        snippets += found
        problems += trouble
    return snippets, problems


SNIPPETS, MARKER_PROBLEMS = collect()


# --- C++ that notebooks print from the library ------------------------------------------------
# Each entry: (id, a function returning [(name, code)], how to wrap the code, its needs). They
# are imported only when their test runs, so a library change fails one test, not collection.


def _method_expressions():
    from vethlab.question.scenario import METHODS

    return [(f"METHODS[{key!r}].cpp", spec.cpp) for key, spec in METHODS.items()]


def _get_packet_output_declaration():
    from vethlab.handoff.structs import GetPacket_Output, c_declaration

    return [
        ("c_declaration(GetPacket_Output)", c_declaration(GetPacket_Output, "GetPacket_Output"))
    ]


def _mapping_explorer_calls():
    from vethlab.widgets.mapping_explorer import build_scene

    # a fixed address aligned to 4096 is refused on 16 KiB pages, so that call is made on Intel
    return [
        (
            f"build_scene(profile={profile!r}, fixed_4k={fixed})['call']",
            build_scene(profile=profile, fixed_4k=fixed)["call"],
        )
        for profile, fixed in (("apple-silicon", False), ("intel", True))
    ]


PRINTED = [
    # notebook 01 prints them; the pictures and the pool explorer show them too
    (
        "printed:vethlab.question.METHODS",
        _method_expressions,
        "expression",
        "IOMemoryMap *map; IOUserNetworkPacket *packet; "
        "uint64_t packet_buffer_addr; uint64_t packet_offset; uint8_t packet_head;",
    ),
    # notebook 02
    ("printed:vethlab.handoff.structs.c_declaration", _get_packet_output_declaration, "file", ""),
    # notebook 05's mapping explorer
    (
        "printed:vethlab.widgets.mapping_explorer",
        _mapping_explorer_calls,
        "expression",
        "IOMemoryDescriptor *pool_md; IOMemoryMap *map;",
    ),
]


# --- compiling ----------------------------------------------------------------------------------


def require_compiler() -> list[str]:
    command, reason = find_compiler()  # the checker's own search: $CXX, c++, g++, clang++
    if command is None:
        pytest.skip(f"cannot type-check C++: {reason}")
    return command


def line_directive(line: int, name: str) -> str:
    return f'#line {line} "{name}"\n'


def translation_unit(snippet: Snippet) -> str:
    """The file the compiler sees. #line directives make its messages name the notebook line."""
    parts = []
    if not re.search(r"^\s*#\s*include\b", snippet.code, re.M):
        parts.append(PRELUDE["app" if snippet.app else "dext"])
    if snippet.fragment:
        parts += [
            "kern_return_t vethlab_fragment()\n{\n",
            line_directive(1, f"needs of {snippet.id}"),
            snippet.needs + "\n",
            line_directive(snippet.line, snippet.path),
            snippet.code,
            line_directive(1, "end of the test's wrapper"),
            "return kIOReturnSuccess;\n}\n",
        ]
    else:
        if snippet.needs:
            parts += [line_directive(1, f"needs of {snippet.id}"), snippet.needs + "\n"]
        parts += [line_directive(snippet.line, snippet.path), snippet.code]
    return "".join(parts)


def printed_translation_unit(pieces: list[tuple[str, str]], wrap: str, needs: str) -> str:
    parts = [PRELUDE["dext"]]
    for number, (name, code) in enumerate(pieces):
        if wrap == "expression":
            parts += [
                f"void vethlab_printed_{number}()\n{{\n{needs}\n",
                line_directive(1, name),
                "(void)(",
                code,
                "\n);\n}\n",
            ]
        else:
            parts += [line_directive(1, name), code, "\n"]
    return "".join(parts)


def compile_ok(source: str, what: str) -> None:
    """Compile source with -fsyntax-only; fail with the compiler's messages and the source."""
    command = [
        *require_compiler(),
        "-fsyntax-only",
        "-std=c++17",
        "-I",
        str(INCLUDE),
        "-x",
        "c++",
        "-",
    ]
    result = subprocess.run(command, input=source, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        numbered = "\n".join(f"{n:4} | {line}" for n, line in enumerate(source.splitlines(), 1))
        pytest.fail(
            f"{what} does not compile:\n{result.stderr}\n--- what the compiler saw ---\n{numbered}",
            pytrace=False,
        )


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("snippet", SNIPPETS, ids=[s.id for s in SNIPPETS])
def test_snippet_compiles(snippet):
    """The C++ block compiles against the stub headers (wrapped first if it is a fragment)."""
    compile_ok(translation_unit(snippet), snippet.id)


@pytest.mark.parametrize("name, pieces, wrap, needs", PRINTED, ids=[p[0] for p in PRINTED])
def test_printed_cpp_compiles(name, pieces, wrap, needs):
    """C++ that a notebook prints from the library compiles against the stub headers."""
    found = pieces()
    assert found, f"{name}: no C++ found"
    compile_ok(printed_translation_unit(found, wrap, needs), name)


def test_snippets_found():
    """The notebooks show C++ blocks, and every cpp marker sits right before one."""
    assert SNIPPETS, "no ```cpp block found in notebooks/src or README.md"
    assert not MARKER_PROBLEMS, "\n".join(MARKER_PROBLEMS)


def test_stub_headers_compile_together():
    """All stub headers compile in one file, and each says it is not Apple's header."""
    headers = sorted(INCLUDE.rglob("*.h"))
    assert headers
    for header in headers:
        assert "NOT Apple's header" in header.read_text(encoding="utf-8").replace("\n// ", " "), (
            header
        )
    includes = "".join(f"#include <{h.relative_to(INCLUDE).as_posix()}>\n" for h in headers)
    compile_ok(includes, "the stub headers")


def test_stub_return_codes_have_vethlab_values():
    """The stub's kIOReturn... values are the ones vethlab's ioreturn module uses (two copies of
    Apple's IOReturn.h, checked against each other by the compiler)."""
    from vethlab.ioreturn import IORETURN_CODES

    checks = "".join(
        f'static_assert((unsigned){name} == 0x{value:08x}u, "{name}");\n'
        for name, value in sorted(IORETURN_CODES.items())
    )
    compile_ok("#include <DriverKit/IOReturn.h>\n" + checks, "the stub's IOReturn codes")


def test_finder_reads_markers_and_fences():
    """The finder reads fences and markers as documented, and reports markers it cannot place."""
    lines = list(
        enumerate(
            [
                "Some text.",
                "<!-- cpp: fragment app",
                "     needs: int a; int b; -->",
                "```cpp",
                "a = b;",
                "```",
                "````markdown",
                "<!-- cpp: fragment -->",
                "```cpp",
                "not a snippet: inside a markdown block",
                "```",
                "````",
                "  ```c++ title",
                "  int x;",
                "  ```",
                "<!-- cpp: fragment -->",
                "no block follows",
                "<!-- cpp: sideways -->",
                "```cpp",
                "int y;",
                "```",
            ],
            1,
        )
    )
    snippets, problems = find_snippets(REPO / "example.md", lines)
    assert [(s.line, s.code, s.fragment, s.app, s.needs) for s in snippets] == [
        (5, "a = b;\n", True, True, "int a; int b;"),
        (14, "int x;\n", False, False, ""),
        (20, "int y;\n", False, False, ""),
    ]
    assert problems == [
        "example.md:16: cpp marker not followed by a C++ block",
        "example.md:18: unknown flag(s) ['sideways'] in a cpp marker; known: ['fragment', 'app']",
    ]


def test_markdown_lines_of_a_percent_source(tmp_path):
    """Only markdown cells count, without their "# " prefix, with their line numbers."""
    source = tmp_path / "00_x.py"
    source.write_text("# %% [markdown]\n# ```cpp\n#\n# int x;\n# ```\n\n# %%\n# ```cpp\nx = 1\n")
    assert markdown_lines(source) == [(2, "```cpp"), (3, ""), (4, "int x;"), (5, "```"), (6, "")]


def c_blocks(lines: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """(first line, body lines) of every ```c block among lines (other stacks' C)."""
    blocks, i = [], 0
    while i < len(lines):
        fence = _FENCE.match(lines[i][1])
        if fence and (fence["info"].split() or [""])[0].lower() == "c":
            body, j = [], i + 1
            while j < len(lines) and not _FENCE.match(lines[j][1]):
                body.append(lines[j][1])
                j += 1
            blocks.append((lines[i][0] + 1, body))
            i = j
        i += 1
    return blocks


def test_other_stacks_c_is_marked():
    """A ```c block (another stack's code, not compiled) starts with a comment naming its
    stack and "(C)", so nobody takes it for DriverKit C++."""
    problems, found = [], 0
    for path in shown_files():
        for line, body in c_blocks(markdown_lines(path)):
            found += 1
            first = body[0].strip() if body else ""
            if not (first.startswith(("/*", "//")) and "(C" in first):
                problems.append(f"{path.name}:{line}: {first!r} does not say whose C it is")
    assert found, "no ```c block found (notebook 10 shows the other stacks' formulas)"
    assert not problems, "\n".join(problems)

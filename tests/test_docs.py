"""Documentation that must stay current: every setting and every CLI command is described."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from verkeerstoren.cli import main
from verkeerstoren.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    for name in Settings.model_fields:
        assert f"VERKEERSTOREN_{name.upper()}" in text, name


def test_every_command_has_a_one_line_help() -> None:
    runner = CliRunner()
    listing = runner.invoke(main, ["--help"])
    assert listing.exit_code == 0
    for name, command in main.commands.items():
        assert command.help, name
        assert command.get_short_help_str(), name


def test_every_readme_command_exists() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("serve", "migrate", "demo", "audit", "users", "import-registry"):
        assert f"./vt {name}" in readme
        assert name in main.commands


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)\s]*)?\)")
BENCH_COMMAND = re.compile(r"python -m bench\.(\w+)")


def test_relative_links_in_the_docs_lead_to_files() -> None:
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for target in LINK.findall(page.read_text(encoding="utf-8")):
            if "://" in target or target.startswith("mailto:"):
                continue
            assert (page.parent / target).exists(), (page.name, target)


def test_the_performance_page_gives_a_command_per_figure_and_links_its_log() -> None:
    text = (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
    assert "(performance-log.md)" in text
    assert (ROOT / "docs" / "performance-log.md").exists()
    rows = 0
    lines = text.splitlines()
    for line, following in zip(lines, [*lines[1:], ""], strict=True):
        # Table rows only: not a header (the line before |---|) nor the separator itself.
        if not line.startswith("| ") or following.startswith("|---"):
            continue
        rows += 1
        # Every figure names the command that reproduces it, of a module that exists; a row
        # still waiting for its figure says so.
        commands = BENCH_COMMAND.findall(line)
        assert commands or "to be measured" in line, line
        for module in commands:
            assert (ROOT / "bench" / f"{module}.py").exists(), (module, line)
    assert rows >= 20

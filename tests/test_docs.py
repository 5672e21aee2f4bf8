"""Documentation that must stay current: every setting and every CLI command is described."""

from __future__ import annotations

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

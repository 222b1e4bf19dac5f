"""Where the graph's files are: the repository checkout, or the copy bundled in the wheel."""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent
_BUNDLE = _PACKAGE / "bundle"
_CHECKOUT = _PACKAGE.parent.parent


def project_root() -> Path:
    """The folder holding ontology/, shapes/ and data/.

    A source checkout (editable install, tests) wins, so that edits to the data are what runs;
    an installed wheel falls back to the copy it carries.
    """
    if (_CHECKOUT / "ontology").is_dir() and (_CHECKOUT / "data").is_dir():
        return _CHECKOUT
    if _BUNDLE.is_dir():
        return _BUNDLE
    raise FileNotFoundError(
        f"no ontology/ and data/ beside {_PACKAGE}: reinstall scomm-kg or run from a checkout"
    )


def ontology_files() -> list[Path]:
    return sorted((project_root() / "ontology").glob("*.ttl"))


def shape_files() -> list[Path]:
    return sorted((project_root() / "shapes").glob("*.ttl"))


def data_dir(configured: str | Path | None = None) -> Path:
    """The folder of curated data: ``configured`` (the data_dir setting) or the project's."""
    return Path(configured).expanduser() if configured else project_root() / "data"


def data_files(folder: str | Path | None = None) -> list[Path]:
    return sorted((data_dir(folder) / "graphs").glob("*.trig"))


def source_texts(folder: str | Path | None = None) -> list[Path]:
    return sorted((data_dir(folder) / "sources").glob("*.txt"))


def extra_source_texts(folders) -> list[Path]:
    """The source texts (*.txt) in ``folders``, which extra data's passages quote."""
    return sorted(path for folder in folders for path in Path(folder).glob("*.txt"))


def queries_dir() -> Path:
    return _PACKAGE / "queries"

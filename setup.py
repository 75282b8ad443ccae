"""Maps the design card's top-level folders onto one import name, ``shotspec.*``.

Every folder (and sub-folder) that holds an ``__init__.py`` becomes a package, so a new
subpackage can never be dropped from the wheel silently; tests/test_packaging.py checks the
built wheel's file list.
"""

from pathlib import Path

from setuptools import setup

ROOT = Path(__file__).parent
FOLDERS = {
    "shotspec": "core",
    "shotspec.grammar": "grammar",
    "shotspec.compiler": "compiler",
    "shotspec.runtime": "runtime",
    "shotspec.cli": "cli",
    "shotspec.specs": "specs",
    "shotspec.prompt": "prompt",
}


def _packages() -> tuple[list[str], dict[str, str]]:
    packages: list[str] = []
    package_dir: dict[str, str] = {}
    for name, folder in FOLDERS.items():
        base = ROOT / folder
        if not (base / "__init__.py").exists():
            continue
        for init in sorted(base.rglob("__init__.py")):
            rel = init.parent.relative_to(base)
            if any(part.startswith((".", "_")) and part != "__init__.py" for part in rel.parts):
                continue
            sub = ".".join((name, *rel.parts)) if rel.parts else name
            packages.append(sub)
            package_dir[sub] = str(Path(folder, *rel.parts))
    return packages, package_dir


PACKAGES, PACKAGE_DIR = _packages()

setup(
    packages=PACKAGES,
    package_dir=PACKAGE_DIR,
    package_data={
        "shotspec.grammar": ["*.lark"],
        "shotspec.specs": ["*.shot", "presets/*.shot", "luts/*.cube", "examples/*.shot",
                           "examples/plate/*.png"],
        "shotspec.prompt": ["templates/*/*.j2", "templates/*/*.json.j2"],
        "shotspec.runtime.upscale": ["*.npz", "*.pt"],
        "shotspec.runtime.identity": ["calibration.json"],
    },
)

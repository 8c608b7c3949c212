"""PEP 517 build backend: whool, fed a copy of the addon named account_octopus.

pyproject.toml names this module (``backend-path = ["dev"]``), so ``pip wheel --no-deps .`` is
right from any clone. whool alone would get two things wrong here:

- it takes the addon name from the folder's name, and a clone is rarely called account_octopus
  (``odoo_addon_wt_packaging`` is no addon);
- it packs every file git tracks, so bench/, dev/, docs/ and the CI script would be installed
  under odoo/addons/account_octopus.

So each hook copies the tracked files, less EXCLUDED, into a temporary folder named
account_octopus, writes there the PKG-INFO whool reads a built sdist's name and version from, and
runs whool's own hook in it. The version is whool's: the manifest's, with OCA's ``.99.devN``
suffix when commits followed the last version change. Everything else (the Odoo and Python
dependencies from the manifest, the wheel's layout) is whool's untouched.
"""

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from whool import buildapi as whool

ADDON = "account_octopus"
DISTRIBUTION = "odoo-addon-" + ADDON
# Top-level entries of the repository that are not part of the installed addon. tests/ stays: Odoo
# ships every addon with its tests, and so do the OCA's wheels.
EXCLUDED = {".ci", ".gitignore", ".pre-commit-config.yaml", ".pylintrc", "bench", "dev", "docs", "requirements.txt"}
# In a source distribution this backend must come along, or the sdist could not be built again.
KEPT_IN_SDIST = {"dev/whool_backend.py"}


def _tracked_files(source):
    """The files git tracks; every file when there is no git (an unpacked sdist, a tarball)."""
    if not (source / "PKG-INFO").is_file():
        try:
            out = subprocess.check_output(["git", "ls-files", "-z"], cwd=source, text=True, stderr=subprocess.DEVNULL)
            return sorted(f for f in out.split("\0") if f and (source / f).is_file())
        except (subprocess.CalledProcessError, FileNotFoundError):
            pass
    return sorted(
        str(p.relative_to(source))
        for p in source.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.name != "PKG-INFO"
    )


def _version(source):
    """whool's version of the real clone: it reads the git history that the copy lacks."""
    return whool._get_metadata(source)["Version"]


@contextlib.contextmanager
def _staged(for_sdist=False):
    """Yields nothing; inside, the current folder is a clean copy of the addon named account_octopus."""
    source = Path.cwd()
    version = _version(source)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp) / ADDON
        for name in _tracked_files(source):
            if name.split("/", 1)[0] in EXCLUDED and not (for_sdist and name in KEPT_IN_SDIST):
                continue
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source / name, stage / name)
        (stage / "PKG-INFO").write_text(
            f"Metadata-Version: 2.1\nName: {DISTRIBUTION}\nVersion: {version}\n", encoding="utf-8"
        )
        os.chdir(stage)
        try:
            yield
        finally:
            os.chdir(source)


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    with _staged():
        return whool.build_wheel(os.path.abspath(wheel_directory), config_settings)


def build_sdist(sdist_directory, config_settings=None):
    with _staged(for_sdist=True):
        return whool.build_sdist(os.path.abspath(sdist_directory), config_settings)


def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):
    with _staged():
        return whool.prepare_metadata_for_build_wheel(os.path.abspath(metadata_directory), config_settings)

"""JavaScript libraries the pages need, fetched from the npm registry at install time.

Nothing from another project is kept in the repository: `make install` (and so `make run`)
runs `python -m quanzi.core.assets`, which downloads each package's tarball from the
registry, checks it against the integrity hash pinned here (the registry's `dist.integrity`),
and unpacks the files the pages use into the environment's assets folder
(`<venv>/share/quanzi/assets/<name>/`, or `$QUANZI_ASSETS_DIR`). The settings serve that
folder as `/static/vendor/`; nothing is loaded from a CDN at run time. Run again, it does
nothing when the pinned version is already there.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import tarfile
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

REGISTRY = os.environ.get("QUANZI_NPM_REGISTRY", "https://registry.npmjs.org").rstrip("/")


@dataclass(frozen=True)
class Asset:
    name: str  # the folder under /static/vendor/
    package: str
    version: str
    integrity: str  # sha512-<base64>, as the registry publishes it
    files: dict[str, str]  # path in the tarball → file name in the folder

    @property
    def tarball(self) -> str:
        return f"{REGISTRY}/{self.package}/-/{self.package.split('/')[-1]}-{self.version}.tgz"


ASSETS = (
    Asset(
        name="chartjs",
        package="chart.js",
        version="4.5.1",
        integrity=(
            "sha512-GIjfiT9dbmHRiYi6Nl2yFCq7kkwdkp1W/lp2J99rX0yo9tgJGn3lKQATztIjb5tVtevcBtIdICNWqlq5+E8/Pw=="
        ),
        files={
            "package/dist/chart.umd.min.js": "chart.umd.js",
            "package/LICENSE.md": "LICENSE.md",
        },
    ),
)


def assets_dir() -> Path:
    configured = os.environ.get("QUANZI_ASSETS_DIR")
    return Path(configured) if configured else Path(sys.prefix) / "share" / "quanzi" / "assets"


def _marker(folder: Path) -> Path:
    return folder / ".version"


def installed(asset: Asset, root: Path | None = None) -> bool:
    folder = (root or assets_dir()) / asset.name
    marker = _marker(folder)
    return (
        marker.is_file()
        and marker.read_text().strip() == f"{asset.package}@{asset.version}"
        and all((folder / target).is_file() for target in asset.files.values())
    )


def check_integrity(data: bytes, integrity: str) -> None:
    algorithm, _, expected = integrity.partition("-")
    digest = base64.b64encode(hashlib.new(algorithm, data).digest()).decode()
    if digest != expected:
        raise RuntimeError(f"integrity check failed: {integrity} != {algorithm}-{digest}")


def unpack(asset: Asset, data: bytes, root: Path) -> None:
    """Check the tarball and write the asset's files into its folder, all or nothing."""
    check_integrity(data, asset.integrity)
    folder = root / asset.name
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for source, target in asset.files.items():
            member = tar.extractfile(source)
            if member is None:
                raise RuntimeError(f"{asset.package}@{asset.version} has no {source}")
            with tempfile.NamedTemporaryFile(dir=folder, delete=False) as out:
                out.write(member.read())
            os.replace(out.name, folder / target)
    _marker(folder).write_text(f"{asset.package}@{asset.version}\n")


def fetch(asset: Asset, root: Path) -> None:
    with urllib.request.urlopen(asset.tarball, timeout=60) as response:
        data = response.read()
    unpack(asset, data, root)


def main() -> int:
    root = assets_dir()
    for asset in ASSETS:
        if installed(asset, root):
            continue
        print(f"fetching {asset.package}@{asset.version} from {REGISTRY}")
        fetch(asset, root)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

#!/usr/bin/env python3
"""Rebuild static/vendor/ from the npm packages pinned in package.json.

Usage (from anywhere):  python3 scripts/vendor.py

Needs Node/npm and the npm registry; plain Python 3.11 standard library only.
Steps:
  1. `npm ci` installs exactly what package-lock.json says into node_modules/.
  2. Only the built files the site serves are copied, with each package's
     licence file(s), into a fresh folder that then replaces static/vendor/
     wholesale (nothing left over from an older version).
  3. static/vendor/README.md (packages, versions, licences, files) and
     static/sportello/fonts.css (@font-face rules for every vendored font)
     are generated from what was copied.
  4. Sanity checks: installed versions match package.json, no vendored
     stylesheet references anything external, every font file is declared.

The output is deterministic: running it twice gives byte-identical files.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"
FONTS_CSS = ROOT / "static" / "sportello" / "fonts.css"

# package name -> list of (path inside the npm package, path inside static/vendor/<package>/)
FILES: dict[str, list[tuple[str, str]]] = {
    "bootstrap-italia": [
        ("dist/css/bootstrap-italia.min.css", "css/bootstrap-italia.min.css"),
        ("dist/js/bootstrap-italia.bundle.min.js", "js/bootstrap-italia.bundle.min.js"),
        ("dist/svg/sprites.svg", "svg/sprites.svg"),
    ],
    "htmx.org": [("dist/htmx.min.js", "htmx.min.js")],
    "axe-core": [("axe.min.js", "axe.min.js")],
    "chart.js": [("dist/chart.umd.min.js", "chart.umd.min.js")],
}
# Extra licence-like files shipped by a package, copied beside its LICENSE.
EXTRA_LICENCES: dict[str, list[str]] = {"axe-core": ["LICENSE-3RD-PARTY.txt"]}

# Fonts: bootstrap-italia ships each face as eot/svg/ttf/woff/woff2; only
# woff2 is kept (every browser Bootstrap 5 supports reads it).
FONT_SRC = "dist/fonts"
FONT_DEST = "fonts"
FONT_EXT = ".woff2"
FONT_LICENCE_FILES = ("OFL.txt", "LICENSE.txt")
# Font folder -> family name exactly as bootstrap-italia.min.css spells it.
FONT_FAMILIES = {
    "Titillium_Web": "Titillium Web",
    "Lora": "Lora",
    "Roboto_Mono": "Roboto Mono",
}
FONT_LICENCE_NAMES = {
    "Titillium_Web": "SIL Open Font License 1.1",
    "Lora": "SIL Open Font License 1.1",
    "Roboto_Mono": "Apache License 2.0",
}
# e.g. titillium-web-v10-latin-ext_latin-300italic.woff2
FONT_NAME_RE = re.compile(r"-(?P<weight>regular|italic|\d{3})(?P<italic>italic)?\.woff2$")

SOURCE_MAP_RE = re.compile(
    r"\n?(?://# sourceMappingURL=[^\n]*|/\*# sourceMappingURL=[^\n]*?\*/)\s*\Z"
)
CSS_URL_RE = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)""", re.S)
LICENCE_GLOBS = ("LICENSE", "LICENSE.*", "LICENCE", "LICENCE.*", "License*", "license*")


def log(msg: str) -> None:
    print(f"vendor: {msg}", flush=True)


def fail(msg: str) -> None:
    print(f"vendor: ERROR: {msg}", file=sys.stderr)
    sys.exit(1)


def read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def pkg_dir(name: str) -> Path:
    return NODE_MODULES / name


def licence_file(package: Path) -> Path | None:
    for pattern in LICENCE_GLOBS:
        found = sorted(p for p in package.glob(pattern) if p.is_file())
        if found:
            return found[0]
    return None


def npm_ci() -> None:
    npm = shutil.which("npm")
    if npm is None:
        fail("npm not found: install Node.js 20+ (only needed to refresh static/vendor/)")
    log("npm ci")
    subprocess.run(  # noqa: S603 - fixed argument list, no user input
        [npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts", "--loglevel=error"],
        cwd=ROOT,
        check=True,
    )


def check_pins() -> dict[str, dict]:
    wanted = read_json(ROOT / "package.json")["devDependencies"]
    if set(wanted) != set(FILES):
        fail(f"package.json devDependencies {sorted(wanted)} != packages vendored {sorted(FILES)}")
    manifests = {}
    for name, version in wanted.items():
        manifest = read_json(pkg_dir(name) / "package.json")
        if manifest["version"] != version:
            fail(f"{name}: installed {manifest['version']}, package.json pins {version}")
        manifests[name] = manifest
    return manifests


def copy_built(src: Path, dest: Path) -> None:
    if not src.is_file():
        fail(f"missing built file {src.relative_to(ROOT)}")
    dest.parent.mkdir(parents=True, exist_ok=True)
    if src.suffix in (".js", ".css"):
        # Source maps are not vendored: drop the trailing sourceMappingURL
        # comment, or Django's ManifestStaticFilesStorage fails collectstatic
        # on the missing .map (and browsers log a 404 in devtools).
        data = src.read_bytes()
        text = data.decode("utf-8")
        stripped = SOURCE_MAP_RE.sub("\n", text)
        dest.write_bytes(stripped.encode("utf-8") if stripped != text else data)
    else:
        shutil.copyfile(src, dest)


def dependency_closure(name: str) -> list[str]:
    """Every installed runtime dependency of `name`, transitively (hoisted tree)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        manifest = read_json(pkg_dir(current) / "package.json")
        for dep in manifest.get("dependencies", {}):
            if (
                dep in seen
                or dep.startswith("@types/")
                or not (pkg_dir(dep) / "package.json").is_file()
            ):
                continue
            seen.add(dep)
            todo.append(dep)
    return sorted(seen)


def licence_of(manifest: dict) -> str:
    lic = manifest.get("license")
    if isinstance(lic, dict):
        lic = lic.get("type")
    if not lic and isinstance(manifest.get("licenses"), list):
        lic = " OR ".join(entry.get("type", "?") for entry in manifest["licenses"])
    return lic or "see licence file"


def write_third_party(name: str, out: Path) -> list[tuple[str, str, str]]:
    """Concatenate the licences of code bundled into `name`'s built files."""
    rows = []
    chunks = []
    for dep in dependency_closure(name):
        manifest = read_json(pkg_dir(dep) / "package.json")
        lic = licence_of(manifest)
        rows.append((dep, manifest["version"], lic))
        lic_file = licence_file(pkg_dir(dep))
        text = (
            lic_file.read_text(encoding="utf-8").strip()
            if lic_file
            else f"(no licence file shipped; package.json says {lic})"
        )
        chunks.append(f"{'=' * 78}\n{dep} {manifest['version']} ({lic})\n{'=' * 78}\n\n{text}\n")
    if chunks:
        header = (
            f"Licences of the third-party packages that {name}'s built files may bundle,\n"
            f"as installed from package-lock.json. Generated by scripts/vendor.py.\n\n"
        )
        (out / "THIRD-PARTY-LICENSES.txt").write_text(header + "\n".join(chunks), encoding="utf-8")
    return rows


def copy_fonts(out: Path) -> list[dict]:
    """Copy the woff2 files and font licences; return one record per face."""
    src_root = pkg_dir("bootstrap-italia") / FONT_SRC
    faces = []
    folders = sorted(p.name for p in src_root.iterdir() if p.is_dir())
    if set(folders) != set(FONT_FAMILIES):
        fail(f"bootstrap-italia font folders changed: {folders}; update FONT_FAMILIES")
    for folder in folders:
        dest_dir = out / FONT_DEST / folder
        dest_dir.mkdir(parents=True, exist_ok=True)
        for lic in FONT_LICENCE_FILES:
            if (src_root / folder / lic).is_file():
                shutil.copyfile(src_root / folder / lic, dest_dir / lic)
        for font in sorted((src_root / folder).glob(f"*{FONT_EXT}")):
            m = FONT_NAME_RE.search(font.name)
            if not m:
                fail(f"cannot read weight/style from font file name {font.name}")
            weight = m["weight"]
            italic = bool(m["italic"]) or weight == "italic"
            weight = "400" if weight in ("regular", "italic") else weight
            shutil.copyfile(font, dest_dir / font.name)
            faces.append(
                {
                    "family": FONT_FAMILIES[folder],
                    "style": "italic" if italic else "normal",
                    "weight": int(weight),
                    "path": f"{FONT_DEST}/{folder}/{font.name}",
                }
            )
    return sorted(
        faces,
        key=lambda f: (
            list(FONT_FAMILIES.values()).index(f["family"]),
            f["weight"],
            f["style"] != "normal",
        ),
    )


def fonts_css(faces: list[dict], version: str) -> str:
    lines = [
        "/*",
        f" * @font-face rules for the fonts of Bootstrap Italia {version}:",
        " * its CSS uses these families but does not declare them.",
        " * GENERATED by scripts/vendor.py from static/vendor/bootstrap-italia/fonts/;",
        " * do not edit by hand. Licences (beside the font files): Titillium Web and Lora",
        " * SIL Open Font License 1.1, Roboto Mono Apache License 2.0.",
        " */",
    ]
    for face in faces:
        lines += [
            "",
            "@font-face {",
            f'  font-family: "{face["family"]}";',
            f"  font-style: {face['style']};",
            f"  font-weight: {face['weight']};",
            "  font-display: swap;",
            f'  src: url("../vendor/bootstrap-italia/{face["path"]}") format("woff2");',
            "}",
        ]
    return "\n".join(lines) + "\n"


def check_css_urls(stylesheets: list[Path]) -> None:
    """Every url() in these stylesheets must be data: or an existing relative file."""
    for css in stylesheets:
        text = css.read_text(encoding="utf-8")
        if "@import" in text:
            fail(f"{css.name}: @import found")
        for _, url in CSS_URL_RE.findall(text):
            url = url.strip()
            if url.startswith(("data:", "#")):
                continue
            if re.match(r"^([a-z]+:)?//", url, re.I):
                fail(f"{css.name}: external url({url})")
            target = (css.parent / url.split("#")[0].split("?")[0]).resolve()
            if not target.is_file():
                fail(f"{css.name}: url({url}) points to a missing file")


def readme(
    manifests: dict[str, dict],
    third_party: dict[str, list],
    files: list[tuple[str, int]],
    faces: list[dict],
) -> str:
    out = [
        "# Vendored front-end assets",
        "",
        "GENERATED by `scripts/vendor.py` (run `make vendor`): do not edit anything in this",
        "folder by hand; bump the pins in `package.json`, then rerun the script, which",
        "replaces this whole folder. Nothing here is loaded from a CDN; the fonts are",
        "declared by `static/sportello/fonts.css`.",
        "",
        "| Package | Version | Licence | Licence file |",
        "| --- | --- | --- | --- |",
    ]
    for name in sorted(manifests):
        m = manifests[name]
        lic_file = licence_file(pkg_dir(name))
        out.append(f"| {name} | {m['version']} | {licence_of(m)} | `{name}/{lic_file.name}` |")
    out += [
        "",
        "Fonts shipped inside bootstrap-italia (woff2 only): Titillium Web and Lora under the",
        "SIL Open Font License 1.1 (`OFL.txt`), Roboto Mono under the Apache License 2.0",
        "(`LICENSE.txt`), each licence beside its font files.",
        "",
        "Source maps are not vendored; the `sourceMappingURL` comments are stripped from the",
        "copies (Django's manifest storage would otherwise fail on the missing `.map` files).",
    ]
    for name in sorted(third_party):
        rows = third_party[name]
        if not rows:
            continue
        out += [
            "",
            f"## Third-party code that `{name}`'s built files may bundle",
            "",
            f"Licence texts: `{name}/THIRD-PARTY-LICENSES.txt`.",
            "",
            "| Package | Version | Licence |",
            "| --- | --- | --- |",
        ]
        out += [f"| {dep} | {version} | {lic} |" for dep, version, lic in rows]
    out += ["", "## Files", "", "| File | Bytes |", "| --- | ---: |"]
    out += [f"| `{path}` | {size} |" for path, size in files]
    out += [
        "",
        "## Font faces (declared in `static/sportello/fonts.css`)",
        "",
        "| Family | Weight | Style | File |",
        "| --- | ---: | --- | --- |",
    ]
    out += [
        f"| {f['family']} | {f['weight']} | {f['style']} | `bootstrap-italia/{f['path']}` |"
        for f in faces
    ]
    return "\n".join(out) + "\n"


def main() -> None:
    npm_ci()
    manifests = check_pins()

    bi_css = (pkg_dir("bootstrap-italia") / "dist/css/bootstrap-italia.min.css").read_text(
        encoding="utf-8"
    )
    for family in FONT_FAMILIES.values():
        if f'"{family}"' not in bi_css:
            fail(f'font family "{family}" not used by bootstrap-italia.min.css any more')

    with tempfile.TemporaryDirectory(prefix="sportello-vendor-") as tmp:
        out = Path(tmp) / "vendor"
        third_party = {}
        for name, pairs in FILES.items():
            dest_root = out / name
            for src, dest in pairs:
                copy_built(pkg_dir(name) / src, dest_root / dest)
            lic = licence_file(pkg_dir(name))
            if lic is None:
                fail(f"{name}: no licence file")
            shutil.copyfile(lic, dest_root / lic.name)
            for extra in EXTRA_LICENCES.get(name, []):
                shutil.copyfile(pkg_dir(name) / extra, dest_root / extra)
            third_party[name] = write_third_party(name, dest_root)

        faces = copy_fonts(out / "bootstrap-italia")
        check_css_urls(sorted(out.rglob("*.css")))

        files = sorted(
            (p.relative_to(out).as_posix(), p.stat().st_size) for p in out.rglob("*") if p.is_file()
        )
        (out / "README.md").write_text(
            readme(manifests, third_party, files, faces), encoding="utf-8"
        )

        if VENDOR.exists():
            shutil.rmtree(VENDOR)
        VENDOR.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(out, VENDOR)

    FONTS_CSS.parent.mkdir(parents=True, exist_ok=True)
    FONTS_CSS.write_text(
        fonts_css(faces, manifests["bootstrap-italia"]["version"]), encoding="utf-8"
    )
    check_css_urls([FONTS_CSS])  # fonts.css must point at files that exist

    total = sum(size for _, size in files)
    log(f"wrote {len(files) + 1} files, {total / 1024:.0f} KiB, to {VENDOR.relative_to(ROOT)}/")
    log(f"wrote {FONTS_CSS.relative_to(ROOT)} ({len(faces)} @font-face rules)")


if __name__ == "__main__":
    main()

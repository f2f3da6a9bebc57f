"""One model of the Quarto project: `_quarto.yml`, every `_metadata.yml` and each page's
front matter, read once and merged with Quarto's precedence.

Everything that needs to know the project asks this module: the page runner (which
pages, which execute options, which working directory), the site checker (which HTML
pages a render must produce, the site's base path), the CI summary and the page
scaffold. No other module reads `_quarto.yml` or maps a `.qmd` to its `.html`.

Precedence, lowest first, as Quarto merges metadata: project options in `_quarto.yml`
< each `_metadata.yml` from the project root down to the page's folder < the page's
front matter < (for execute options) the cell's `#|` options. Mappings merge key by
key, lists concatenate without duplicates, any other value replaces the one below it.
"""

import fnmatch
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import yaml

from dsops.shared import paths
from dsops.shared.errors import DsopsError

CONFIG_FILE = "_quarto.yml"
DIRECTORY_METADATA = "_metadata.yml"
PAGE_SUFFIXES = (".qmd",)
# Keys of _quarto.yml that configure the project or site rather than give pages metadata.
PROJECT_ONLY_KEYS = {"project", "website", "book", "manuscript", "profile"}
DEFAULT_OUTPUT_DIR = "_site"  # a website project without `output-dir`


def deep_merge(base: dict, override: dict) -> dict:
    """Quarto-style merge (lodash mergeWith in quarto-cli's config.ts): mappings merge key
    by key, lists concatenate without duplicates, other values replace."""
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        elif isinstance(value, list) and isinstance(merged.get(key), list):
            merged[key] = [*merged[key], *(v for v in value if v not in merged[key])]
        else:
            merged[key] = value
    return merged


def read_yaml_mapping(path: Path, text: str | None = None, line: int = 1) -> dict:
    """A YAML file (or fragment of one) that must be a mapping; one clear error if not."""
    try:
        source = path.read_text(encoding="utf-8") if text is None else text
        data = yaml.safe_load(source)
    except OSError as err:
        raise DsopsError(f"{paths.project_relative(path)}: cannot be read ({err}).") from None
    except yaml.YAMLError as err:
        raise DsopsError(
            f"{paths.project_relative(path)}, near line {line}: invalid YAML: "
            f"{' '.join(str(err).split())}"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DsopsError(
            f"{paths.project_relative(path)}, line {line}: expected YAML keys and values, "
            f"found a {type(data).__name__}."
        )
    return data


def split_front_matter(path: Path, lines: list[str]) -> tuple[dict, int]:
    """The page's YAML front matter and the index of the first line after it."""
    if not lines or lines[0].strip() != "---":
        return {}, 0
    end = next((i for i in range(1, len(lines)) if lines[i].strip() in ("---", "...")), None)
    if end is None:
        raise DsopsError(
            f"{paths.project_relative(path)}: the front matter opened on line 1 is never closed."
        )
    return read_yaml_mapping(path, "\n".join(lines[1:end]), line=2), end + 1


@dataclass
class QuartoProject:
    """A Quarto website project rooted at `root`."""

    root: Path
    config: dict = field(repr=False)
    _front_matter: dict[Path, dict] = field(default_factory=dict, repr=False)

    @classmethod
    def load(cls, root: Path = paths.PROJ_ROOT) -> "QuartoProject":
        config_file = root / CONFIG_FILE
        if not config_file.is_file():
            raise DsopsError(
                f"{config_file} does not exist: run this from the project, or set "
                f"{paths.ROOT_ENV} to the folder that holds {CONFIG_FILE}."
            )
        return cls(root=root.resolve(), config=read_yaml_mapping(config_file))

    # --- project settings -------------------------------------------------------------

    @property
    def project(self) -> dict:
        return self.config.get("project") or {}

    @property
    def website(self) -> dict:
        return self.config.get("website") or {}

    @property
    def output_dir(self) -> Path:
        return self.root / self.project.get("output-dir", DEFAULT_OUTPUT_DIR)

    @property
    def execute_dir(self) -> str:
        """`file` (Quarto's default: each page's folder) or `project` (the project root)."""
        value = self.project.get("execute-dir", "file")
        if value not in ("file", "project"):
            raise DsopsError(
                f"{CONFIG_FILE}: project.execute-dir is {value!r}; Quarto accepts "
                "'file' or 'project'."
            )
        return value

    @property
    def resources(self) -> list[str]:
        value = self.project.get("resources") or []
        return [value] if isinstance(value, str) else list(value)

    def resource_files(self) -> list[str]:
        """The files `project.resources` copies, as Quarto resolves its globs: a leading
        `/` anchors a pattern at the project root, any other matches at every depth
        (`**/`); a folder means everything in it; `!` excludes; hidden files and the
        output folder never count."""

        def matches(pattern: str) -> set[Path]:
            anchored = pattern.startswith("/")
            pattern = pattern.lstrip("/")
            if (self.root / pattern).is_dir() or pattern.endswith("/"):
                pattern = pattern.rstrip("/") + "/**/*"
            elif pattern.endswith("**"):  # Python's ** matches folders only: add their files
                pattern += "/*"
            found = set(self.root.glob(pattern))
            if not anchored:
                found |= set(self.root.glob(f"**/{pattern}"))
            return found

        chosen: set[Path] = set()
        for pattern in self.resources:
            if pattern.startswith("!"):
                chosen -= matches(pattern[1:])
            else:
                chosen |= matches(pattern)
        output = self.output_dir.resolve()
        return sorted(
            path.relative_to(self.root).as_posix()
            for path in chosen
            if path.is_file()
            and not any(p.startswith(".") for p in path.relative_to(self.root).parts)
            and not path.resolve().is_relative_to(output)
        )

    @property
    def site_url(self) -> str | None:
        return self.website.get("site-url")

    @property
    def site_path(self) -> str:
        """The path the site is served under, from `site-url` (`/` when there is none)."""
        path = urlsplit(self.site_url or "").path or "/"
        return path if path.endswith("/") else path + "/"

    # --- pages --------------------------------------------------------------------------

    @cached_property
    def pages(self) -> list[Path]:
        """The pages Quarto renders, in render-list order: `project.render` globs, with
        `!pattern` entries excluding what earlier entries matched; files and folders
        whose names start with `.` or `_` are never pages."""
        patterns = self.project.get("render") or ["**/*.qmd"]
        pages: list[Path] = []
        for pattern in patterns:
            if pattern.startswith("!"):
                excluded = pattern[1:]
                pages = [p for p in pages if not self._matches(p, excluded)]
                continue
            for path in sorted(self.root.glob(pattern)):
                if self._is_page(path) and path not in pages:
                    pages.append(path)
        return pages

    def _matches(self, page: Path, pattern: str) -> bool:
        relative = PurePosixPath(page.relative_to(self.root).as_posix())
        return relative.match(pattern) or fnmatch.fnmatch(str(relative), pattern)

    def _is_page(self, path: Path) -> bool:
        if not path.is_file() or path.suffix not in PAGE_SUFFIXES:
            return False
        parts = path.relative_to(self.root).parts
        if any(part.startswith((".", "_")) for part in parts):
            return False
        output = self.output_dir.resolve()
        return not path.resolve().is_relative_to(output)

    def relative(self, page: Path) -> str:
        return page.resolve().relative_to(self.root).as_posix()

    def html_path(self, page: Path) -> str:
        """The page's HTML file, relative to the output folder (`output-file` honoured)."""
        relative = PurePosixPath(self.relative(page))
        output_file = self.front_matter(page).get("output-file")
        if output_file:
            name = output_file if output_file.endswith(".html") else f"{output_file}.html"
            return str(relative.with_name(name))
        return str(relative.with_suffix(".html"))

    def expected_html(self) -> list[str]:
        """Every HTML page a render of this project must produce."""
        return [self.html_path(page) for page in self.pages]

    def page_for_html(self, html: str) -> Path | None:
        """The source page of a rendered HTML path, if it is one of the project's pages."""
        for page in self.pages:
            if self.html_path(page) == html:
                return page
        return None

    # --- metadata ----------------------------------------------------------------------

    def front_matter(self, page: Path) -> dict:
        """The page's front matter, read once."""
        page = page.resolve()
        if page not in self._front_matter:
            try:
                lines = page.read_text(encoding="utf-8").splitlines()
            except OSError as err:
                raise DsopsError(
                    f"{paths.project_relative(page)}: cannot read this page ({err.strerror})."
                ) from None
            self._front_matter[page] = split_front_matter(page, lines)[0]
        return self._front_matter[page]

    def directory_metadata(self, page: Path) -> list[tuple[Path, dict]]:
        """Each `_metadata.yml` from the project root down to the page's folder."""
        page = page.resolve()
        folders = [self.root]
        if page.is_relative_to(self.root):
            for part in page.parent.relative_to(self.root).parts:
                folders.append(folders[-1] / part)
        return [
            (folder / DIRECTORY_METADATA, read_yaml_mapping(folder / DIRECTORY_METADATA))
            for folder in folders
            if (folder / DIRECTORY_METADATA).is_file()
        ]

    def metadata(self, page: Path) -> dict:
        """The page's merged metadata: project < folders (outer to inner) < front matter."""
        merged = {k: v for k, v in self.config.items() if k not in PROJECT_ONLY_KEYS}
        for _, data in self.directory_metadata(page):
            merged = deep_merge(merged, data)
        return deep_merge(merged, self.front_matter(page))

    def execute_options(self, page: Path) -> dict:
        """The page-level `execute` options after merging (cells may override them)."""
        execute = self.metadata(page).get("execute") or {}
        if not isinstance(execute, dict):
            raise DsopsError(
                f"{paths.project_relative(page)}: `execute` must be a mapping of options."
            )
        return execute

    def working_dir(self, page: Path) -> Path:
        """Where Quarto runs the page's code: the project root or the page's folder."""
        return self.root if self.execute_dir == "project" else page.resolve().parent


def load_project(root: Path = paths.PROJ_ROOT) -> QuartoProject:
    return QuartoProject.load(root)

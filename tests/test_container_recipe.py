"""The container recipe, read as files: what the README promises about the image
and compose.yaml. scripts/image-check.sh (run by scripts/test.sh) replays the
Dockerfile for real; these checks are the quick part that needs no install."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from sqlalchemy.engine import make_url

from storage.db import normalize_url

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def image_check() -> ModuleType:
    spec = importlib.util.spec_from_file_location("image_check", REPO / "scripts/image_check.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text())


def test_the_dockerfile_keeps_its_promises(image_check: ModuleType) -> None:
    recipe = image_check.parse((REPO / "Dockerfile").read_text(), {})
    image_check.check_promises(recipe)
    assert recipe.user == "sitrep"
    assert [word for word, _, _ in recipe.steps].count("RUN") >= 2


def test_the_build_context_holds_what_the_install_needs(image_check: ModuleType) -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    needed = [
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "requirements.lock",
        "bot/manifest.yaml",
        "templates/messages/incident_card.json.j2",
        "storage/migrations/versions/0001_initial_schema.py",
    ]
    for path in needed:
        assert (REPO / path).exists(), path
        assert not image_check.ignored(path, patterns), f".dockerignore leaves out {path}"
    for path in [".venv/bin/python", ".git/HEAD", "bot/__pycache__/app.cpython-311.pyc"]:
        assert image_check.ignored(path, patterns), f".dockerignore lets in {path}"


def test_compose_runs_sitrep_on_postgres_16_with_a_volume(compose: dict) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["image"].startswith("postgres:16")
    volume, _, mount = postgres["volumes"][0].partition(":")
    assert mount == "/var/lib/postgresql/data" and volume in compose["volumes"]

    sitrep = compose["services"]["sitrep"]
    assert sitrep["build"] == "."
    assert sitrep["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert any(port.endswith(":3000") for port in sitrep["ports"])
    url = re.sub(r"\$\{(\w+)[^}]*\}", r"\1", sitrep["environment"]["DATABASE_URL"])
    parsed = make_url(normalize_url(url))
    assert parsed.drivername == "postgresql+psycopg"
    assert parsed.host == "postgres" and parsed.database == postgres["environment"]["POSTGRES_DB"]


def test_env_example_names_every_variable_compose_reads() -> None:
    used = set(re.findall(r"\$\{(\w+)", (REPO / "compose.yaml").read_text()))
    example = (REPO / ".env.example").read_text()
    offered = set(re.findall(r"^(\w+)=", example, re.MULTILINE))
    assert used and used <= offered, used - offered

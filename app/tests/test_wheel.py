"""The artifact the image deploys: app/build.sh's wheel, run by gunicorn as the webcast_app role runs it."""

import os
import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest
from conftest import environment, free_port, stop, wait_for

APP = Path(__file__).resolve().parents[1]
ENTRY_POINT = "webcast_app.wsgi:application"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    result = subprocess.run([str(APP / "build.sh"), str(out)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    [built] = out.glob("webcast_app-*-py3-none-any.whl")
    assert result.stdout.strip() == str(built)
    return built


def test_the_wheel_carries_hls_js_the_templates_and_the_migrations(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in (
        "webcast_app/static/hls.min.js",
        "webcast_app/static/player.js",
        "webcast_app/templates/event.html",
        "webcast_app/migrations/0001_initial.sql",
        "webcast_app/wsgi.py",
    ):
        assert name in names
    name, version = wheel.name.split("-")[:2]
    entry_points = zipfile.ZipFile(wheel).read(f"{name}-{version}.dist-info/entry_points.txt")
    assert b"webcast-app=webcast_app.cli:main" in entry_points


def test_gunicorn_serves_the_built_wheel_healthy_with_hls_js(wheel, config, tmp_path):
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    port = free_port()
    log = tmp_path / "gunicorn.log"
    # Only the wheel's copy of the app is importable: PYTHONPATH is the extracted wheel, not src/.
    env = {**os.environ, "PYTHONPATH": str(site), **environment(config)}
    with log.open("w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--bind",
                f"127.0.0.1:{port}",
                "--no-control-socket",
                ENTRY_POINT,
            ],
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            cwd=tmp_path,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for("gunicorn", lambda: urllib.request.urlopen(base + "/static/player.js").close(), process, log)
        with urllib.request.urlopen(base + "/healthz") as response:
            assert response.status == 200, response.read()
        with urllib.request.urlopen(base + "/static/hls.min.js") as response:
            body = response.read()
            assert response.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
        assert len(body) > 100_000 and b"Hls" in body
        assert (site / "webcast_app" / "__init__.py").exists()
        assert "Traceback" not in log.read_text()
    finally:
        stop(process)

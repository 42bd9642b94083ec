"""Project folders from the IDEs' own state files (samples written by hand in the layout
VS Code's storage.json and JetBrains' recentProjects.xml use), used when a title names a
project and the process cwd says nothing."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.gitrepo import make_repo
from watchers import projects
from watchers.inference import infer
from watchers.observation import Observation
from watchers.recent_projects import RECENT, jetbrains_projects, vscode_folders
from watchers.window.base import WindowInfo


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    RECENT.clear()
    projects.clear_caches()
    yield home
    RECENT.clear()


def storage_json(*folders: str) -> str:
    uris = [f"file://{f.replace(' ', '%20')}" for f in folders]
    return json.dumps({
        "telemetry.machineId": "5f1c0e",
        "backupWorkspaces": {"workspaces": [], "folders": [{"folderUri": uris[0]}],
                             "emptyWindows": [{"backupFolder": "1700000000000"}]},
        "windowsState": {"lastActiveWindow": {"folder": uris[0], "uiState": {"mode": 1}},
                         "openedWindows": []},
        "profileAssociations": {"workspaces": {
            **dict.fromkeys(uris, "__default__profile__"),
            "vscode-remote://ssh-remote%2Bdevbox/home/me/ops": "__default__profile__"}},
        "theme": "vs-dark",
    })


RECENT_XML = """<application>
  <component name="RecentProjectsManager">
    <option name="additionalInfo">
      <map>
        <entry key="$USER_HOME$/src/shop-service">
          <value>
            <RecentProjectMetaInfo frameTitle="shop – OrderService.java" opened="true"
                projectWorkspaceId="2XyZ">
              <option name="activationTimestamp" value="1700000000000" />
              <option name="build" value="IU-233.13135.103" />
            </RecentProjectMetaInfo>
          </value>
        </entry>
        <entry key="$USER_HOME$/src/tool">
          <value><RecentProjectMetaInfo frameTitle="tool [~/src/tool] – lib.rs" /></value>
        </entry>
      </map>
    </option>
    <option name="lastOpenedProject" value="$USER_HOME$/src/shop-service" />
  </component>
</application>
"""


def test_vscode_storage_parsing() -> None:
    found = vscode_folders(storage_json("/home/me/src/myproj", "/home/me/src/other proj"))
    assert found == {"myproj": "/home/me/src/myproj", "other proj": "/home/me/src/other proj"}
    windows = json.dumps({"backupWorkspaces": {"folders": [
        {"folderUri": "file:///c%3A/Users/me/src/app"}],
        "workspaces": [{"configURIPath": "file:///home/me/ws/stack.code-workspace"}]}})
    assert vscode_folders(windows) == {"app": "c:\\Users\\me\\src\\app", "stack": "/home/me/ws"}
    assert vscode_folders("not json") == {}


def test_jetbrains_recent_projects_parsing() -> None:
    found = jetbrains_projects(RECENT_XML, "/home/me")
    assert found["shop"] == found["shop-service"] == "/home/me/src/shop-service"
    assert found["tool"] == "/home/me/src/tool"


def test_vs_code_project_found_through_its_storage(home: Path) -> None:
    repo = make_repo(home / "src" / "myproj", files={"src/app.py": ""})
    state = home / ".config" / "Code" / "User" / "globalStorage"
    state.mkdir(parents=True)
    (state / "storage.json").write_text(storage_json(str(repo)))
    obs = infer(Observation(time=time.time()),
                WindowInfo(app="code", title="app.py - myproj - Visual Studio Code"))
    assert (obs.project, obs.project_path, obs.branch) == ("myproj", str(repo), "feature/x")
    assert obs.file == "app.py"  # in src/, so not guessed at the root


def test_jetbrains_project_found_through_recent_projects(home: Path) -> None:
    repo = make_repo(home / "src" / "shop-service", files={"Order.java": ""})
    options = home / ".config" / "JetBrains" / "IntelliJIdea2023.3" / "options"
    options.mkdir(parents=True)
    (options / "recentProjects.xml").write_text(RECENT_XML)
    obs = infer(Observation(time=time.time()),
                WindowInfo(app="jetbrains-idea", title="shop – Order.java"))
    assert (obs.project, obs.project_path, obs.branch) == ("shop", str(repo), "feature/x")
    assert obs.file == str(repo / "Order.java") and obs.language == "Java"


def test_unknown_project_keeps_only_the_name(home: Path) -> None:
    obs = infer(Observation(time=time.time()),
                WindowInfo(app="jetbrains-goland", title="svc – main.go"))
    assert (obs.project, obs.project_path) == ("svc", None)

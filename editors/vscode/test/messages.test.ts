import { strict as assert } from "node:assert";
import { describe, it } from "node:test";

import {
  installFailedMessage,
  missingServerMessage,
  noPythonMessage,
  settingNotFoundMessage,
  versionList,
} from "../src/messages";

describe("messages", () => {
  it("names the Python versions needed, where to get one, and what was found", () => {
    const text = noPythonMessage(["3.11", "3.12", "3.13"], [
      { name: "python3", path: "/usr/bin/python3", reason: "Python 3.9.2" },
      { name: "python", reason: "not on PATH" },
    ], false);
    assert.match(text, /needs Python 3\.11, 3\.12 or 3\.13/);
    assert.match(text, /https:\/\/www\.python\.org\/downloads\//);
    assert.match(text, /python3 \(\/usr\/bin\/python3\): Python 3\.9\.2; python: not on PATH/);
    assert.match(text, /Restart Server"\.$/);
    assert.doesNotMatch(text, /Select Interpreter/, "only with the Python extension installed");
    assert.match(noPythonMessage(["3.11"], [], true), /Restart Server"; or pick one with "Python: Select Interpreter"\.$/);
  });

  it("lists versions as a person would", () => {
    assert.equal(versionList(["3.11"]), "3.11");
    assert.equal(versionList(["3.11", "3.12"]), "3.11 or 3.12");
  });

  it("a wrong setting points at the setting and at the bundled server", () => {
    const text = settingNotFoundMessage("/nonexistent/arb-lsp");
    assert.match(text, /"\/nonexistent\/arb-lsp"/);
    assert.match(text, /arbLsp\.server\.command/);
    assert.match(text, /clear the setting/);
  });

  it("a build without the server says how to get one", () => {
    const text = missingServerMessage("arb-lsp");
    assert.match(text, /scripts\/release\.sh/);
    assert.match(text, /pipx install \./);
    assert.match(text, /arbLsp\.server\.command/);
  });

  it("an install failure names the interpreter, the step and pip's last line", () => {
    const text = installFailedMessage("/usr/bin/python3", "3.11.2", "installing the wheels", "Looking in links\nERROR: No matching distribution found for pydantic-core\n");
    assert.match(text, /Python 3\.11\.2 \(\/usr\/bin\/python3\) failed while installing the wheels: ERROR: No matching distribution found for pydantic-core\./);
    assert.match(text, /Retry/);
  });
});

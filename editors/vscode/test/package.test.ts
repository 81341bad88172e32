import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { describe, it } from "node:test";

// Compiled to out/test/: the extension's folder is two levels up.
const EXTENSION_DIR = path.resolve(__dirname, "..", "..");
const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, "package.json"), "utf8"));

describe("package.json", () => {
  it("has the server's version (one place: arb_lsp/__init__.py; scripts/release.sh syncs it)", () => {
    const init = fs.readFileSync(path.join(EXTENSION_DIR, "..", "..", "arb_lsp", "__init__.py"), "utf8");
    assert.equal(manifest.version, /__version__ = "([^"]+)"/.exec(init)?.[1]);
  });

  it("walkthrough: every step's media ships in the .vsix and every command link exists", () => {
    const ignore = fs.readFileSync(path.join(EXTENSION_DIR, ".vscodeignore"), "utf8");
    assert.match(ignore, /^!walkthrough\/\*\*$/m);
    const commands = new Set(manifest.contributes.commands.map((command: { command: string }) => command.command));
    const builtIn = new Set(["workbench.action.openSettings", "workbench.action.files.newUntitledFile"]);
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.deepEqual(
      walkthrough.steps.map((step: { id: string }) => step.id),
      ["setKey", "priority", "ghostText", "hoverAndDocstring"],
    );
    for (const step of walkthrough.steps) {
      assert.ok(fs.existsSync(path.join(EXTENSION_DIR, step.media.markdown)), step.media.markdown);
      for (const [, command] of step.description.matchAll(/\(command:([\w.]+)/g)) {
        assert.ok(commands.has(command) || builtIn.has(command), `${step.id}: unknown command ${command}`);
      }
    }
    assert.match(walkthrough.steps[0].description, /https:\/\/openrouter\.ai\/keys/);
  });
});

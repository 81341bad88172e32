import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, it } from "node:test";

import {
  type BundleManifest,
  ensureServerInstalled,
  environmentDir,
  environmentPython,
  InstallError,
  installedPython,
  readBundleManifest,
} from "../src/bundle";

function scratch(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "arb-lsp-bundle-test-"));
}

describe("bundle", () => {
  it("reads the manifest release.sh writes, and nothing from a build without one", () => {
    const dir = scratch();
    assert.equal(readBundleManifest(dir), undefined);
    fs.mkdirSync(path.join(dir, "bundled"));
    const manifest = { version: "0.1.0", target: "linux-x64", pythonVersions: ["3.11", "3.12"], requirement: "arb-lsp==0.1.0" };
    fs.writeFileSync(path.join(dir, "bundled", "manifest.json"), JSON.stringify(manifest));
    assert.deepEqual(readBundleManifest(dir), manifest);
    fs.writeFileSync(path.join(dir, "bundled", "manifest.json"), "{\"version\": 1}");
    assert.equal(readBundleManifest(dir), undefined);
  });

  it("keys the environment by extension version and interpreter", () => {
    const a = environmentDir("/s", "0.1.0", "/usr/bin/python3", "3.11.2");
    assert.match(a, /^\/s\/server\/0\.1\.0\/py3\.11-[0-9a-f]{10}$/);
    assert.notEqual(a, environmentDir("/s", "0.2.0", "/usr/bin/python3", "3.11.2"));
    assert.notEqual(a, environmentDir("/s", "0.1.0", "/opt/python3", "3.11.2"));
    assert.equal(environmentPython("/e", "linux"), "/e/bin/python");
    assert.equal(environmentPython("/e", "win32"), path.join("/e", "Scripts", "python.exe"));
  });

  it("counts an environment as installed only with its marker, for this version, with its interpreter", () => {
    const dir = scratch();
    fs.mkdirSync(path.join(dir, "bin"));
    fs.symlinkSync(process.execPath, path.join(dir, "bin", "python"));
    assert.equal(installedPython(dir, "0.1.0", "linux"), undefined, "no marker: an interrupted install");
    fs.writeFileSync(path.join(dir, "arb-lsp-installed.json"), JSON.stringify({ version: "0.1.0" }));
    assert.equal(installedPython(dir, "0.1.0", "linux"), path.join(dir, "bin", "python"));
    assert.equal(installedPython(dir, "0.2.0", "linux"), undefined, "an update installs its own server");
    fs.rmSync(path.join(dir, "bin", "python"));
    fs.symlinkSync(path.join(dir, "gone"), path.join(dir, "bin", "python"));
    assert.equal(installedPython(dir, "0.1.0", "linux"), undefined, "the base interpreter was removed");
  });
});

describe("ensureServerInstalled failures", () => {
  const manifest: BundleManifest = { version: "0.1.0", target: "linux-x64", pythonVersions: ["3.11"], requirement: "arb-lsp==0.1.0" };

  function extensionWith(files: string[]): string {
    const dir = scratch();
    fs.mkdirSync(path.join(dir, "bundled", "wheelhouse"), { recursive: true });
    for (const file of files) {
      fs.writeFileSync(path.join(dir, "bundled", "wheelhouse", file), "");
    }
    return dir;
  }

  async function failure(extensionPath: string, python: string, storageDir: string): Promise<InstallError> {
    const reports: string[] = [];
    try {
      await ensureServerInstalled({
        extensionPath,
        storageDir,
        manifest,
        python,
        pythonVersion: "3.11.2",
        report: (message) => reports.push(message),
        log: () => undefined,
      });
    } catch (error) {
      assert.ok(error instanceof InstallError, String(error));
      return error;
    }
    assert.fail("the install succeeded");
  }

  it("names a bundle without pip", async () => {
    const error = await failure(extensionWith([]), "/usr/bin/python3", scratch());
    assert.equal(error.step, "looking for pip in the bundle");
  });

  it("names the step that failed and its output, and leaves nothing half-installed", async () => {
    const storage = scratch();
    // A real Python creates the environment; the bundle's pip wheel is broken (empty), so pip fails.
    const error = await failure(extensionWith(["pip-26.3-py3-none-any.whl"]), "python3", storage);
    assert.equal(error.step, "installing the wheels");
    assert.notEqual(error.detail.trim(), "");
    const versionDir = path.join(storage, "server", "0.1.0");
    assert.deepEqual(fs.readdirSync(versionDir), [], "the partial environment was removed");
    assert.equal(installedPython(environmentDir(storage, "0.1.0", "python3", "3.11.2"), "0.1.0"), undefined);
  });

  it("names the environment step when the interpreter is not Python", async () => {
    const error = await failure(extensionWith(["pip-26.3-py3-none-any.whl"]), process.execPath, scratch());
    assert.equal(error.step, "creating a virtual environment");
  });
});

/**
 * The server bundled with the extension: a wheelhouse (arb-lsp's wheel and every dependency's wheel for
 * this platform and several CPython versions, written by scripts/release.sh into `bundled/`) installed
 * offline into a private virtualenv under the extension's global storage on first run.
 *
 * One environment per extension version and interpreter: an update of the extension installs its own
 * server (and removes older ones); another interpreter gets its own environment. An environment counts as
 * installed only once its marker file is written, after pip succeeded, so a failed or interrupted install
 * is redone on the next start. No `vscode` import: the caller reports progress.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** `bundled/manifest.json`, as scripts/release.sh writes it. */
export interface BundleManifest {
  version: string;
  target: string;
  /** `major.minor` CPython versions the wheelhouse has every wheel for. */
  pythonVersions: string[];
  /** What pip installs from the wheelhouse, e.g. `arb-lsp==0.1.0`. */
  requirement: string;
}

const MARKER = "arb-lsp-installed.json";
const INSTALL_TIMEOUT_MS = 5 * 60 * 1000;

/** The bundle's manifest, or `undefined` for a build without the server (`npm run package`). */
export function readBundleManifest(extensionPath: string): BundleManifest | undefined {
  try {
    const raw: unknown = JSON.parse(fs.readFileSync(path.join(extensionPath, "bundled", "manifest.json"), "utf8"));
    const manifest = raw as Partial<BundleManifest>;
    if (
      typeof manifest.version === "string" &&
      typeof manifest.requirement === "string" &&
      Array.isArray(manifest.pythonVersions) &&
      manifest.pythonVersions.every((version) => typeof version === "string")
    ) {
      return { target: "", ...manifest } as BundleManifest;
    }
  } catch {
    // No bundle in this build.
  }
  return undefined;
}

/** `<storage>/server/<extension version>/py3.12-<hash of the interpreter's path>`. */
export function environmentDir(storageDir: string, version: string, python: string, pythonVersion: string): string {
  const [major, minor] = pythonVersion.split(".");
  const hash = createHash("sha256").update(python).digest("hex").slice(0, 10);
  return path.join(storageDir, "server", version, `py${major}.${minor}-${hash}`);
}

/** The environment's own interpreter. */
export function environmentPython(dir: string, platform: NodeJS.Platform = process.platform): string {
  return platform === "win32" ? path.join(dir, "Scripts", "python.exe") : path.join(dir, "bin", "python");
}

/** The environment's interpreter when `dir` holds a finished install of `version`, else `undefined`. */
export function installedPython(dir: string, version: string, platform: NodeJS.Platform = process.platform): string | undefined {
  try {
    const marker = JSON.parse(fs.readFileSync(path.join(dir, MARKER), "utf8")) as { version?: unknown };
    const python = environmentPython(dir, platform);
    // existsSync follows the venv's symlink: a removed base interpreter makes the environment unusable.
    return marker.version === version && fs.existsSync(python) ? python : undefined;
  } catch {
    return undefined;
  }
}

/** Why an install failed: which step, and the tool's output. */
export class InstallError extends Error {
  constructor(
    readonly step: string,
    readonly detail: string,
  ) {
    super(`${step}: ${detail.trim().split(/\r?\n/).slice(-1)[0] ?? ""}`);
  }
}

/** The editor's environment without what would point pip or Python elsewhere than the wheelhouse. */
function isolatedEnv(base: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(base)) {
    if (!/^(PIP_|PYTHON)/i.test(key)) {
      env[key] = value;
    }
  }
  // No pip configuration file (indexes, constraints) applies: everything comes from the wheelhouse.
  env.PIP_CONFIG_FILE = os.devNull;
  env.PIP_DISABLE_PIP_VERSION_CHECK = "1";
  env.PIP_NO_INPUT = "1";
  env.PYTHONNOUSERSITE = "1";
  return env;
}

function run(command: string, args: string[], step: string, log: (line: string) => void): Promise<void> {
  log(`${command} ${args.join(" ")}`);
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: isolatedEnv(process.env), timeout: INSTALL_TIMEOUT_MS, windowsHide: true, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (output.trim() !== "") {
          log(output.trimEnd());
        }
        if (error) {
          reject(new InstallError(step, stderr.trim() !== "" ? stderr : `${error.message}\n${stdout}`));
        } else {
          resolve();
        }
      },
    );
  });
}

export interface InstallRequest {
  extensionPath: string;
  storageDir: string;
  manifest: BundleManifest;
  python: string;
  pythonVersion: string;
  report: (message: string) => void;
  log: (line: string) => void;
}

/**
 * The bundled server's interpreter for `python`: the existing environment, else a new one, installed
 * offline from the wheelhouse. Throws `InstallError` with the step that failed.
 */
export async function ensureServerInstalled(request: InstallRequest): Promise<{ python: string; installed: boolean }> {
  const { manifest, python, pythonVersion, report, log } = request;
  const dir = environmentDir(request.storageDir, manifest.version, python, pythonVersion);
  const existing = installedPython(dir, manifest.version);
  if (existing !== undefined) {
    return { python: existing, installed: false };
  }
  const wheelhouse = path.join(request.extensionPath, "bundled", "wheelhouse");
  const pipWheel = fs.readdirSync(wheelhouse).find((name) => /^pip-.*\.whl$/.test(name));
  if (pipWheel === undefined) {
    throw new InstallError("looking for pip in the bundle", `no pip wheel in ${wheelhouse}`);
  }
  // Built beside its final place and renamed at the end, so a window that starts meanwhile never
  // sees a half-installed environment.
  const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  try {
    report("creating a Python environment");
    // Without pip: Debian's and Ubuntu's Python lack ensurepip unless python3-venv is installed; pip runs
    // from its bundled wheel instead.
    await run(python, ["-I", "-m", "venv", "--without-pip", partial], "creating a virtual environment", log);
    const envPython = environmentPython(partial);
    report("installing arb-lsp and its libraries (offline)");
    await run(
      envPython,
      [
        "-I",
        path.join(wheelhouse, pipWheel, "pip"),
        "install",
        "--no-index",
        "--find-links",
        wheelhouse,
        "--only-binary=:all:",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--no-input",
        manifest.requirement,
      ],
      "installing the wheels",
      log,
    );
    fs.writeFileSync(
      path.join(partial, MARKER),
      JSON.stringify({ version: manifest.version, python, pythonVersion, installedAt: new Date().toISOString() }),
    );
    try {
      fs.renameSync(partial, dir);
    } catch (error) {
      // Another window finished first: use its environment.
      if (installedPython(dir, manifest.version) === undefined) {
        throw new InstallError("moving the environment into place", String(error));
      }
      fs.rmSync(partial, { recursive: true, force: true });
    }
  } catch (error) {
    fs.rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  removeOtherVersions(request.storageDir, manifest.version, log);
  return { python: environmentPython(dir), installed: true };
}

/** Servers installed by earlier versions of the extension are no longer used. */
function removeOtherVersions(storageDir: string, version: string, log: (line: string) => void): void {
  const root = path.join(storageDir, "server");
  for (const name of fs.readdirSync(root)) {
    if (name !== version) {
      log(`removing the server of extension version ${name}`);
      fs.rmSync(path.join(root, name), { recursive: true, force: true });
    }
  }
}

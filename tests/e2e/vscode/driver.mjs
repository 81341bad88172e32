// Drives VS Code (code-server) in headless Chromium through the arb-lsp extension, as a person
// would: ghost text accepted with Tab, a hover, and "Generate docstring" from the quick-fix menu.
//
// Usage: node driver.mjs CONFIG_JSON
// CONFIG_JSON: {url, file, fileName, playwrightCore, chromium, artifacts, stepTimeoutMs,
//               completion: {typed, expect}, hover: {line, word, expect}, docstring: {line, word, expect}}
// Prints one line `RESULT {json}` on stdout: what each step saw, its timings, and any error.
// Progress goes to stderr. Every step is bounded; a failed step is recorded and the next one runs.
import { createRequire } from "node:module";
import * as fs from "node:fs";
import * as path from "node:path";

const config = JSON.parse(process.argv[2]);
const require = createRequire(import.meta.url);
const { chromium } = require(config.playwrightCore);

const STEP_TIMEOUT = config.stepTimeoutMs ?? 20000;
const started = Date.now();
const result = { steps: {}, timings: {}, errors: [] };

function log(message) {
  process.stderr.write(`[driver +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
}

function mark(name, since) {
  result.timings[name] = Date.now() - since;
}

async function screenshot(page, name) {
  try {
    await page.screenshot({ path: path.join(config.artifacts, `${name}.png`) });
  } catch (error) {
    log(`screenshot ${name} failed: ${error}`);
  }
}

function readFile() {
  return fs.readFileSync(config.file, "utf8");
}

/** Polls `check` until it returns a truthy value or the time is up; returns the last value. */
async function poll(check, timeoutMs, intervalMs = 100) {
  const deadline = Date.now() + timeoutMs;
  let value = await check();
  while (!value && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    value = await check();
  }
  return value;
}

/** The on-screen token span whose text is exactly `word`, on the line that contains `lineText`. */
async function tokenBox(page, lineText, word) {
  return page.evaluate(
    ({ lineText, word }) => {
      for (const line of document.querySelectorAll(".monaco-editor .view-lines .view-line")) {
        if (!line.textContent.replace(/\u00a0/g, " ").includes(lineText)) {
          continue;
        }
        for (const span of line.querySelectorAll("span span")) {
          if (span.textContent.trim() === word) {
            const box = span.getBoundingClientRect();
            return { x: box.x, y: box.y, width: box.width, height: box.height };
          }
        }
      }
      return null;
    },
    { lineText, word },
  );
}

/** Text of every ghost-text element in the editor (inline and extra lines). */
async function ghostText(page) {
  // Ghost text is split into one element per syntax token; take the outermost ones in order.
  return page.evaluate(() => {
    const selector = "[class*='ghost-text']";
    return [...document.querySelectorAll(`.monaco-editor ${selector}`)]
      .filter((element) => !element.parentElement?.closest(selector))
      .map((element) => element.textContent.replace(/\u00a0/g, " "))
      .join("");
  });
}

async function statusItem(page) {
  return page.evaluate(() => {
    for (const item of document.querySelectorAll(".statusbar-item")) {
      if (item.textContent.includes("arb-lsp")) {
        const icon = item.querySelector(".codicon");
        const spinning = Boolean(item.querySelector(".codicon-modifier-spin, .codicon-sync~spin"));
        const anchor = item.querySelector("a");
        return {
          text: item.textContent.trim(),
          spinning,
          icon: icon ? [...icon.classList].find((c) => c.startsWith("codicon-")) : null,
          label: anchor?.getAttribute("aria-label") ?? item.getAttribute("aria-label"),
        };
      }
    }
    return null;
  });
}

async function dismissWidgets(page) {
  await page.keyboard.press("Escape");
  await page.keyboard.press("Escape");
}

async function saveAndWaitFor(page, expect) {
  await page.keyboard.press("Control+S");
  return poll(() => readFile().includes(expect), 5000);
}

async function openFile(page) {
  const since = Date.now();
  await page.goto(config.url, { timeout: STEP_TIMEOUT });
  await page.locator(".monaco-workbench").waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  mark("workbench", since);
  log("workbench visible");
  // Quick Open (Ctrl+P) needs the workbench to be ready for keys; retry until its box shows.
  const quickInput = page.locator(".quick-input-widget input");
  const opened = await poll(async () => {
    await page.keyboard.press("Control+P");
    return quickInput.isVisible();
  }, STEP_TIMEOUT, 500);
  if (!opened) {
    throw new Error("Quick Open did not show");
  }
  await page.keyboard.type(config.fileName);
  await page
    .locator(".quick-input-widget .monaco-list-row", { hasText: config.fileName })
    .first()
    .waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  await page.keyboard.press("Enter");
  await page
    .locator(".tabs-container .tab.active", { hasText: config.fileName })
    .waitFor({ state: "visible", timeout: STEP_TIMEOUT });
  await page.locator(".monaco-editor .view-lines .view-line").first().waitFor({ timeout: STEP_TIMEOUT });
  mark("openFile", since);
  log("file open");
}

async function waitForServer(page) {
  const since = Date.now();
  const status = await poll(async () => {
    const item = await statusItem(page);
    return item && (item.icon === "codicon-sparkle" || item.icon === "codicon-error") ? item : null;
  }, STEP_TIMEOUT, 200);
  result.steps.statusAtStart = status ?? (await statusItem(page));
  mark("serverReady", since);
  log(`status bar: ${JSON.stringify(result.steps.statusAtStart)}`);
  if (!status || status.icon !== "codicon-sparkle") {
    throw new Error(`arb-lsp did not become ready: ${JSON.stringify(result.steps.statusAtStart)}`);
  }
}

async function stepGhostText(page) {
  const { typed, expect } = config.completion;
  const step = (result.steps.completion = { triggeredManually: false });
  await page.locator(".monaco-editor textarea").first().focus();
  await page.keyboard.press("Control+End");
  // One input event for the signature (not a request per key), then a real Enter: the
  // editor auto-indents the body and asks for an inline completion there.
  await page.keyboard.insertText(typed);
  await page.keyboard.press("Enter");
  const since = Date.now();
  let seen = await poll(async () => ((await ghostText(page)).includes(expect) ? ghostText(page) : null), 8000);
  if (!seen) {
    // Alt+\ is "Trigger Inline Suggestion": asks again, in case the typing-triggered one raced.
    step.triggeredManually = true;
    log("no ghost text yet: triggering inline suggestion by hand");
    await page.keyboard.press("Alt+Backslash");
    seen = await poll(async () => ((await ghostText(page)).includes(expect) ? ghostText(page) : null), 8000);
  }
  step.ghostText = seen || (await ghostText(page));
  mark("ghostTextShown", since);
  await screenshot(page, "1-ghost-text");
  if (!seen) {
    throw new Error(`no ghost text containing ${JSON.stringify(expect)}; saw ${JSON.stringify(step.ghostText)}`);
  }
  log(`ghost text: ${JSON.stringify(seen)}`);
  await page.keyboard.press("Tab");
  step.ghostTextAfterTab = await poll(async () => !(await ghostText(page)).includes(expect), 3000);
  step.saved = await saveAndWaitFor(page, expect);
  step.file = readFile();
  await screenshot(page, "1-accepted");
  log(`after Tab + save, file has the completion: ${step.saved}`);
}

/**
 * Ghost text taken in part: Ctrl+Right ("Accept Next Word") takes its first word, Escape leaves
 * the rest. VS Code's stable API does not tell extensions; the server sees it when VS Code asks
 * for the rest of the same suggestion.
 */
async function stepPartialGhostText(page) {
  const { typed, expect } = config.partial;
  const step = (result.steps.partial = {});
  await dismissWidgets(page);
  await page.locator(".monaco-editor textarea").first().focus();
  await page.keyboard.press("Control+End");
  await page.keyboard.press("Enter");
  await page.keyboard.insertText(typed);
  await page.keyboard.press("Enter");
  let seen = await poll(async () => ((await ghostText(page)).includes(expect) ? ghostText(page) : null), 8000);
  if (!seen) {
    await page.keyboard.press("Alt+Backslash");
    seen = await poll(async () => ((await ghostText(page)).includes(expect) ? ghostText(page) : null), 8000);
  }
  step.ghostText = seen || (await ghostText(page));
  if (!seen) {
    throw new Error(`no ghost text containing ${JSON.stringify(expect)}; saw ${JSON.stringify(step.ghostText)}`);
  }
  await page.keyboard.press("Control+ArrowRight");
  step.ghostTextAfterWord = await poll(async () => {
    const rest = await ghostText(page);
    return rest !== "" && !rest.includes(expect) ? rest : null;
  }, 3000);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await page.keyboard.press("Escape");
  step.saved = await saveAndWaitFor(page, `${typed}\n`);
  step.file = readFile();
  await screenshot(page, "6-partial");
  log(`after Ctrl+Right, Escape: ghost text rest ${JSON.stringify(step.ghostTextAfterWord)}`);
}

async function stepHover(page) {
  const { line, word, expect } = config.hover;
  const step = (result.steps.hover = { usedKeyboard: false });
  await dismissWidgets(page);
  const box = await tokenBox(page, line, word);
  if (!box) {
    throw new Error(`token ${JSON.stringify(word)} not found on screen in line ${JSON.stringify(line)}`);
  }
  const since = Date.now();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
  // While the model answers, the status bar item spins.
  step.sawWorking = Boolean(
    await poll(async () => (await statusItem(page))?.spinning, 3000, 50),
  );
  const hoverText = async () =>
    page.evaluate(() =>
      [...document.querySelectorAll(".monaco-hover")]
        .filter((element) => element.offsetParent !== null || element.getClientRects().length > 0)
        .map((element) => element.textContent)
        .join("\n"),
    );
  let seen = await poll(async () => ((await hoverText()).includes(expect) ? hoverText() : null), 10000);
  if (!seen) {
    // The keyboard way (Ctrl+K Ctrl+I, "Show Hover") at the same token.
    step.usedKeyboard = true;
    log("no hover from the mouse: trying Show Hover from the keyboard");
    await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
    await page.keyboard.press("Control+K");
    await page.keyboard.press("Control+I");
    seen = await poll(async () => ((await hoverText()).includes(expect) ? hoverText() : null), 10000);
  }
  step.text = seen || (await hoverText());
  // What the hover's DOM holds besides text: images, and where each link would go.
  Object.assign(
    step,
    await page.evaluate(() => {
      const hovers = [...document.querySelectorAll(".monaco-hover")].filter(
        (element) => element.offsetParent !== null || element.getClientRects().length > 0,
      );
      const all = (selector) => hovers.flatMap((hover) => [...hover.querySelectorAll(selector)]);
      return {
        images: all("img, picture, svg image, video, audio, iframe, object, embed").map((e) => e.outerHTML),
        links: all("a").map((a) => ({
          text: a.textContent,
          href: a.getAttribute("href"),
          dataHref: a.getAttribute("data-href"),
        })),
        html: hovers.map((hover) => hover.innerHTML).join("\n"),
      };
    }),
  );
  mark("hoverShown", since);
  await screenshot(page, "2-hover");
  if (!seen) {
    throw new Error(`no hover containing ${JSON.stringify(expect)}; saw ${JSON.stringify(step.text)}`);
  }
  log("hover shows the explanation");
  await page.mouse.move(5, 5);
  await dismissWidgets(page);
}

async function stepDocstring(page) {
  const { line, word, expect } = config.docstring;
  const step = (result.steps.docstring = {});
  await dismissWidgets(page);
  const box = await tokenBox(page, line, word);
  if (!box) {
    throw new Error(`token ${JSON.stringify(word)} not found on screen in line ${JSON.stringify(line)}`);
  }
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.move(5, 5);
  const since = Date.now();
  const rows = page.locator(".action-widget .monaco-list-row");
  const opened = await poll(async () => {
    await page.keyboard.press("Control+Period");
    return poll(async () => (await rows.count()) > 0, 3000);
  }, STEP_TIMEOUT, 0);
  step.menu = await rows.allTextContents();
  mark("quickFixMenu", since);
  if (!opened) {
    await screenshot(page, "3-quick-fix");
    throw new Error("the quick-fix menu did not open");
  }
  // Rows are covered by a pointer-blocking layer: move the keyboard focus, then press Enter.
  const focusedText = async () =>
    page.evaluate(() => document.querySelector(".action-widget .monaco-list-row.focused")?.textContent ?? "");
  for (let i = 0; i <= step.menu.length && !/docstring/i.test(await focusedText()); i += 1) {
    await page.keyboard.press("ArrowDown");
  }
  step.chosen = await focusedText();
  await screenshot(page, "3-quick-fix");
  if (!/docstring/i.test(step.chosen)) {
    throw new Error(`no docstring action in the quick-fix menu: ${JSON.stringify(step.menu)}`);
  }
  log(`quick fix: ${JSON.stringify(step.menu)}; choosing ${JSON.stringify(step.chosen)}`);
  const chosenAt = Date.now();
  await page.keyboard.press("Enter");
  // The edit arrives after codeAction/resolve: the tab turns dirty, then save.
  step.editApplied = Boolean(
    await poll(() => page.locator(".tabs-container .tab.active.dirty").isVisible(), STEP_TIMEOUT),
  );
  mark("docstringApplied", chosenAt);
  step.saved = await saveAndWaitFor(page, expect);
  step.file = readFile();
  await screenshot(page, "3-docstring");
  log(`docstring in the file: ${step.saved}`);
}

/**
 * As a user would: open the user settings.json in the editor ("Preferences: Open User Settings (JSON)"),
 * replace its text with the current settings plus `settings`, save, close. `marker` is a text the
 * settings editor shows, to know it has the keyboard focus.
 */
async function editUserSettings(page, settingsFile, settings, marker, shot) {
  const current = JSON.parse(fs.readFileSync(settingsFile, "utf8"));
  // As a user would: open the user settings.json in the editor, replace its text, save, close.
  await page.mouse.move(5, 5);
  await dismissWidgets(page);
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible" });
  await page.keyboard.type("Preferences: Open User Settings (JSON)");
  await page
    .locator(".quick-input-widget .monaco-list-row", { hasText: "Open User Settings (JSON)" })
    .first()
    .waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  const settingsTab = page.locator(".tabs-container .tab.active", { hasText: "settings.json" });
  await settingsTab.waitFor({ state: "visible" });
  // Keys go to the focused editor: wait until it is the one showing settings.json.
  const settingsFocused = await poll(
    () =>
      page.evaluate((marker) => {
        const editor = document.querySelector(".monaco-editor.focused");
        return Boolean(editor?.querySelector(".view-lines")?.textContent.includes(marker));
      }, marker),
    STEP_TIMEOUT,
  );
  if (!settingsFocused) {
    throw new Error("the settings.json editor did not get the focus");
  }
  // Paste the new text (typing it would auto-indent and auto-close brackets).
  await page.evaluate((text) => navigator.clipboard.writeText(text), JSON.stringify({ ...current, ...settings }, null, 2));
  await page.keyboard.press("Control+A");
  await page.keyboard.press("Control+V");
  await page.keyboard.press("Control+S");
  const savedValue = () => {
    try {
      const [key, value] = Object.entries(settings)[0];
      return JSON.stringify(JSON.parse(fs.readFileSync(settingsFile, "utf8"))[key]) === JSON.stringify(value);
    } catch {
      return false; // not saved yet, or not valid JSON
    }
  };
  const saved = Boolean(await poll(savedValue, 5000));
  await screenshot(page, shot);
  if (!saved) {
    throw new Error(`settings.json was not saved with the change: ${fs.readFileSync(settingsFile, "utf8")}`);
  }
  await page.keyboard.press("Control+W");
  await page
    .locator(".tabs-container .tab.active", { hasText: config.fileName })
    .waitFor({ state: "visible" });
  return saved;
}

/**
 * A setting changed while the editor runs reaches the server (workspace/didChangeConfiguration):
 * write a new explain model into settings.json, then hover until an explanation names it.
 */
async function stepSettingsChange(page) {
  const { settingsFile, settings, line, word, expect } = config.settingsChange;
  const step = (result.steps.settingsChange = { attempts: 0 });
  const since = Date.now();
  step.saved = await editUserSettings(page, settingsFile, settings, "arbLsp.server.command", "4-settings-json");
  const hoverText = async () =>
    page.evaluate(() => [...document.querySelectorAll(".monaco-hover")].map((e) => e.textContent).join("\n"));
  let seen = null;
  while (!seen && Date.now() - since < STEP_TIMEOUT) {
    step.attempts += 1;
    await page.mouse.move(5, 5);
    await dismissWidgets(page);
    const box = await tokenBox(page, line, word);
    if (!box) {
      throw new Error(`token ${JSON.stringify(word)} not found on screen in line ${JSON.stringify(line)}`);
    }
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2, { steps: 4 });
    seen = await poll(async () => ((await hoverText()).includes(expect) ? hoverText() : null), 4000);
  }
  step.text = seen || (await hoverText());
  mark("settingsChangeSeen", since);
  await screenshot(page, "4-settings-change");
  await page.mouse.move(5, 5);
  await dismissWidgets(page);
  if (!seen) {
    throw new Error(`no hover naming ${JSON.stringify(expect)} after the settings change: ${JSON.stringify(step.text)}`);
  }
}

/** Clicking the status bar item shows today's usage in a notification. */
async function stepUsageSummary(page) {
  try {
    await page.locator(".statusbar-item", { hasText: "arb-lsp" }).first().click();
    const summary = await poll(
      () =>
        page.evaluate(() =>
          [...document.querySelectorAll(".notifications-toasts .notification-list-item-message")]
            .map((element) => element.textContent)
            .find((text) => text.includes("arb-lsp today:")),
        ),
      5000,
    );
    result.steps.usageSummary = summary ?? null;
    await new Promise((resolve) => setTimeout(resolve, 400)); // let the toast finish fading in
  } catch (error) {
    result.errors.push(`usage summary: ${error.message ?? error}`);
  }
}

async function toastButtons(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".notifications-toasts .notification-list-item .monaco-button")].map((b) => b.textContent),
  );
}

async function toastTexts(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll(".notifications-toasts .notification-list-item-message")].map(
      (element) => element.textContent,
    ),
  );
}

/** No key anywhere: the extension offers to set one; set it from the Command Palette. */
async function stepSetKey(page) {
  const step = (result.steps.setKey = {});
  const since = Date.now();
  const ready = await poll(async () => (await statusItem(page))?.icon === "codicon-sparkle", STEP_TIMEOUT, 200);
  result.steps.statusAtStart = await statusItem(page);
  if (!ready) {
    throw new Error(`arb-lsp did not become ready without a key: ${JSON.stringify(result.steps.statusAtStart)}`);
  }
  step.offer = await poll(
    async () => (await toastTexts(page)).find((text) => text.includes("needs an OpenRouter API key")),
    STEP_TIMEOUT,
  );
  step.toasts = await toastTexts(page);
  step.offerButtons = await toastButtons(page);
  await screenshot(page, "key-1-offer");
  // F1 opens the Command Palette (with its ">" prefix).
  await page.locator(".monaco-editor textarea").first().focus();
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible" });
  await page.keyboard.type("arb-lsp: Set OpenRouter API Key");
  await page
    .locator(".quick-input-widget .monaco-list-row", { hasText: "Set OpenRouter API Key" })
    .first()
    .waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  const password = page.locator(".quick-input-widget input[type='password']");
  await password.waitFor({ state: "visible" });
  await page.keyboard.type(config.apiKey);
  await screenshot(page, "key-2-input");
  await page.keyboard.press("Enter");
  step.saved = await poll(
    async () => (await toastTexts(page)).find((text) => text.includes("API key saved")),
    STEP_TIMEOUT,
  );
  // The client restarts with the key: wait until it is ready again.
  step.readyAgain = Boolean(
    await poll(async () => (await statusItem(page))?.icon === "codicon-sparkle", STEP_TIMEOUT, 200),
  );
  mark("keySet", since);
  if (!step.offer || !step.saved || !step.readyAgain) {
    throw new Error(`setting the key failed: ${JSON.stringify(step)}`);
  }
  await dismissWidgets(page);
}

/** The server program does not exist: the user must be told how to install it. */
async function stepMissingServer(page) {
  const since = Date.now();
  const status = await poll(async () => {
    const item = await statusItem(page);
    return item && item.icon === "codicon-error" ? item : null;
  }, STEP_TIMEOUT, 200);
  result.steps.statusAtStart = status ?? (await statusItem(page));
  const toastText = async () =>
    page.evaluate(() =>
      [...document.querySelectorAll(".notifications-toasts .notification-list-item-message")]
        .map((element) => element.textContent)
        .join("\n"),
    );
  const seen = await poll(async () => ((await toastText()).includes(config.expectNotification) ? toastText() : null), STEP_TIMEOUT);
  result.steps.notification = seen || (await toastText());
  mark("missingServerReported", since);
  await screenshot(page, "missing-server");
  if (!status) {
    throw new Error(`the status bar item did not turn to error: ${JSON.stringify(result.steps.statusAtStart)}`);
  }
  if (!seen) {
    throw new Error(`no notification containing ${JSON.stringify(config.expectNotification)}`);
  }
}

/**
 * Watches the notification toasts from the moment the workbench shows, for the first-run progress
 * ("arb-lsp: setting up the server"), which may come and go while the file is being opened.
 */
function watchToasts(page, pattern) {
  const seen = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      try {
        for (const text of await toastTexts(page)) {
          if (pattern.test(text) && !seen.includes(text)) {
            seen.push(text);
            log(`toast: ${JSON.stringify(text)}`);
          }
        }
      } catch {
        // The page is navigating; try again.
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    seen,
    stop: async () => {
      stopped = true;
      await loop;
    },
  };
}

/** The bundled server on first run: progress while it installs, then the status bar turns ready. */
async function stepFirstRun(page, watcher) {
  const since = Date.now();
  const step = (result.steps.firstRun = {});
  const status = await poll(async () => {
    const item = await statusItem(page);
    return item && (item.icon === "codicon-sparkle" || item.icon === "codicon-error") ? item : null;
  }, config.firstRunTimeoutMs ?? 120000, 200);
  result.steps.statusAtStart = status ?? (await statusItem(page));
  mark("firstRunReady", since);
  await watcher.stop();
  step.progress = watcher.seen;
  await screenshot(page, "first-run-ready");
  if (!status || status.icon !== "codicon-sparkle") {
    throw new Error(`arb-lsp did not become ready: ${JSON.stringify(result.steps.statusAtStart)}`);
  }
}

/** The Welcome page's walkthrough, opened as a person would: "Welcome: Open Walkthrough...", then arb-lsp's. */
async function stepWalkthrough(page) {
  const step = (result.steps.walkthrough = {});
  await dismissWidgets(page);
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible" });
  await page.keyboard.type("Welcome: Open Walkthrough");
  await page
    .locator(".quick-input-widget .monaco-list-row", { hasText: "Open Walkthrough" })
    .first()
    .waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  const row = page.locator(".quick-input-widget .monaco-list-row", { hasText: config.walkthrough.title });
  await row.first().waitFor({ state: "visible" });
  await page.keyboard.type(config.walkthrough.title);
  await page.keyboard.press("Enter");
  step.text = await poll(
    () =>
      page.evaluate(
        (expect) => {
          const text = document.querySelector(".gettingStartedContainer")?.textContent ?? "";
          return expect.every((title) => text.includes(title)) ? text : null;
        },
        config.walkthrough.steps,
      ),
    STEP_TIMEOUT,
  );
  await screenshot(page, "walkthrough");
  if (!step.text) {
    throw new Error(`the walkthrough did not show ${JSON.stringify(config.walkthrough.steps)}`);
  }
}

/**
 * Another interpreter selected in the Python extension (its setting, written to settings.json): the
 * server restarts with it. The new interpreter has no arb-lsp, so the bundled server is set up first.
 */
async function stepInterpreterChange(page, watcher) {
  const step = (result.steps.interpreterChange = {});
  const since = Date.now();
  const { settings } = config.interpreterChange;
  await editUserSettings(page, config.settingsFile, settings, Object.keys(settings)[0], "interpreter-settings-json");
  const ready = await poll(async () => {
    const item = await statusItem(page);
    return watcher.seen.length > 0 && item?.icon === "codicon-sparkle" ? item : null;
  }, config.firstRunTimeoutMs ?? 120000, 200);
  step.progress = [...watcher.seen];
  step.status = ready ?? (await statusItem(page));
  mark("interpreterChangeReady", since);
  await screenshot(page, "interpreter-changed");
  if (!ready) {
    throw new Error(`no restart on the new interpreter: ${JSON.stringify(step)}`);
  }
}

/** No usable Python: the notification says what is needed; the extension still answers commands. */
async function stepNoPython(page) {
  const step = (result.steps.noPython = {});
  const status = await poll(async () => {
    const item = await statusItem(page);
    return item && item.icon === "codicon-error" ? item : null;
  }, STEP_TIMEOUT, 200);
  result.steps.statusAtStart = status ?? (await statusItem(page));
  step.notification =
    (await poll(async () => (await toastTexts(page)).find((text) => text.includes(config.expectNotification)), STEP_TIMEOUT)) ??
    (await toastTexts(page)).join("\n");
  step.buttons = await toastButtons(page);
  await screenshot(page, "no-python");
  // Nothing retries on its own: the state is the same a few seconds later.
  await new Promise((resolve) => setTimeout(resolve, 3000));
  step.statusLater = await statusItem(page);
  // The extension host is alive: "Restart Server" runs discovery again.
  await page.locator(".monaco-editor textarea").first().focus();
  await page.keyboard.press("F1");
  await page.locator(".quick-input-widget input").waitFor({ state: "visible" });
  await page.keyboard.type("arb-lsp: Restart Server");
  await page
    .locator(".quick-input-widget .monaco-list-row", { hasText: "Restart Server" })
    .first()
    .waitFor({ state: "visible" });
  await page.keyboard.press("Enter");
  await new Promise((resolve) => setTimeout(resolve, 2000));
  step.statusAfterRestart = await statusItem(page);
  if (!status) {
    throw new Error(`the status bar item did not turn to error: ${JSON.stringify(result.steps.statusAtStart)}`);
  }
}

async function main() {
  fs.mkdirSync(config.artifacts, { recursive: true });
  const browser = await chromium.launch({
    executablePath: config.chromium,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
    timeout: STEP_TIMEOUT,
  });
  let page;
  let watcher;
  try {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      permissions: ["clipboard-read", "clipboard-write"],
    });
    page = await context.newPage();
    page.setDefaultTimeout(STEP_TIMEOUT);
    watcher = watchToasts(page, /arb-lsp: setting up/i);
    await openFile(page);
    if (config.mode === "bundled") {
      await stepFirstRun(page, watcher);
      await stepGhostText(page);
      await stepWalkthrough(page);
    } else if (config.mode === "interpreter") {
      await waitForServer(page);
      await stepInterpreterChange(page, watcher);
      await stepGhostText(page);
    } else if (config.mode === "no-python") {
      await stepNoPython(page);
    } else if (config.mode === "missing-server") {
      await stepMissingServer(page);
    } else if (config.mode === "set-key") {
      await stepSetKey(page);
      await stepHover(page);
    } else if (config.mode === "hover") {
      await waitForServer(page);
      await stepHover(page);
    } else {
      await waitForServer(page);
      for (const [name, step] of [
        ["completion", stepGhostText],
        ["hover", stepHover],
        ["docstring", stepDocstring],
        ["settingsChange", stepSettingsChange],
        ...(config.partial ? [["partial", stepPartialGhostText]] : []),
      ]) {
        try {
          await step(page);
        } catch (error) {
          log(`${name} failed: ${error}`);
          result.errors.push(`${name}: ${error.message ?? error}`);
          await dismissWidgets(page).catch(() => undefined);
        }
      }
      // The status bar asks for the spend 1.5 s after requests settle.
      const since = Date.now();
      result.steps.statusAtEnd =
        (await poll(async () => {
          const item = await statusItem(page);
          const spend = Number(/\$(\d+\.\d+)/.exec(item?.text ?? "")?.[1] ?? "NaN");
          const counted = /Today: [1-9]\d* request/.test(item?.label ?? "");
          return counted && (config.expectSpend ? spend > 0 : spend >= 0) ? item : null;
        }, 8000, 200)) ?? (await statusItem(page));
      mark("spendShown", since);
      await stepUsageSummary(page);
      await screenshot(page, "5-final");
    }
  } catch (error) {
    result.errors.push(`setup: ${error.message ?? error}`);
    log(`failed: ${error.stack ?? error}`);
    if (page !== undefined) {
      result.steps.statusAtEnd = await statusItem(page).catch(() => null);
      await screenshot(page, "0-setup-failed");
    }
  } finally {
    await watcher?.stop();
    await browser.close().catch(() => undefined);
  }
  result.timings.total = Date.now() - started;
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

await main();

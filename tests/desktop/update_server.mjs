// The desktop update tests' means (updates.test.mjs, upkeep.test.mjs): the server's release
// command and its API as the administrator, release folders carrying a visible mark, and an
// install folder started through its launcher.

import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, readFileSync, readdirSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { env, waitFor } from "./window.mjs";

export const PLATFORM = "linux-x86_64";

/// The Kinmu server the app updates from: `kinmu release …` on its data folder and database, its
/// API with the administrator's session, and the release folders built under `tmp`.
export class UpdateServer {
  /// `mark`: the text put in each release's index.html before its version (tells the tests'
  /// releases apart in the window).
  constructor({ kinmu, url, data, database, login, password, app, uiDist, tmp, mark }) {
    Object.assign(this, { kinmuBin: kinmu, url, data, database, login, password, app, uiDist, tmp, mark });
    this.cookie = "";
  }

  /// The server tests/desktop/run started, as its environment describes it; releases are built
  /// under `tmp`.
  static fromRunner(tmp, mark) {
    return new UpdateServer({
      kinmu: env("KINMU_BIN"),
      url: env("KINMU_SERVER_URL"),
      data: env("KINMU_SERVER_DATA"),
      database: env("KINMU_DATABASE"),
      login: env("KINMU_ADMIN_LOGIN", "admin"),
      password: env("KINMU_ADMIN_PASSWORD"),
      app: env("KINMU_APP"),
      uiDist: env("KINMU_UI_DIST"),
      tmp,
      mark,
    });
  }

  kinmu(...args) {
    return execFileSync(this.kinmuBin, args, {
      env: { ...process.env, KINMU_DATA_DIR: this.data, KINMU_DATABASE_URL: this.database, KINMU_LOG: "warn" },
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  async api(method, path, body) {
    const send = () =>
      fetch(`${this.url}/api/v1${path}`, {
        method,
        headers: { "content-type": "application/json", "x-kinmu-request": "1", cookie: this.cookie },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    // A kept-alive connection the server closed while the test was busy elsewhere fails before
    // the request is sent ("fetch failed"): sent again once, on a new connection.
    const response = await send().catch(send);
    const set = response.headers.get("set-cookie");
    if (set) this.cookie = set.split(";")[0];
    const json = await response.json().catch(() => null);
    if (!response.ok) throw new Error(`${method} ${path}: HTTP ${response.status} ${JSON.stringify(json)}`);
    return json;
  }

  async logIn() {
    await this.api("POST", "/auth/login", { login: this.login, password: this.password });
  }

  async setPolicy(change) {
    const { policy } = await this.api("GET", "/updates/policy");
    await this.api("PUT", "/updates/policy", { policy: { ...policy, ...change }, password: this.password });
  }

  async records() {
    return (await this.api("GET", "/updates/records")).records;
  }

  /// The release keys (made once per server: a second `keys init` is refused), and the trusted
  /// root the releases ship, in `tmp/trusted-root.json`.
  initKeys() {
    try {
      this.kinmu("release", "keys", "init", "--root-key", join(this.tmp, "root.key"));
    } catch (e) {
      // An earlier test of the same run made them; `release root` below fails if there are none.
      if (!/keys init|already|既に/.test(`${e.stderr ?? e.message}`)) throw e;
    }
    this.kinmu("release", "root", "--out", join(this.tmp, "trusted-root.json"));
  }

  /// A release folder: the desktop program, the UI bundle (without its compressed copies) with a
  /// visible mark of the release, the trusted root. `brokenUi`: the UI's wasm replaced by bytes
  /// that are no wasm, so the UI never loads and the version never reports healthy.
  release(version, { brokenUi = false } = {}) {
    const dir = this.releaseDir(version);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(dir, "resources"), { recursive: true });
    cpSync(this.app, join(dir, "kinmu-desktop"));
    cpSync(this.uiDist, join(dir, "ui"), { recursive: true, filter: (src) => !/\.(br|gz)$/.test(src) });
    const index = join(dir, "ui/index.html");
    writeFileSync(index, readFileSync(index, "utf8").replace("<body>", `<body>\n<p data-testid="bundle-mark">${this.mark} ${version}</p>`));
    if (brokenUi) writeFileSync(join(dir, "ui/pkg/kinmu_ui_bg.wasm"), `not wasm: release ${version} is broken on purpose`);
    cpSync(join(this.tmp, "trusted-root.json"), join(dir, "resources/trusted-root.json"));
    return dir;
  }

  releaseDir(version) {
    return join(this.tmp, `release-${version}`);
  }

  /// Publishes a release folder as `version` and offers it.
  publish(version, options) {
    this.kinmu("release", "publish", this.release(version, options), "--version", version, "--platform", PLATFORM);
    this.kinmu("release", "offer", version, "--platform", PLATFORM);
  }
}

/// An install folder of the app (versions side by side, the pointer `current.json`, the launcher).
export class Install {
  constructor(dir, launcher) {
    this.dir = dir;
    this.launcher = launcher;
  }

  /// Installs a release folder as `version` (`kinmu-launcher apply`) with the launcher beside.
  installFrom(releaseDir, version) {
    execFileSync(this.launcher, ["apply", releaseDir, "--version", version, "--install", this.dir]);
    cpSync(this.launcher, join(this.dir, "kinmu-launcher"));
  }

  pointer() {
    return JSON.parse(readFileSync(join(this.dir, "current.json"), "utf8"));
  }

  /// The folder of the version the pointer names.
  currentDir() {
    return join(this.dir, "versions", this.pointer().current);
  }

  /// Waits until `version` (a folder name) is current and confirmed (not on trial).
  waitConfirmed(version, timeout = 90_000) {
    return waitFor(`version ${version} confirmed healthy`, () => {
      const p = this.pointer();
      return p.current === version && !p.trial;
    }, timeout);
  }

  /// The processes running a program of the install (the launcher, a version's kinmu-desktop).
  processes() {
    const found = [];
    for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
      try {
        if (readlinkSync(`/proc/${pid}/exe`).startsWith(`${this.dir}/`)) found.push(Number(pid));
      } catch {
        // gone, or not ours to read
      }
    }
    return found;
  }

  async killProcesses() {
    for (const pid of this.processes()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await waitFor("the install's programs to end", () => this.processes().length === 0, 10_000);
  }

  /// Starts the app as its shortcut does (the launcher; --wait keeps it while the app runs, for
  /// the driver), under the given driver.
  async start(win) {
    await win.start(join(this.dir, "kinmu-launcher"), ["--wait"]);
  }

  async stop(win) {
    await win.quit();
    await this.killProcesses();
  }
}

export function countFiles(dir) {
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;
}

// One end-to-end test run: a scratch directory, checks that print what they measured, a bound
// on the whole run, and cleanup (browsers, processes, files) however the test ends.
//
//   await runE2e('playback', { timeoutMs: 110000 }, async (t) => { ... t.check(ok, 'what') ... });
//
// Exit code 0 only if the body finished and every check held.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stopAllProcesses, tail } from './processes.mjs';
import { potokLog } from './browser.mjs';
import { withTimeout } from './wait.mjs';

class E2eContext {
  constructor(name) {
    this.name = name;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `potok-e2e-${name}-`));
    this.failures = [];
    this.browsers = [];
    this.viewers = [];
    this.processes = [];
    this.cleanups = [];
  }

  // `fn` (may return a promise) runs at cleanup, before browsers and processes are ended.
  onCleanup(fn) {
    this.cleanups.push(fn);
  }

  // Records one expectation; prints it with the measured value either way.
  check(ok, message) {
    console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${message}`);
    if (!ok) this.failures.push(message);
    return ok;
  }

  log(message) {
    console.log(`[${this.name}] ${message}`);
  }

  file(name) {
    return path.join(this.dir, name);
  }

  // What failure reports show: the end of every process's output and every page's player log.
  // Every page's whole console also goes to a file in the scratch directory (kept with
  // POTOK_E2E_KEEP=1).
  diagnostics() {
    const parts = this.processes.map((p) => tail(p));
    for (const v of this.viewers) {
      const file = this.file(`${v.label.replace(/\W+/g, '_')}.console.log`);
      fs.writeFileSync(file, v.console.join('\n') + '\n');
      parts.push(`  --- ${v.label} console (potok lines; all of it in ${file}) ---\n${potokLog(v)}`);
    }
    return parts.join('\n');
  }

  async cleanup() {
    for (const fn of this.cleanups.splice(0).reverse()) {
      await withTimeout(Promise.resolve().then(fn), 5000, 'a cleanup step').catch((e) => console.error(e.message));
    }
    await Promise.allSettled(this.browsers.map((b) => withTimeout(b.close(), 10000, 'browser to close')));
    await withTimeout(stopAllProcesses(), 15000, 'processes to stop').catch(() => {});
    if (!process.env.POTOK_E2E_KEEP) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

export async function runE2e(name, { timeoutMs }, body) {
  const t = new E2eContext(name);
  const started = Date.now();
  let error = null;
  const interrupted = async (signal) => {
    console.error(`[${name}] ${signal}: cleaning up`);
    await t.cleanup();
    process.exit(1);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    await withTimeout(body(t), timeoutMs, `the whole ${name} test`);
  } catch (e) {
    error = e;
  }
  let failed = error !== null || t.failures.length > 0;
  if (failed) {
    if (error) console.error(`[${name}] error: ${error.stack || error.message}`);
    console.error(`[${name}] diagnostics:\n${t.diagnostics()}`);
  } else if (process.env.POTOK_E2E_KEEP) {
    t.diagnostics();  // the consoles, to files in the kept directory
    console.log(`[${name}] kept ${t.dir}`);
  }
  await t.cleanup();
  // Under the asan preset potok is sanitized: a report it printed (also at exit) fails the test.
  for (const proc of t.processes) {
    const report = proc.stderr.match(/^.*(ERROR: (Address|Leak)Sanitizer|runtime error:).*$/m);
    if (!report) continue;
    t.check(false, `${proc.name} printed a sanitizer report: ${report[0].trim()}`);
    console.error(tail(proc, 80));
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  failed = failed || t.failures.length > 0;
  const checks = t.failures.length ? `; failed checks: ${t.failures.join('; ')}` : '';
  console.log(`[${name}] ${failed ? 'FAILED' : 'PASSED'} in ${seconds} s${checks}`);
  process.exit(failed ? 1 : 0);
}

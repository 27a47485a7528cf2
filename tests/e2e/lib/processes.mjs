// Child processes of a test (potok, ffmpeg): started with their output kept for the report, and
// always ended, also when the test fails, times out or is interrupted.
import { spawn } from 'node:child_process';
import { withTimeout } from './wait.mjs';

const MAX_KEPT_OUTPUT = 256 * 1024;  // per stream: the tail is what explains a failure
const running = new Set();

// Last resort when the test process itself goes away: nothing it started may outlive it.
process.on('exit', () => {
  for (const proc of running) proc.child.kill('SIGKILL');
});

// Starts `command`. options.stdin / options.stdout: 'ignore' or 'pipe'; a piped stdout is left to
// the caller (for ffmpeg ... | potok); otherwise stdout and stderr are kept in proc.stdout/stderr.
export function spawnProcess(name, command, args, { stdin = 'ignore', stdout = 'keep', env = {} } = {}) {
  const child = spawn(command, args, {
    stdio: [stdin, stdout === 'keep' ? 'pipe' : stdout, 'pipe'],
    env: { ...process.env, ...env },
  });
  const proc = { name, command, args, child, stdout: '', stderr: '', exit: null, lineWaiters: [] };
  const keep = (key) => (data) => {
    proc[key] = (proc[key] + data.toString()).slice(-MAX_KEPT_OUTPUT);
    if (key === 'stdout') for (const waiter of proc.lineWaiters) waiter();
  };
  if (stdout === 'keep') child.stdout.on('data', keep('stdout'));
  child.stderr.on('data', keep('stderr'));
  running.add(proc);
  proc.exited = new Promise((resolve) => {
    const done = (exit) => {
      if (proc.exit) return;
      proc.exit = exit;
      running.delete(proc);
      for (const waiter of proc.lineWaiters) waiter();
      resolve(exit);
    };
    child.on('exit', (code, signal) => done({ code, signal }));
    child.on('error', (error) => done({ code: null, signal: null, error: error.message }));
  });
  return proc;
}

// Resolves with the first match of `pattern` in the process's stdout; rejects if the process
// exits first or after `timeoutMs`.
export function waitForOutput(proc, pattern, timeoutMs) {
  return withTimeout(new Promise((resolve, reject) => {
    const check = () => {
      const match = proc.stdout.match(pattern);
      if (match) return resolve(match);
      if (proc.exit) reject(new Error(`${proc.name} exited (${describeExit(proc.exit)}) before printing ${pattern}\n${tail(proc)}`));
    };
    proc.lineWaiters.push(check);
    check();
  }), timeoutMs, `${proc.name} to print ${pattern}\n${tail(proc)}`);
}

// SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone.
export async function stopProcess(proc, graceMs = 3000) {
  if (proc.exit) return proc.exit;
  proc.child.kill('SIGTERM');
  try {
    return await withTimeout(proc.exited, graceMs, `${proc.name} to stop`);
  } catch {
    proc.child.kill('SIGKILL');
    return withTimeout(proc.exited, 5000, `${proc.name} to die`);
  }
}

export function stopAllProcesses() {
  return Promise.allSettled([...running].map((proc) => stopProcess(proc)));
}

export function describeExit(exit) {
  if (!exit) return 'running';
  if (exit.error) return exit.error;
  return exit.signal ? `signal ${exit.signal}` : `exit code ${exit.code}`;
}

// The end of a process's output, for failure reports.
export function tail(proc, lines = 30) {
  const last = (text) => text.trimEnd().split('\n').slice(-lines).map((l) => `    ${l}`).join('\n');
  return `  --- ${proc.name} stdout (tail) ---\n${last(proc.stdout)}\n  --- ${proc.name} stderr (tail) ---\n${last(proc.stderr)}`;
}

// Starts `potok stream` (the binary CTest passes in POTOK_BINARY) on a port the OS picks, with a
// key and a page file of its own in the test's scratch directory, and waits for its page.
import { spawnProcess, waitForOutput } from './processes.mjs';

const WATCH_LINE = /potok: watch at (http:\/\/127\.0\.0\.1:\d+\/)/;

export function potokBinary() {
  const binary = process.env.POTOK_BINARY;
  if (!binary) throw new Error('POTOK_BINARY is not set (ctest sets it to the built potok)');
  return binary;
}

// `args`: extra options (--input, --size, --advertise, ...). `stdin`: 'pipe' to feed it media.
// Returns {proc, url, wsUrl}.
export async function startPotokStream(t, args, { stdin = 'ignore', startTimeoutMs = 30000 } = {}) {
  const fullArgs = [
    'stream', '--http', '127.0.0.1:0',
    '--key', t.file('stream.key'), '--page', t.file('player.html'),
    '--title', `e2e ${t.name}`, '--welcome', 'An end-to-end test stream',
    ...args,
  ];
  const proc = spawnProcess('potok stream', potokBinary(), fullArgs, { stdin });
  t.processes.push(proc);
  const match = await waitForOutput(proc, WATCH_LINE, startTimeoutMs);
  const url = match[1];
  t.log(`potok stream ${args.join(' ')} -> ${url}`);
  return { proc, url, wsUrl: url.replace(/^http/, 'ws') + 'ws' };
}

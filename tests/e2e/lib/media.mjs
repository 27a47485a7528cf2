// FFmpeg as a test's media source: a short clip file, an MPEG-TS stream on a pipe, an RTMP
// publisher. Always small (426x240) and real-time where it is live, so two cores keep up.
import net from 'node:net';
import { spawnProcess, stopProcess } from './processes.mjs';
import { sleep } from './wait.mjs';

const SIZE = '426x240';
const FPS = 30;

// Test picture and tone; `seconds` bounds a live source so it can never run away.
function lavfiInputs(seconds) {
  return [
    '-f', 'lavfi', '-i', `testsrc2=size=${SIZE}:rate=${FPS}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
  ];
}
// H.264 with a keyframe every second (a group) and AAC.
const ENCODE = [
  '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-pix_fmt', 'yuv420p',
  '-g', String(FPS), '-keyint_min', String(FPS), '-b:v', '600k',
  '-c:a', 'aac', '-b:a', '96k', '-ar', '48000',
];

// Writes a `seconds`-long H.264/AAC MP4 file and resolves with its path.
export async function makeClip(t, name, seconds) {
  const file = t.file(name);
  const proc = spawnProcess('ffmpeg (clip)', 'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-y', ...lavfiInputs(seconds), ...ENCODE, '-shortest', file]);
  const exit = await proc.exited;
  if (exit.code !== 0) throw new Error(`ffmpeg could not make ${name}: ${proc.stderr.trim()}`);
  return file;
}

// A live MPEG-TS stream on ffmpeg's stdout (proc.child.stdout), paced in real time.
export function startTsPipe(t, seconds) {
  const proc = spawnProcess('ffmpeg (pipe)', 'ffmpeg',
    ['-hide_banner', '-loglevel', 'error', '-re', ...lavfiInputs(seconds), ...ENCODE, '-f', 'mpegts', '-'],
    { stdout: 'pipe' });
  t.processes.push(proc);
  return proc;
}

// Publishes a live test stream to `url` (rtmp://...). The server may take a moment to listen, so
// a publisher that dies at once is started again, for up to `retryMs`.
export async function startRtmpPublisher(t, url, seconds, { retryMs = 15000 } = {}) {
  const deadline = Date.now() + retryMs;
  for (let attempt = 1; ; ++attempt) {
    const proc = spawnProcess(`ffmpeg (rtmp publisher #${attempt})`, 'ffmpeg',
      ['-hide_banner', '-loglevel', 'error', '-re', ...lavfiInputs(seconds), ...ENCODE, '-f', 'flv', url]);
    t.processes.push(proc);
    await Promise.race([proc.exited, sleep(2000)]);
    if (!proc.exit) return proc;
    if (Date.now() > deadline) throw new Error(`the RTMP publisher keeps failing: ${proc.stderr.trim()}`);
    await sleep(500);
  }
}

export { stopProcess };

// A TCP port that was free a moment ago, for servers that cannot report the port they got.
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

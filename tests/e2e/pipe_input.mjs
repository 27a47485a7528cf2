// `ffmpeg ... -f mpegts - | potok stream --input -`: live MPEG-TS on standard input plays.
import { runE2e } from './lib/harness.mjs';
import { startPotokStream } from './lib/potok_stream.mjs';
import { openViewers, expectPlaysFor } from './lib/player.mjs';
import { startTsPipe } from './lib/media.mjs';

await runE2e('pipe_input', { timeoutMs: 80000 }, async (t) => {
  const ffmpeg = startTsPipe(t, 60);
  const stream = await startPotokStream(t, ['--input', '-'], { stdin: 'pipe' });
  // potok going away must not take the test down with an EPIPE on our end of the pipe.
  stream.proc.child.stdin.on('error', () => {});
  ffmpeg.child.stdout.pipe(stream.proc.child.stdin);
  const [viewer] = await openViewers(t, stream.url);
  await expectPlaysFor(t, viewer, 8);
});

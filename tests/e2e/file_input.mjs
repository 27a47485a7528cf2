// `potok stream --input FILE --loop` with a 5 s H.264/AAC clip made here: the viewer plays for
// 8 s, across at least one loop of the file.
import { runE2e } from './lib/harness.mjs';
import { startPotokStream } from './lib/potok_stream.mjs';
import { openViewers, expectPlaysFor } from './lib/player.mjs';
import { makeClip } from './lib/media.mjs';

await runE2e('file_input', { timeoutMs: 80000 }, async (t) => {
  const clip = await makeClip(t, 'clip.mp4', 5);
  const { url } = await startPotokStream(t, ['--input', clip, '--loop']);
  const [viewer] = await openViewers(t, url);
  await expectPlaysFor(t, viewer, 10);
});

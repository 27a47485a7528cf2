// The media payload a chunk carries (node/media/media_payload.hpp is the producer; the layout is
// repeated here because this is its second, independent reader). Little-endian:
//   0 u8 version = 1 | 1 u8 flags (bit0 has_init, bit1 discontinuity) | 2 u32 init_size
//   6 i64 media_time_us | 14 u32 duration_us | 18 u16 codecs_len, then the MIME type (UTF-8)
//   then init_size bytes of init segment (ftyp+moov), then the fragment (moof+mdat) to the end.

const MEDIA_PAYLOAD_VERSION = 1;
const MEDIA_FLAG_HAS_INIT = 0x01;
const MEDIA_FLAG_DISCONTINUITY = 0x02;
const MEDIA_HEADER_SIZE = 20;

// Returns {hasInit, discontinuity, mediaTimeUs, durationUs, mime, init, fragment} with init and
// fragment as views into `bytes`, or throws an Error saying what is wrong. A chunk passed the
// source's signature check before it gets here, so an error means a bug, not an attack.
function parseMediaPayload(bytes) {
  if (bytes.length < MEDIA_HEADER_SIZE) throw new Error(`media payload truncated (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint8(0);
  if (version !== MEDIA_PAYLOAD_VERSION) throw new Error(`media payload version ${version}`);
  const flags = view.getUint8(1);
  if (flags & ~(MEDIA_FLAG_HAS_INIT | MEDIA_FLAG_DISCONTINUITY)) throw new Error(`media payload flags ${flags}`);
  const hasInit = (flags & MEDIA_FLAG_HAS_INIT) !== 0;
  const initSize = view.getUint32(2, true);
  // Exact as a Number: media times stay far below 2^53 µs.
  const mediaTimeUs = Number(view.getBigInt64(6, true));
  const durationUs = view.getUint32(14, true);
  const codecsLen = view.getUint16(18, true);
  let at = MEDIA_HEADER_SIZE;
  if (at + codecsLen + initSize > bytes.length) throw new Error('media payload shorter than its header says');
  const mime = new TextDecoder().decode(bytes.subarray(at, at + codecsLen));
  at += codecsLen;
  const init = bytes.subarray(at, at + initSize);
  at += initSize;
  const fragment = bytes.subarray(at);
  if (hasInit && (initSize === 0 || codecsLen === 0)) throw new Error('media payload has_init without init or codecs');
  if (!hasInit && (initSize !== 0 || codecsLen !== 0)) throw new Error('media payload init without has_init');
  if (fragment.length === 0) throw new Error('media payload without a fragment');
  return { hasInit, discontinuity: (flags & MEDIA_FLAG_DISCONTINUITY) !== 0, mediaTimeUs, durationUs, mime, init, fragment };
}

function sameBytes(a, b) {
  if (!a || !b || a.length !== b.length) return false;
  for (let i = 0; i < a.length; ++i) if (a[i] !== b[i]) return false;
  return true;
}

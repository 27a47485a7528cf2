// PeerIds are u64 on the wire; JS holds them as BigInt and hands the engine two u32 halves
// (em++ 3.1.6 passes no 64-bit integers across the wasm boundary).

function peerIdFromHalves(lo, hi) {
  return (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);
}
function peerIdHalves(id) {
  return [Number(id & 0xffffffffn), Number((id >> 32n) & 0xffffffffn)];
}
// A random non-zero id for this page, fresh on every load.
function randomPeerId() {
  const words = new Uint32Array(2);
  do crypto.getRandomValues(words); while (words[0] === 0 && words[1] === 0);
  return peerIdFromHalves(words[0], words[1]);
}
function parsePeerId(decimal) {
  if (typeof decimal !== 'string' || !/^[0-9]{1,20}$/.test(decimal)) throw new Error(`bad peer id ${decimal}`);
  const id = BigInt(decimal);
  if (id === 0n || id >= 1n << 64n) throw new Error(`peer id out of range: ${decimal}`);
  return id;
}
function base64UrlDecode(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const raw = atob(b64);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; ++i) out[i] = raw.charCodeAt(i);
  return out;
}

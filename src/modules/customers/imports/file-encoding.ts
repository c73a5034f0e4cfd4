/** The encodings an import reads: what Chinese Excel saves as "CSV" (GBK) or "CSV UTF-8" (with a BOM). */
export type ImportEncoding = 'utf-8' | 'gbk' | 'utf-16le' | 'utf-16be';

export const IMPORT_ENCODINGS: ImportEncoding[] = ['utf-8', 'gbk', 'utf-16le', 'utf-16be'];

/**
 * The encoding of a file from its first bytes: a byte-order mark says so; otherwise text that is
 * valid UTF-8 is UTF-8 (plain ASCII is both), and anything else is taken for GBK (GB18030's
 * two-byte core), which is what Excel on a Chinese Windows writes.
 */
export function detectEncoding(head: Uint8Array): ImportEncoding {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return isUtf8(trimPartialCharacter(head)) ? 'utf-8' : 'gbk';
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** The sample may end inside a multi-byte character: drop that character's leading bytes. */
function trimPartialCharacter(bytes: Uint8Array): Uint8Array {
  for (let back = 1; back <= Math.min(4, bytes.length); back += 1) {
    const byte = bytes[bytes.length - back];
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: keep looking for the lead
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? bytes.subarray(0, bytes.length - back) : bytes;
  }
  return bytes;
}
